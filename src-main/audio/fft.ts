// Radix-2 complex FFT (in place, precomputed twiddles and bit reversal per size), a mixed-radix complex FFT for sizes
// that are not powers of two (the 400- and 1920-point transforms of the model front ends), a real-input FFT over
// either, and a short-time Fourier transform with overlap-add resynthesis for frame-wise spectral gains. Shared by
// analysis, DSP and the feature front ends.

import { runSync, SAMPLE_BLOCK, type Steps } from './steps';

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

export class FFT {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (size < 2 || (size & (size - 1)) !== 0) throw new Error(`FFT size must be a power of two (got ${size})`);
    this.size = size;
    const half = size >> 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let i = 0; i < half; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / size);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Forward transform (e^{-iωt}) of (re, im) in place; `inverse` uses e^{+iωt} and divides by size. */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.size;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    const sgn = inverse ? -1 : 1;
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step]!;
          const wi = sgn * this.sin[k * step]!;
          const a = start + k;
          const b = a + half;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
    if (inverse) {
      for (let i = 0; i < n; i++) {
        re[i] = re[i]! / n;
        im[i] = im[i]! / n;
      }
    }
  }
}

/** Stage of a Stockham transform: radix p over sub-transforms of length p·m at stride s, with its twiddles. */
export interface Stage {
  p: number;
  m: number;
  s: number;
  /** ω_{p·m}^{j·u} for j < m, u = 1..p−1: (re, im) pairs, row j holds p−1 pairs. */
  tw: Float64Array;
}

/** Largest prime factor handled by a plain O(p²) butterfly: beyond it a size is refused (no Bluestein here). */
const MAX_GENERIC_RADIX = 31;

/**
 * The Stockham stages of a transform of `size` taken through `radices` in order: stage (p, m, s) of length p·m with
 * twiddles ω_{p·m}^{j·u}. Shared by MixedRadixFFT and the SIMD spectrogram kernel's plan (features/spectrogram).
 */
export function stockhamStages(size: number, radices: readonly number[]): Stage[] {
  const stages: Stage[] = [];
  let len = size;
  let s = 1;
  for (const p of radices) {
    const m = len / p;
    const tw = new Float64Array(2 * m * (p - 1));
    for (let j = 0; j < m; j++) {
      for (let u = 1; u < p; u++) {
        const a = (2 * Math.PI * ((j * u) % len)) / len;
        tw[2 * (j * (p - 1) + u - 1)] = Math.cos(a);
        tw[2 * (j * (p - 1) + u - 1) + 1] = -Math.sin(a);
      }
    }
    stages.push({ p, m, s, tw });
    len = m;
    s *= p;
  }
  return stages;
}

/**
 * Complex FFT (e^{-iωt}) of any size whose prime factors are at most 31, fastest for 2, 3, 4 and 5: a Stockham
 * autosort decimation in frequency (primes above 5 with a generic butterfly first, then 5, 3, and the powers of two
 * as radix 8 with one radix 4 or 2),
 * with the twiddles of every stage tabulated once. Out of place internally (one scratch pair), in place for the
 * caller. For powers of two it is faster than `FFT` (radix 4, no bit reversal) and agrees with it to rounding.
 */
