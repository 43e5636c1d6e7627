// The polyphase synthesis filterbank of ISO/IEC 11172-3 §2.4.3.2 / Annex A (Figure A.2): 32 subband samples in, 32
// PCM samples out, through the 64 × 32 matrixing into the FIFO V and the 512-tap window D. The matrixing is a 32-point
// DCT-II (computed with Lee's recursive split) whose 33 distinct outputs fill V's 64 by the cosine's symmetries.

import { SYNTH_WINDOW_HALF } from './tables';

/** The full window D[0..511] (Table B.3) as numbers. */
function synthWindow(): Float64Array {
  const d = new Float64Array(512);
  for (let i = 0; i <= 256; i++) d[i] = SYNTH_WINDOW_HALF[i]! / 65536;
  for (let i = 1; i < 256; i++) d[512 - i] = i % 64 === 0 ? d[i]! : -d[i]!;
  return d;
}

let windowD: Float64Array | null = null;

// Lee's split of a DCT-II of size n into two of size n/2 (sums, and differences scaled by 1 / (2 cos(π(2k + 1) / 2n)))
// works in one flat array W: each size has its own region for its halves and their transforms, so the recursion
// allocates nothing. Region of size n: a (n/2), b (n/2), A (n/2), B (n/2).
const W = new Float64Array(192);
const REGION = new Int32Array(33);
REGION[32] = 0;
REGION[16] = 64;
REGION[8] = 96;
REGION[4] = 112;
/** Input and output of the size-32 transform in W. */
const IN = 128;
const OUT = 160;
/** SCALE[half - 1 + k] = 1 / (2 cos(π(2k + 1) / 2n)) for half = n/2. */
const SCALE = new Float64Array(32);
for (let n = 2; n <= 32; n *= 2) {
  for (let k = 0; k < n / 2; k++) SCALE[n / 2 - 1 + k] = 1 / (2 * Math.cos((Math.PI * (2 * k + 1)) / (2 * n)));
}

/** cos(π m (2k + 1) / 16) at [8m + k]: size 8 is computed directly, which costs less than recursing further. */
const COS8 = new Float64Array(64);
for (let m = 0; m < 8; m++) for (let k = 0; k < 8; k++) COS8[8 * m + k] = Math.cos((Math.PI * m * (2 * k + 1)) / 16);

/** W[out + m] = Σ_k W[inp + k] cos(π m (2k + 1) / 2n) for m < n, n = 8, 16 or 32. */
function dctW(inp: number, out: number, n: number): void {
  if (n === 8) {
    const x0 = W[inp]!;
    const x1 = W[inp + 1]!;
    const x2 = W[inp + 2]!;
    const x3 = W[inp + 3]!;
    const x4 = W[inp + 4]!;
    const x5 = W[inp + 5]!;
    const x6 = W[inp + 6]!;
    const x7 = W[inp + 7]!;
    for (let m = 0; m < 8; m++) {
      const c = 8 * m;
      W[out + m] =
        x0 * COS8[c]! + x1 * COS8[c + 1]! + x2 * COS8[c + 2]! + x3 * COS8[c + 3]! + x4 * COS8[c + 4]! + x5 * COS8[c + 5]! + x6 * COS8[c + 6]! + x7 * COS8[c + 7]!;
    }
    return;
  }
  const half = n >> 1;
  const a = REGION[n]!;
  const b = a + half;
  const ya = a + n;
  const yb = ya + half;
  for (let k = 0; k < half; k++) {
    const u = W[inp + k]!;
    const v = W[inp + n - 1 - k]!;
    W[a + k] = u + v;
    W[b + k] = (u - v) * SCALE[half - 1 + k]!;
  }
  dctW(a, ya, half);
  dctW(b, yb, half);
  for (let m = 0; m < half - 1; m++) {
    W[out + 2 * m] = W[ya + m]!;
    W[out + 2 * m + 1] = W[yb + m]! + W[yb + m + 1]!;
  }
  W[out + n - 2] = W[ya + half - 1]!;
  W[out + n - 1] = W[yb + half - 1]!;
}

