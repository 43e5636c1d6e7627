// Buffers a template asks the builder to generate rather than read: the flow's fixed noise ("generated" in
// template.json). The reference draws its flow-matching noise once per process from torch's generator, so no two of
// its runs share a buffer; ours is drawn once per pack from a seeded generator, so a pack's runs are reproducible and
// two builds of one template give the same file on every platform.
//
// Generator "retake-normal-1": xoshiro128** seeded by splitmix32 from the seed; uniforms of 53 bits from two
// outputs; Box-Muller in double precision (both the cosine and the sine value used, in that order); each value
// rounded to float32. Standard normal.

import { RetakeError } from '../../../../contract/errors';

export const NOISE_GENERATOR = 'retake-normal-1';

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** (Blackman and Vigna): 32-bit outputs. */
function xoshiro128ss(seed: number): () => number {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  return () => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d >>> 0, 11);
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    return r;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** `count` standard normal float32 values of generator `generator` from `seed`. */
export function normalNoise(count: number, seed: number, generator: string = NOISE_GENERATOR): Float32Array {
  if (generator !== NOISE_GENERATOR) {
    throw new RetakeError('E_INTERNAL', `The graph template asks for noise from generator "${generator}"; this version of Retake has ${NOISE_GENERATOR}.`);
  }
  const next = xoshiro128ss(seed);
  // 53-bit uniform in [0, 1): (27 high bits · 2^26 + 26 bits) / 2^53.
  const uniform = () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