export class MixedRadixFFT {
  readonly size: number;
  private readonly stages: Stage[];
  private readonly sr: Float64Array;
  private readonly si: Float64Array;
  /** cos/sin of 2πk/p for the generic butterfly, per radix. */
  private readonly roots = new Map<number, { c: Float64Array; s: Float64Array }>();

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new Error(`FFT size must be a positive integer (got ${size})`);
    this.size = size;
    // The power-of-two part as radix 8 (with 4·4 or 4 for the remainder, 2 only for a single factor of 2), last: the
    // last stage (m = 1) needs no twiddles, and fewer passes over the data are faster.
    let rest = size;
    let k = 0;
    while (rest % 2 === 0) {
      rest /= 2;
      k++;
    }
    const pow2: number[] = k === 1 ? [2] : k % 3 === 1 ? [4, 4] : k % 3 === 2 ? [4] : [];
    for (let e = k - pow2.reduce((a, p) => a + Math.log2(p), 0); e > 0; e -= 3) pow2.push(8);
    const small: number[] = [];
    for (const p of [5, 3]) {
      while (rest % p === 0) {
        small.push(p);
        rest /= p;
      }
    }
    const radices: number[] = [];
    for (let p = 7; rest > 1; p += 2) {
      while (rest % p === 0) {
        if (p > MAX_GENERIC_RADIX) throw new Error(`FFT size ${size} has the prime factor ${p}; at most ${MAX_GENERIC_RADIX} is supported`);
        radices.push(p);
        rest /= p;
      }
    }
    radices.push(...small, ...pow2);
    this.stages = stockhamStages(size, radices);
    for (const { p } of this.stages) {
      if (p > 5 && !this.roots.has(p)) {
        const c = new Float64Array(p);
        const sn = new Float64Array(p);
        for (let k = 0; k < p; k++) {
          c[k] = Math.cos((2 * Math.PI * k) / p);
          sn[k] = -Math.sin((2 * Math.PI * k) / p);
        }
        this.roots.set(p, { c, s: sn });
      }
    }
    this.sr = new Float64Array(size);
    this.si = new Float64Array(size);
  }

  /** Forward transform of (re, im) in place; `inverse` uses e^{+iωt} and divides by size. */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.size;
    if (inverse) for (let i = 0; i < n; i++) im[i] = -im[i]!;
    let xr = re;
    let xi = im;
    let yr = this.sr;
    let yi = this.si;
    for (const st of this.stages) {
      if (st.p === 8) this.radix8(st, xr, xi, yr, yi);
      else if (st.p === 4) {
        if (st.m === 1) this.radix4Last(st, xr, xi, yr, yi);
        else this.radix4(st, xr, xi, yr, yi);
      } else if (st.p === 2) this.radix2(st, xr, xi, yr, yi);
      else if (st.p === 3) this.radix3(st, xr, xi, yr, yi);
      else if (st.p === 5) this.radix5(st, xr, xi, yr, yi);
      else this.generic(st, xr, xi, yr, yi);
      [xr, yr] = [yr, xr];
      [xi, yi] = [yi, xi];
    }
    if (xr !== re) {
      re.set(xr);
      im.set(xi);
    }
    if (inverse) {
      for (let i = 0; i < n; i++) {
        re[i] = re[i]! / n;
        im[i] = -im[i]! / n;
      }
    }
  }

  // Each stage: for j < m and q < s, the p inputs x[q + s(j + r·m)] (r < p) go through a size-p DFT; output u, times
  // ω_{p·m}^{j·u}, goes to y[q + s(p·j + u)].

  private radix2(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const { m, s, tw } = st;
    const sm = s * m;
    for (let j = 0; j < m; j++) {
      const wr = tw[2 * j]!;
      const wi = tw[2 * j + 1]!;
      const ib = s * j;
      const ob = 2 * s * j;
      for (let q = 0; q < s; q++) {
        const i0 = ib + q;
        const i1 = i0 + sm;
        const ar = xr[i0]!;
        const ai = xi[i0]!;
        const br = xr[i1]!;
        const bi = xi[i1]!;
        const o0 = ob + q;
        yr[o0] = ar + br;
        yi[o0] = ai + bi;
        const dr = ar - br;
        const di = ai - bi;
        yr[o0 + s] = dr * wr - di * wi;
        yi[o0 + s] = dr * wi + di * wr;
      }
    }
  }

  private radix3(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const { m, s, tw } = st;
    const sm = s * m;
    const h = Math.sqrt(3) / 2;
    for (let j = 0; j < m; j++) {
      const w1r = tw[4 * j]!;
      const w1i = tw[4 * j + 1]!;
      const w2r = tw[4 * j + 2]!;
      const w2i = tw[4 * j + 3]!;
      const ib = s * j;
      const ob = 3 * s * j;
      for (let q = 0; q < s; q++) {
        const i0 = ib + q;
        const i1 = i0 + sm;
        const i2 = i1 + sm;
        const a0r = xr[i0]!;
        const a0i = xi[i0]!;
        const sr = xr[i1]! + xr[i2]!;
        const si = xi[i1]! + xi[i2]!;
        const dr = xr[i1]! - xr[i2]!;
        const di = xi[i1]! - xi[i2]!;
        const tr = a0r - 0.5 * sr;
        const ti = a0i - 0.5 * si;
        // b1 = t − i·h·d, b2 = t + i·h·d
        const b1r = tr + h * di;
        const b1i = ti - h * dr;
        const b2r = tr - h * di;
        const b2i = ti + h * dr;
        const o0 = ob + q;
        yr[o0] = a0r + sr;
        yi[o0] = a0i + si;
        yr[o0 + s] = b1r * w1r - b1i * w1i;
        yi[o0 + s] = b1r * w1i + b1i * w1r;
        yr[o0 + 2 * s] = b2r * w2r - b2i * w2i;
        yi[o0 + 2 * s] = b2r * w2i + b2i * w2r;
      }
    }
  }

  private radix4(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const { m, s, tw } = st;
    const sm = s * m;
    for (let j = 0; j < m; j++) {
      const w1r = tw[6 * j]!;
      const w1i = tw[6 * j + 1]!;
      const w2r = tw[6 * j + 2]!;
      const w2i = tw[6 * j + 3]!;
      const w3r = tw[6 * j + 4]!;
      const w3i = tw[6 * j + 5]!;
      const ib = s * j;
      const ob = 4 * s * j;
      for (let q = 0; q < s; q++) {
        const i0 = ib + q;
        const i1 = i0 + sm;
        const i2 = i1 + sm;
        const i3 = i2 + sm;
        const a0r = xr[i0]!;
        const a0i = xi[i0]!;
        const a1r = xr[i1]!;
        const a1i = xi[i1]!;
        const a2r = xr[i2]!;
        const a2i = xi[i2]!;
        const a3r = xr[i3]!;
        const a3i = xi[i3]!;
        const t0r = a0r + a2r;
        const t0i = a0i + a2i;
        const t1r = a0r - a2r;
        const t1i = a0i - a2i;
        const t2r = a1r + a3r;
        const t2i = a1i + a3i;
        // t3 = −i·(a1 − a3)
        const t3r = a1i - a3i;
        const t3i = a3r - a1r;
        const b1r = t1r + t3r;
        const b1i = t1i + t3i;
        const b2r = t0r - t2r;
        const b2i = t0i - t2i;
        const b3r = t1r - t3r;
        const b3i = t1i - t3i;
        const o0 = ob + q;
        yr[o0] = t0r + t2r;
        yi[o0] = t0i + t2i;
        yr[o0 + s] = b1r * w1r - b1i * w1i;
        yi[o0 + s] = b1r * w1i + b1i * w1r;
        yr[o0 + 2 * s] = b2r * w2r - b2i * w2i;
        yi[o0 + 2 * s] = b2r * w2i + b2i * w2r;
        yr[o0 + 3 * s] = b3r * w3r - b3i * w3i;
        yi[o0 + 3 * s] = b3r * w3i + b3i * w3r;
      }
    }
  }

  /** Radix 4 as the last stage (m = 1): every twiddle is 1. */
  private radix4Last(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const s = st.s;
    for (let q = 0; q < s; q++) {
      const i1 = q + s;
      const i2 = i1 + s;
      const i3 = i2 + s;
      const t0r = xr[q]! + xr[i2]!;
      const t0i = xi[q]! + xi[i2]!;
      const t1r = xr[q]! - xr[i2]!;
      const t1i = xi[q]! - xi[i2]!;
      const t2r = xr[i1]! + xr[i3]!;
      const t2i = xi[i1]! + xi[i3]!;
      const t3r = xi[i1]! - xi[i3]!;
      const t3i = xr[i3]! - xr[i1]!;
      yr[q] = t0r + t2r;
      yi[q] = t0i + t2i;
      yr[i1] = t1r + t3r;
      yi[i1] = t1i + t3i;
      yr[i2] = t0r - t2r;
      yi[i2] = t0i - t2i;
      yr[i3] = t1r - t3r;
      yi[i3] = t1i - t3i;
    }
  }

  /**
   * Radix 8 as radix 2 then two radix-4 DFTs: s_r = a_r + a_{r+4} gives the even outputs, (a_r − a_{r+4})·ω8^r the
   * odd ones. The last stage (m = 1) skips the twiddles, which are all 1.
   */
  private radix8(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const { m, s, tw } = st;
    const sm = s * m;
    const h = Math.SQRT1_2;
    const twiddled = m > 1;
    for (let j = 0; j < m; j++) {
      const ib = s * j;
      const ob = 8 * s * j;
      const t = 14 * j;
      for (let q = 0; q < s; q++) {
        const i0 = ib + q;
        // radix 2 across the halves
        const a0r = xr[i0]!;
        const a0i = xi[i0]!;
        const a1r = xr[i0 + sm]!;
        const a1i = xi[i0 + sm]!;
        const a2r = xr[i0 + 2 * sm]!;
        const a2i = xi[i0 + 2 * sm]!;
        const a3r = xr[i0 + 3 * sm]!;
        const a3i = xi[i0 + 3 * sm]!;
        const a4r = xr[i0 + 4 * sm]!;
        const a4i = xi[i0 + 4 * sm]!;
        const a5r = xr[i0 + 5 * sm]!;
        const a5i = xi[i0 + 5 * sm]!;
        const a6r = xr[i0 + 6 * sm]!;
        const a6i = xi[i0 + 6 * sm]!;
        const a7r = xr[i0 + 7 * sm]!;
        const a7i = xi[i0 + 7 * sm]!;
        const s0r = a0r + a4r;
        const s0i = a0i + a4i;
        const s1r = a1r + a5r;
        const s1i = a1i + a5i;
        const s2r = a2r + a6r;
        const s2i = a2i + a6i;
        const s3r = a3r + a7r;
        const s3i = a3i + a7i;
        const e0r = a0r - a4r;
        const e0i = a0i - a4i;
        let dr = a1r - a5r;
        let di = a1i - a5i;
        const e1r = h * (dr + di); // ·ω8 = (1 − i)/√2
        const e1i = h * (di - dr);
        const e2r = a2i - a6i; // ·ω8² = −i
        const e2i = a6r - a2r;
        dr = a3r - a7r;
        di = a3i - a7i;
        const e3r = h * (di - dr); // ·ω8³ = (−1 − i)/√2
        const e3i = -h * (dr + di);
        // radix 4 on s (outputs 0, 2, 4, 6) and on e (outputs 1, 3, 5, 7)
        let t0r = s0r + s2r;
        let t0i = s0i + s2i;
        let t1r = s0r - s2r;
        let t1i = s0i - s2i;
        let t2r = s1r + s3r;
        let t2i = s1i + s3i;
        let t3r = s1i - s3i;
        let t3i = s3r - s1r;
        const b0r = t0r + t2r;
        const b0i = t0i + t2i;
        const b2r = t1r + t3r;
        const b2i = t1i + t3i;
        const b4r = t0r - t2r;
        const b4i = t0i - t2i;
        const b6r = t1r - t3r;
        const b6i = t1i - t3i;
        t0r = e0r + e2r;
        t0i = e0i + e2i;
        t1r = e0r - e2r;
        t1i = e0i - e2i;
        t2r = e1r + e3r;
        t2i = e1i + e3i;
        t3r = e1i - e3i;
        t3i = e3r - e1r;
        const b1r = t0r + t2r;
        const b1i = t0i + t2i;
        const b3r = t1r + t3r;
        const b3i = t1i + t3i;
        const b5r = t0r - t2r;
        const b5i = t0i - t2i;
        const b7r = t1r - t3r;
        const b7i = t1i - t3i;
        const o = ob + q;
        yr[o] = b0r;
        yi[o] = b0i;
        if (twiddled) {
          yr[o + s] = b1r * tw[t]! - b1i * tw[t + 1]!;
          yi[o + s] = b1r * tw[t + 1]! + b1i * tw[t]!;
          yr[o + 2 * s] = b2r * tw[t + 2]! - b2i * tw[t + 3]!;
          yi[o + 2 * s] = b2r * tw[t + 3]! + b2i * tw[t + 2]!;
          yr[o + 3 * s] = b3r * tw[t + 4]! - b3i * tw[t + 5]!;
          yi[o + 3 * s] = b3r * tw[t + 5]! + b3i * tw[t + 4]!;
          yr[o + 4 * s] = b4r * tw[t + 6]! - b4i * tw[t + 7]!;
          yi[o + 4 * s] = b4r * tw[t + 7]! + b4i * tw[t + 6]!;
          yr[o + 5 * s] = b5r * tw[t + 8]! - b5i * tw[t + 9]!;
          yi[o + 5 * s] = b5r * tw[t + 9]! + b5i * tw[t + 8]!;
          yr[o + 6 * s] = b6r * tw[t + 10]! - b6i * tw[t + 11]!;
          yi[o + 6 * s] = b6r * tw[t + 11]! + b6i * tw[t + 10]!;
          yr[o + 7 * s] = b7r * tw[t + 12]! - b7i * tw[t + 13]!;
          yi[o + 7 * s] = b7r * tw[t + 13]! + b7i * tw[t + 12]!;
        } else {
          yr[o + s] = b1r;
          yi[o + s] = b1i;
          yr[o + 2 * s] = b2r;
          yi[o + 2 * s] = b2i;
          yr[o + 3 * s] = b3r;
          yi[o + 3 * s] = b3i;
          yr[o + 4 * s] = b4r;
          yi[o + 4 * s] = b4i;
          yr[o + 5 * s] = b5r;
          yi[o + 5 * s] = b5i;
          yr[o + 6 * s] = b6r;
          yi[o + 6 * s] = b6i;
          yr[o + 7 * s] = b7r;
          yi[o + 7 * s] = b7i;
        }
      }
    }
  }

  private radix5(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const { m, s, tw } = st;
    const sm = s * m;
    const c1 = Math.cos((2 * Math.PI) / 5);
    const c2 = Math.cos((4 * Math.PI) / 5);
    const s1 = Math.sin((2 * Math.PI) / 5);
    const s2 = Math.sin((4 * Math.PI) / 5);
    for (let j = 0; j < m; j++) {
      const w1r = tw[8 * j]!;
      const w1i = tw[8 * j + 1]!;
      const w2r = tw[8 * j + 2]!;
      const w2i = tw[8 * j + 3]!;
      const w3r = tw[8 * j + 4]!;
      const w3i = tw[8 * j + 5]!;
      const w4r = tw[8 * j + 6]!;
      const w4i = tw[8 * j + 7]!;
      const ib = s * j;
      const ob = 5 * s * j;
      for (let q = 0; q < s; q++) {
        const i0 = ib + q;
        const i1 = i0 + sm;
        const i2 = i1 + sm;
        const i3 = i2 + sm;
        const i4 = i3 + sm;
        const a0r = xr[i0]!;
        const a0i = xi[i0]!;
        const s14r = xr[i1]! + xr[i4]!;
        const s14i = xi[i1]! + xi[i4]!;
        const d14r = xr[i1]! - xr[i4]!;
        const d14i = xi[i1]! - xi[i4]!;
        const s23r = xr[i2]! + xr[i3]!;
        const s23i = xi[i2]! + xi[i3]!;
        const d23r = xr[i2]! - xr[i3]!;
        const d23i = xi[i2]! - xi[i3]!;
        const r1r = a0r + c1 * s14r + c2 * s23r;
        const r1i = a0i + c1 * s14i + c2 * s23i;
        const r2r = a0r + c2 * s14r + c1 * s23r;
        const r2i = a0i + c2 * s14i + c1 * s23i;
        const q1r = s1 * d14r + s2 * d23r;
        const q1i = s1 * d14i + s2 * d23i;
        const q2r = s2 * d14r - s1 * d23r;
        const q2i = s2 * d14i - s1 * d23i;
        // b1 = r1 − i·q1, b4 = r1 + i·q1, b2 = r2 − i·q2, b3 = r2 + i·q2
        const o0 = ob + q;
        yr[o0] = a0r + s14r + s23r;
        yi[o0] = a0i + s14i + s23i;
        let br = r1r + q1i;
        let bi = r1i - q1r;
        yr[o0 + s] = br * w1r - bi * w1i;
        yi[o0 + s] = br * w1i + bi * w1r;
        br = r2r + q2i;
        bi = r2i - q2r;
        yr[o0 + 2 * s] = br * w2r - bi * w2i;
        yi[o0 + 2 * s] = br * w2i + bi * w2r;
        br = r2r - q2i;
        bi = r2i + q2r;
        yr[o0 + 3 * s] = br * w3r - bi * w3i;
        yi[o0 + 3 * s] = br * w3i + bi * w3r;
        br = r1r - q1i;
        bi = r1i + q1r;
        yr[o0 + 4 * s] = br * w4r - bi * w4i;
        yi[o0 + 4 * s] = br * w4i + bi * w4r;
      }
    }
  }

  private generic(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const { p, m, s, tw } = st;
    const { c, s: sn } = this.roots.get(p)!;
    const sm = s * m;
    for (let j = 0; j < m; j++) {
      for (let q = 0; q < s; q++) {
        const i0 = s * j + q;
        const o0 = p * s * j + q;
        for (let u = 0; u < p; u++) {
          let accR = 0;
          let accI = 0;
          for (let r = 0, k = 0; r < p; r++, k = (k + u) % p) {
            const ar = xr[i0 + r * sm]!;
            const ai = xi[i0 + r * sm]!;
            accR += ar * c[k]! - ai * sn[k]!;
            accI += ar * sn[k]! + ai * c[k]!;
          }
          if (u === 0) {
            yr[o0] = accR;
            yi[o0] = accI;
          } else {
            const wr = tw[2 * (j * (p - 1) + u - 1)]!;
            const wi = tw[2 * (j * (p - 1) + u - 1) + 1]!;
            yr[o0 + u * s] = accR * wr - accI * wi;
            yi[o0 + u * s] = accR * wi + accI * wr;
          }
        }
      }
    }
  }
}