/** y[m] = Σ_k x[k] cos(π m (2k + 1) / 64), m < 32 (the matrixing's transform; exported for its unit test). */
export function dct32(x: ArrayLike<number>, y: Float64Array): void {
  for (let k = 0; k < 32; k++) W[IN + k] = x[k]!;
  dctW(IN, OUT, 32);
  for (let m = 0; m < 32; m++) y[m] = W[OUT + m]!;
}

/** One channel's synthesis state: the V FIFO of 16 blocks of 64, newest at `slot`. */
export class Synthesis {
  private readonly v = new Float64Array(1024);
  private slot = 0;

  constructor() {
    windowD ??= synthWindow();
  }

  reset(): void {
    this.v.fill(0);
    this.slot = 0;
  }

  /**
   * 32 subband samples, s[first + 18·sb] for sb = 0..31 (one time slot of the hybrid filterbank's output), → 32 PCM
   * samples written to out[at..at+31].
   */
  run(s: Float64Array, first: number, out: Float32Array, at: number): void {
    for (let sb = 0; sb < 32; sb++) W[IN + sb] = s[first + 18 * sb]!;
    dctW(IN, OUT, 32);
    const slot = (this.slot + 15) & 15;
    this.slot = slot;
    const v = this.v;
    const base = slot * 64;
    // V[i] = Σ_k cos((16 + i)(2k + 1)π / 64) S[k] (11172-3 Annex A), from X[m] = the DCT-II at m = 16 + i folded
    // into 0..32: cos((64 - m)θ) = -cos(mθ) and cos((64 + m)θ) = -cos(mθ) for the odd multiples θ of π/64.
    for (let i = 0; i < 16; i++) v[base + i] = W[OUT + 16 + i]!;
    v[base + 16] = 0;
    for (let i = 17; i <= 48; i++) v[base + i] = -W[OUT + 48 - i]!;
    for (let i = 49; i < 64; i++) v[base + i] = -W[OUT + i - 48]!;
    // out[j] = Σ_{i<8} V[128i + j]·D[64i + j] + V[128i + 96 + j]·D[64i + 32 + j]: the even blocks of 64 of V (ages
    // 0, 2, …, 14) give their first halves, the odd ones (ages 1, 3, …, 15) their second halves. Unrolled, so the
    // sixteen products of one output stay in registers.
    const d = windowD!;
    const e0 = slot * 64;
    const o0 = ((slot + 1) & 15) * 64 + 32;
    const e1 = ((slot + 2) & 15) * 64;
    const o1 = ((slot + 3) & 15) * 64 + 32;
    const e2 = ((slot + 4) & 15) * 64;
    const o2 = ((slot + 5) & 15) * 64 + 32;
    const e3 = ((slot + 6) & 15) * 64;
    const o3 = ((slot + 7) & 15) * 64 + 32;
    const e4 = ((slot + 8) & 15) * 64;
    const o4 = ((slot + 9) & 15) * 64 + 32;
    const e5 = ((slot + 10) & 15) * 64;
    const o5 = ((slot + 11) & 15) * 64 + 32;
    const e6 = ((slot + 12) & 15) * 64;
    const o6 = ((slot + 13) & 15) * 64 + 32;
    const e7 = ((slot + 14) & 15) * 64;
    const o7 = ((slot + 15) & 15) * 64 + 32;
    for (let j = 0; j < 32; j++) {
      out[at + j] =
        v[e0 + j]! * d[j]! +
        v[o0 + j]! * d[32 + j]! +
        v[e1 + j]! * d[64 + j]! +
        v[o1 + j]! * d[96 + j]! +
        v[e2 + j]! * d[128 + j]! +
        v[o2 + j]! * d[160 + j]! +
        v[e3 + j]! * d[192 + j]! +
        v[o3 + j]! * d[224 + j]! +
        v[e4 + j]! * d[256 + j]! +
        v[o4 + j]! * d[288 + j]! +
        v[e5 + j]! * d[320 + j]! +
        v[o5 + j]! * d[352 + j]! +
        v[e6 + j]! * d[384 + j]! +
        v[o6 + j]! * d[416 + j]! +
        v[e7 + j]! * d[448 + j]! +
        v[o7 + j]! * d[480 + j]!;
    }
  }
}
