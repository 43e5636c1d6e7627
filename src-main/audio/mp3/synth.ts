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

/** 1 / (2 cos(π(2k + 1) / 2n)) for the odd half of Lee's DCT split at size n. */
const leeScale = new Map<number, Float64Array>();
for (let n = 2; n <= 32; n *= 2) {
  const s = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) s[k] = 1 / (2 * Math.cos((Math.PI * (2 * k + 1)) / (2 * n)));
  leeScale.set(n, s);
}

/** Scratch arrays per size, so the recursion allocates nothing. */
const scratch = new Map<number, { a: Float64Array; b: Float64Array; ya: Float64Array; yb: Float64Array }>();
for (let n = 2; n <= 32; n *= 2) {
  scratch.set(n, { a: new Float64Array(n / 2), b: new Float64Array(n / 2), ya: new Float64Array(n / 2), yb: new Float64Array(n / 2) });
}

/** y[m] = Σ_k x[k] cos(π m (2k + 1) / 2n), n a power of two up to 32. */
export function dct2(x: Float64Array, y: Float64Array, n: number): void {
  if (n === 1) {
    y[0] = x[0]!;
    return;
  }
  const half = n >> 1;
  const s = scratch.get(n)!;
  const c = leeScale.get(n)!;
  for (let k = 0; k < half; k++) {
    const u = x[k]!;
    const v = x[n - 1 - k]!;
    s.a[k] = u + v;
    s.b[k] = (u - v) * c[k]!;
  }
  dct2(s.a, s.ya, half);
  dct2(s.b, s.yb, half);
  for (let m = 0; m < half - 1; m++) {
    y[2 * m] = s.ya[m]!;
    y[2 * m + 1] = s.yb[m]! + s.yb[m + 1]!;
  }
  y[n - 2] = s.ya[half - 1]!;
  y[n - 1] = s.yb[half - 1]!;
}

/** One channel's synthesis state: the V FIFO of 16 blocks of 64, newest at `slot`. */
export class Synthesis {
  private readonly v = new Float64Array(1024);
  private slot = 0;
  private readonly x = new Float64Array(32);

  constructor() {
    windowD ??= synthWindow();
  }

  reset(): void {
    this.v.fill(0);
    this.slot = 0;
  }

  /** 32 subband samples (s) → 32 PCM samples written to out[at..at+31]. */
  run(s: Float64Array, out: Float32Array, at: number): void {
    const x = this.x;
    dct2(s, x, 32);
    this.slot = (this.slot + 15) & 15;
    const v = this.v;
    const base = this.slot * 64;
    // V[i] = Σ_k cos((16 + i)(2k + 1)π / 64) S[k] (11172-3 Annex A), from X[m] = the DCT-II at m = 16 + i folded
    // into 0..32: cos((64 - m)θ) = -cos(mθ) and cos((64 + m)θ) = -cos(mθ) for the odd multiples θ of π/64.
    for (let i = 0; i < 16; i++) v[base + i] = x[16 + i]!;
    v[base + 16] = 0;
    for (let i = 17; i <= 48; i++) v[base + i] = -x[48 - i]!;
    for (let i = 49; i < 64; i++) v[base + i] = -x[i - 48]!;
    const d = windowD!;
    for (let j = 0; j < 32; j++) {
      let sum = 0;
      for (let i = 0; i < 8; i++) {
        const even = ((this.slot + 2 * i) & 15) * 64;
        const odd = ((this.slot + 2 * i + 1) & 15) * 64;
        sum += v[even + j]! * d[64 * i + j]! + v[odd + 32 + j]! * d[64 * i + 32 + j]!;
      }
      out[at + j] = sum;
    }
  }
}