/**
 * Real-input FFT of any even size n through one complex FFT of size n/2 (even/odd packing and the usual split), about
 * twice as fast as a complex transform of the real signal. Spectra hold bins 0..n/2.
 */
export class RealFFT {
  readonly size: number;
  private readonly half: MixedRadixFFT;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 4 || size % 2 !== 0) throw new Error(`RealFFT size must be an even integer ≥ 4 (got ${size})`);
    this.size = size;
    const m = size >> 1;
    this.half = new MixedRadixFFT(m);
    this.wr = new Float64Array(m + 1);
    this.wi = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.wr[k] = Math.cos((2 * Math.PI * k) / size);
      this.wi[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /** x (length n) → re, im (length n/2 + 1); with `bins`, only bins 0 … bins − 1 are computed. */
  forward(x: ArrayLike<number>, re: Float64Array, im: Float64Array, bins = (this.size >> 1) + 1): void {
    const m = this.size >> 1;
    const zr = this.zr;
    const zi = this.zi;
    for (let k = 0; k < m; k++) {
      zr[k] = x[2 * k]!;
      zi[k] = x[2 * k + 1]!;
    }
    this.half.transform(zr, zi);
    const last = Math.min(m, bins - 1);
    for (let k = 0; k <= last; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const ar = zr[a]!;
      const ai = zi[a]!;
      const br = zr[b]!;
      const bi = -zi[b]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      // (Z[k] − conj Z[m−k]) / 2i
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const w0 = this.wr[k]!;
      const w1 = this.wi[k]!;
      re[k] = er + (or * w0 - oi * w1);
      im[k] = ei + (or * w1 + oi * w0);
    }
  }

  /** re, im (length n/2 + 1, Hermitian spectrum) → x (length n). */
  inverse(re: Float64Array, im: Float64Array, x: Float64Array | Float32Array): void {
    const m = this.size >> 1;
    const zr = this.zr;
    const zi = this.zi;
    for (let k = 0; k < m; k++) {
      const ar = re[k]!;
      const ai = im[k]!;
      const br = re[m - k]!;
      const bi = -im[m - k]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const dr = 0.5 * (ar - br);
      const di = 0.5 * (ai - bi);
      // Zo = (X[k] − conj X[m−k]) · W^{−k} / 2
      const w0 = this.wr[k]!;
      const w1 = -this.wi[k]!;
      const or = dr * w0 - di * w1;
      const oi = dr * w1 + di * w0;
      // Z = Ze + i·Zo
      zr[k] = er - oi;
      zi[k] = ei + or;
    }
    this.half.transform(zr, zi, true);
    for (let k = 0; k < m; k++) {
      x[2 * k] = zr[k]!;
      x[2 * k + 1] = zi[k]!;
    }
  }
}

