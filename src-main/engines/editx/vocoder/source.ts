// HiFT's neural-source-filter excitation (EDITX-SPEC.md §6; the reference's SineGen2 + SourceModuleHnNSF2), from the
// F0 predictor's per-frame output. Arithmetic follows the reference's float32 order (Math.fround at each tensor op) so
// the same F0 and the same draws give the reference's source to float32 precision:
//   F0 repeated to samples (nearest ×spf); harmonic k (1..H) has per-sample phase increment rad = (k·f0 / sr) mod 1;
//   the increments are resampled linearly to frame rate (×1/spf), summed (cumulative, accumulated in float64 as
//   torch's CPU cumsum does), ×2π, ×spf, resampled linearly back to samples; sine = 0.1·sin(phase), zeroed where
//   unvoiced (F0 ≤ threshold); plus noise (std 0.003 voiced, 0.1/3 unvoiced); merged by tanh(w·s + b).
// The reference also adds a random initial phase (uniform, fundamental excluded) to the first sample's increment
// only; the ×1/spf resampling reads samples spf/2 − 1 and spf/2 of each frame, so it never reaches the output. It is
// reproduced anyway (and the golden test checks it changes nothing).

import { Xoshiro128 } from '../lm/rng';
import type { VocoderComponent } from '../pack/manifest';

const f = Math.fround;
const PI_F32 = f(Math.PI);

export interface SourceDraws {
  /** Initial phases in [0, 1) per harmonic (H values; the first is ignored). */
  phase: Float32Array;
  /** Standard-normal noise, samples × H (sample-major, as the reference's (1, samples, H) tensor). */
  noise: Float32Array;
}

/** Seeded draws: phases uniform, noise standard normal (Box–Muller over xoshiro128**). */
export function drawSource(seed: number, samples: number, harmonics: number): SourceDraws {
  const rng = Xoshiro128.fromSeed(seed);
  const phase = new Float32Array(harmonics);
  for (let i = 0; i < harmonics; i++) phase[i] = rng.nextFloat();
  const noise = new Float32Array(samples * harmonics);
  for (let i = 0; i < noise.length; i += 2) {
    const u1 = (rng.nextUint32() + 1) * 2 ** -32; // (0, 1]: log stays finite
    const u2 = rng.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u1));
    noise[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < noise.length) noise[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return { phase, noise };
}

/**
 * torch's linear resampling (align_corners=False, given a scale factor) as its CPU kernel computes it, measured
 * bit for bit on torch 1.13 (weights read back through one-hot rows): the ratio 1/scale_factor is rounded to float32,
 * the source position computed in float64, the weights rounded to float32 (w0 = 1 − w1 in float32), and the value is
 * x0·w0 + float32(x1·w1) with one rounding (a fused multiply-add).
 */
function linearTaps(outIndex: number, ratio: number, inLen: number): [number, number, number, number] {
  let src = ratio * (outIndex + 0.5) - 0.5;
  if (src < 0) src = 0;
  const i0 = Math.min(Math.floor(src), inLen - 1);
  const i1 = i0 + (i0 < inLen - 1 ? 1 : 0);
  const l1 = f(Math.min(Math.max(src - i0, 0), 1));
  return [i0, i1, f(1 - l1), l1];
}

function lerp(x0: number, x1: number, l0: number, l1: number): number {
  return f(x0 * l0 + f(x1 * l1));
}

/**
 * The excitation for `f0` (Hz per mel frame): samplesPerFrame × frames samples. `merge` is the 9 → 1 linear layer.
 */
export function nsfSource(f0: Float32Array, v: Pick<VocoderComponent, 'sampleRate' | 'samplesPerFrame' | 'source'>, draws: SourceDraws): Float32Array {
  const spf = v.samplesPerFrame;
  const sr = v.sampleRate;
  const { harmonics: h, sineAmp, noiseStd, voicedThreshold, mergeWeight, mergeBias } = v.source;
  const frames = f0.length;
  const len = frames * spf;
  if (draws.noise.length !== len * h || draws.phase.length !== h) {
    throw new RangeError(`source draws: need ${h} phases and ${len} × ${h} noise values`);
  }
  // Per-sample increments only matter where the down-resampling reads them: take them through the same taps.
  const rad = (sample: number, k: number): number => {
    const fn = f((f0[Math.floor(sample / spf)] as number) * (k + 1));
    const r = f(fn / sr);
    let x = r - Math.floor(r);
    if (sample === 0 && k > 0) x = f(x + (draws.phase[k] as number));
    return x;
  };
  const downLen = Math.floor(len * (1 / spf));
  const downScale = f(1 / (1 / spf));
  const phase = new Float32Array(downLen * h); // frame-major: [t * h + k]
  const cum = new Float64Array(h);
  for (let t = 0; t < downLen; t++) {
    const [i0, i1, l0, l1] = linearTaps(t, downScale, len);
    for (let k = 0; k < h; k++) {
      const d = lerp(rad(i0, k), rad(i1, k), l0, l1);
      cum[k] = (cum[k] as number) + d;
      phase[t * h + k] = f(f(f(f(cum[k] as number) * 2) * PI_F32) * spf);
    }
  }
  const upScale = f(1 / spf);
  const amp = f(sineAmp);
  const sigmaV = f(noiseStd);
  const sigmaU = f(f(1 * amp) / 3);
  const w = Float64Array.from(mergeWeight);
  const out = new Float32Array(len);
  for (let s = 0; s < len; s++) {
    const [i0, i1, l0, l1] = linearTaps(s, upScale, downLen);
    const voiced = (f0[Math.floor(s / spf)] as number) > voicedThreshold;
    const sigma = voiced ? sigmaV : sigmaU;
    let acc = mergeBias;
    for (let k = 0; k < h; k++) {
      const p = lerp(phase[i0 * h + k] as number, phase[i1 * h + k] as number, l0, l1);
      const sine = voiced ? f(f(Math.sin(p)) * amp) : 0;
      const e = f(sine + f(sigma * (draws.noise[s * h + k] as number)));
      acc += (w[k] as number) * e;
    }
    out[s] = Math.tanh(acc);
  }
  return out;
}
