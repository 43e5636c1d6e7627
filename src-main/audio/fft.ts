// Radix-2 complex FFT (in place, precomputed twiddles and bit reversal per size), a real-input FFT, and a short-time
// Fourier transform with overlap-add resynthesis for frame-wise spectral gains. Shared by analysis and DSP.

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

/**
 * Real-input FFT of size n through one complex FFT of size n/2 (even/odd packing and the usual split), about twice as
 * fast as a complex transform of the real signal. Spectra hold bins 0..n/2.
 */
export class RealFFT {
  readonly size: number;
  private readonly half: FFT;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;

  constructor(size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) throw new Error(`RealFFT size must be a power of two ≥ 4 (got ${size})`);
    this.size = size;
    const m = size >> 1;
    this.half = new FFT(m);
    this.wr = new Float64Array(m + 1);
    this.wi = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.wr[k] = Math.cos((2 * Math.PI * k) / size);
      this.wi[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /** x (length n) → re, im (length n/2 + 1). */
  forward(x: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const m = this.size >> 1;
    const zr = this.zr;
    const zi = this.zi;
    for (let k = 0; k < m; k++) {
      zr[k] = x[2 * k]!;
      zi[k] = x[2 * k + 1]!;
    }
    this.half.transform(zr, zi);
    for (let k = 0; k <= m; k++) {
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