export function hann(n: number, periodic = true): Float64Array {
  const w = new Float64Array(n);
  const d = periodic ? n : n - 1;
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / d);
  return w;
}

export type GainFrame = (frame: number, mags: Float64Array, gains: Float64Array) => void;

export interface StftGainOptions {
  magnitudes?: boolean;
  resynthesize?: boolean;
}

/** Frames per piece of a cooperative run: ~1 ms at 2048 points. */
const STFT_FRAMES_PER_PIECE = 8;

/**
 * Frame-wise spectral gain: STFT with a periodic Hann window at hop size/4; `gainFrame` sets a real gain per bin
 * 0..size/2 from the frame's magnitudes; weighted overlap-add with the same window, normalised by the window's constant
 * squared-overlap sum. A gain of 1 everywhere reconstructs the input to within float error. With `resynthesize: false`
 * only the analysis runs (for measuring).
 */
export function stftApplyGain(x: Float32Array, size: number, gainFrame: GainFrame, opts: StftGainOptions = {}): Float32Array {
  return runSync(stftApplyGainSteps(x, size, gainFrame, opts));
}

/** The per-frame work of stftApplyGain with its scratch buffers. */
class StftGain {
  private readonly fft: RealFFT;
  private readonly w: Float64Array;
  private readonly buf: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly mags: Float64Array;
  private readonly gains: Float64Array;
  private readonly bins: number;
  readonly acc: Float64Array;

  constructor(
    private readonly x: Float32Array,
    private readonly size: number,
    private readonly gainFrame: GainFrame,
    private readonly wantMags: boolean,
    private readonly resynth: boolean,
  ) {
    this.fft = new RealFFT(size);
    this.w = hann(size);
    this.buf = new Float64Array(size);
    this.bins = (size >> 1) + 1;
    this.re = new Float64Array(this.bins);
    this.im = new Float64Array(this.bins);
    this.mags = new Float64Array(this.bins);
    this.gains = new Float64Array(this.bins);
    this.acc = resynth ? new Float64Array(x.length + 2 * size) : new Float64Array(0);
  }

  /** Frames [from, to) of the sequence starting at sample `first`, one every `hop`. */
  frames(first: number, hop: number, from: number, to: number): void {
    const { x, size, w, buf, re, im, mags, gains, bins, acc } = this;
    const n = x.length;
    for (let frame = from; frame < to; frame++) {
      const start = first + frame * hop;
      for (let i = 0; i < size; i++) {
        const idx = start + i;
        buf[i] = idx >= 0 && idx < n ? x[idx]! * w[i]! : 0;
      }
      this.fft.forward(buf, re, im);
      if (this.wantMags) for (let k = 0; k < bins; k++) mags[k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
      gains.fill(1);
      this.gainFrame(frame, mags, gains);
      if (!this.resynth) continue;
      for (let k = 0; k < bins; k++) {
        re[k] = re[k]! * gains[k]!;
        im[k] = im[k]! * gains[k]!;
      }
      this.fft.inverse(re, im, buf);
      for (let i = 0; i < size; i++) {
        const idx = start + i + size;
        acc[idx] = acc[idx]! + buf[i]! * w[i]!;
      }
    }
  }
}

function normalise(acc: Float64Array, size: number, out: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) out[i] = acc[i + size]! / 1.5;
}

/** stftApplyGain in pieces (see ./steps), yielding its progress. */
export function* stftApplyGainSteps(
  x: Float32Array,
  size: number,
  gainFrame: GainFrame,
  opts: StftGainOptions = {},
): Steps<Float32Array> {
  const resynth = opts.resynthesize ?? true;
  const hop = size >> 2;
  const n = x.length;
  const st = new StftGain(x, size, gainFrame, opts.magnitudes ?? true, resynth);
  // Frames start at -size + hop so every input sample is covered by the same number of windows.
  const first = -size + hop;
  const frames = stftFrameCount(n, size);
  for (let f = 0; f < frames; f += STFT_FRAMES_PER_PIECE) {
    st.frames(first, hop, f, Math.min(frames, f + STFT_FRAMES_PER_PIECE));
    yield f / frames;
  }
  if (!resynth) return new Float32Array(0);
  // Periodic Hann² at hop size/4 sums to exactly 1.5 everywhere the frames fully overlap (all of the signal here).
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += SAMPLE_BLOCK) {
    normalise(st.acc, size, out, i, Math.min(n, i + SAMPLE_BLOCK));
    yield;
  }
  return out;
}

/** Number of frames `stftApplyGain` uses for a signal of n samples (for precomputing per-frame parameters). */
export function stftFrameCount(n: number, size: number): number {
  const hop = size >> 2;
  return Math.max(0, Math.ceil((n - (-size + hop)) / hop));
}

