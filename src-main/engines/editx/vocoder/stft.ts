// The two short-time transforms around the HiFT trunk (EDITX-SPEC.md §6): the STFT of the source excitation fed to
// the trunk, and the ISTFT of the trunk's spectrum, both as torch.stft / torch.istft compute them with the
// reference's arguments (n_fft = window = 16, hop 4, periodic Hann, centered with reflect padding, onesided,
// unnormalized; the ISTFT divides by the summed squared window). With 16 points a direct real DFT folded on its
// symmetry (x_i ± x_{n−i}: n/2 − 1 multiply-adds per bin and part) beats a general FFT's bookkeeping; both
// transforms run over every frame of the output (120 per mel frame), so the published n = 16 has its own written-out
// form (forward16 / inverse16; the loops stay for other sizes).

export interface SpectrumRows {
  /** bins × frames, row-major (bin-major), as the trunk's tensors (1, bins, frames). */
  real: Float32Array;
  imag: Float32Array;
  bins: number;
  frames: number;
}

interface Table {
  n: number;
  bins: number;
  window: Float64Array;
  /** cos / sin(2π·k·i/n) for k in 0..n/2, i in 0..n/2, at [k·(n/2 + 1) + i]. */
  cos: Float64Array;
  sin: Float64Array;
}

const tables = new Map<number, Table>();

function table(n: number): Table {
  let t = tables.get(n);
  if (!t) {
    if (n < 4 || n % 2 !== 0) throw new RangeError(`STFT size must be even and at least 4, got ${n}`);
    const window = new Float64Array(n);
    // Periodic Hann, float32 like scipy.signal.get_window("hann", n, fftbins=True).astype(float32) in the reference.
    for (let i = 0; i < n; i++) window[i] = Math.fround(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    const h = n / 2 + 1;
    const cos = new Float64Array(h * h);
    const sin = new Float64Array(h * h);
    for (let k = 0; k < h; k++) {
      for (let i = 0; i < h; i++) {
        const a = (2 * Math.PI * ((k * i) % n)) / n;
        cos[k * h + i] = Math.cos(a);
        sin[k * h + i] = Math.sin(a);
      }
    }
    t = { n, bins: h, window, cos, sin };
    tables.set(n, t);
  }
  return t;
}

/** cos(π/8), cos(π/4), cos(3π/8): the only magnitudes in a 16-point DFT table besides 0 and 1. */
const C1 = Math.cos(Math.PI / 8);
const C2 = Math.SQRT1_2;
const C3 = Math.cos((3 * Math.PI) / 8);

/**
 * The folded 16-point real DFT written out (the published n_fft; bins 0..8 from x_0, x_8 and the sums a_i and
 * differences b_i of x_i and x_{16−i}): what the loops of sourceStft compute for any even n, without their
 * bookkeeping, since both transforms run over all 120 spectrum frames of every mel frame.
 */
function forward16(x: ArrayLike<number>, p: number, w: Float64Array, out: Float32Array, frames: number, f: number): void {
  // x[p + i] · w[i]: the Hann window is symmetric (w[i] = w[16 − i]), so each sum and difference takes one factor.
  const x0 = (x[p] as number) * (w[0] as number);
  const x8 = (x[p + 8] as number) * (w[8] as number);
  const w1 = w[1] as number;
  const w2 = w[2] as number;
  const w3 = w[3] as number;
  const w4 = w[4] as number;
  const w5 = w[5] as number;
  const w6 = w[6] as number;
  const w7 = w[7] as number;
  const a1 = ((x[p + 1] as number) + (x[p + 15] as number)) * w1;
  const a2 = ((x[p + 2] as number) + (x[p + 14] as number)) * w2;
  const a3 = ((x[p + 3] as number) + (x[p + 13] as number)) * w3;
  const a4 = ((x[p + 4] as number) + (x[p + 12] as number)) * w4;
  const a5 = ((x[p + 5] as number) + (x[p + 11] as number)) * w5;
  const a6 = ((x[p + 6] as number) + (x[p + 10] as number)) * w6;
  const a7 = ((x[p + 7] as number) + (x[p + 9] as number)) * w7;
  const b1 = ((x[p + 1] as number) - (x[p + 15] as number)) * w1;
  const b2 = ((x[p + 2] as number) - (x[p + 14] as number)) * w2;
  const b3 = ((x[p + 3] as number) - (x[p + 13] as number)) * w3;
  const b4 = ((x[p + 4] as number) - (x[p + 12] as number)) * w4;
  const b5 = ((x[p + 5] as number) - (x[p + 11] as number)) * w5;
  const b6 = ((x[p + 6] as number) - (x[p + 10] as number)) * w6;
  const b7 = ((x[p + 7] as number) - (x[p + 9] as number)) * w7;
  // Bins k and 8 − k share their terms: the even-i part of the cosine sum is the same for both and the odd-i part
  // changes sign (cos(π·i·(8 − k)/8) = (−1)^i·cos(π·i·k/8)); for the sines the even part changes sign instead.
  const s08 = x0 + x8;
  const d08 = x0 - x8;
  const a26 = a2 + a6;
  const e1 = C2 * (a2 - a6);
  const p17 = a1 + a7;
  const p35 = a3 + a5;
  const m17 = a1 - a7;
  const m35 = a3 - a5;
  const e0 = s08 + a4 + a26;
  const o0 = p17 + p35;
  const o1 = C1 * m17 + C3 * m35;
  const e2 = s08 - a4;
  const o2 = C2 * (p17 - p35);
  const o3 = C3 * m17 - C1 * m35;
  out[f] = e0 + o0;
  out[8 * frames + f] = e0 - o0;
  out[1 * frames + f] = d08 + e1 + o1;
  out[7 * frames + f] = d08 + e1 - o1;
  out[2 * frames + f] = e2 + o2;
  out[6 * frames + f] = e2 - o2;
  out[3 * frames + f] = d08 - e1 + o3;
  out[5 * frames + f] = d08 - e1 - o3;
  out[4 * frames + f] = s08 + a4 - a26;
  const q26 = C2 * (b2 + b6);
  const q17 = b1 + b7;
  const q35 = b3 + b5;
  const n17 = b1 - b7;
  const n35 = b3 - b5;
  const ye1 = q26 + b4;
  const yo1 = C3 * q17 + C1 * q35;
  const ye2 = b2 - b6;
  const yo2 = C2 * (n17 + n35);
  const ye3 = q26 - b4;
  const yo3 = C1 * q17 - C3 * q35;
  out[9 * frames + f] = 0;
  out[10 * frames + f] = -(ye1 + yo1);
  out[16 * frames + f] = ye1 - yo1;
  out[11 * frames + f] = -(ye2 + yo2);
  out[15 * frames + f] = ye2 - yo2;
  out[12 * frames + f] = -(ye3 + yo3);
  out[14 * frames + f] = ye3 - yo3;
  out[13 * frames + f] = n35 - n17;
  out[17 * frames + f] = 0;
}

/**
 * The inverse of forward16 for frame f of a bin-major spectrum (imaginary parts of bins 0 and 8 ignored), written
 * out likewise and overlap-added into acc at o with the window pre-scaled by 1/16 (ws).
 */
function inverse16(re: Float32Array, im: Float32Array, frames: number, f: number, acc: Float64Array, o: number, ws: Float64Array): void {
  const r1 = re[frames + f] as number;
  const r2 = re[2 * frames + f] as number;
  const r3 = re[3 * frames + f] as number;
  const r4 = re[4 * frames + f] as number;
  const r5 = re[5 * frames + f] as number;
  const r6 = re[6 * frames + f] as number;
  const r7 = re[7 * frames + f] as number;
  const i1 = im[frames + f] as number;
  const i2 = im[2 * frames + f] as number;
  const i3 = im[3 * frames + f] as number;
  const i4 = im[4 * frames + f] as number;
  const i5 = im[5 * frames + f] as number;
  const i6 = im[6 * frames + f] as number;
  const i7 = im[7 * frames + f] as number;
  const even = (re[f] as number) + (re[8 * frames + f] as number);
  const odd = (re[f] as number) - (re[8 * frames + f] as number);
  // Output samples j and 8 − j share their terms as forward16's bins do (the same symmetric cos / sin table).
  const p17 = r1 + r7;
  const p35 = r3 + r5;
  const m17 = r1 - r7;
  const m35 = r3 - r5;
  const e0 = r2 + r4 + r6;
  const o0 = p17 + p35;
  const e1 = C2 * (r2 - r6);
  const o1 = C1 * m17 + C3 * m35;
  const o2 = C2 * (p17 - p35);
  const o3 = C3 * m17 - C1 * m35;
  const q26 = C2 * (i2 + i6);
  const q17 = i1 + i7;
  const q35 = i3 + i5;
  const ye1 = q26 + i4;
  const yo1 = C3 * q17 + C1 * q35;
  const ye2 = i2 - i6;
  const yo2 = C2 * (i1 - i7 + (i3 - i5));
  const ye3 = q26 - i4;
  const yo3 = C1 * q17 - C3 * q35;
  const c0 = e0 + o0;
  const c8 = e0 - o0;
  const c1 = e1 + o1;
  const c7 = e1 - o1;
  const c2 = o2 - r4;
  const c6 = -r4 - o2;
  const c3 = o3 - e1;
  const c5 = -e1 - o3;
  const c4 = r4 - r2 - r6;
  const s1 = ye1 + yo1;
  const s7 = yo1 - ye1;
  const s2 = ye2 + yo2;
  const s6 = yo2 - ye2;
  const s3 = ye3 + yo3;
  const s5 = yo3 - ye3;
  const s4 = i1 - i3 + i5 - i7;
  acc[o + 0] = (acc[o + 0] as number) + (even + 2 * c0) * (ws[0] as number);
  acc[o + 1] = (acc[o + 1] as number) + (odd + 2 * (c1 - s1)) * (ws[1] as number);
  acc[o + 15] = (acc[o + 15] as number) + (odd + 2 * (c1 + s1)) * (ws[15] as number);
  acc[o + 2] = (acc[o + 2] as number) + (even + 2 * (c2 - s2)) * (ws[2] as number);
  acc[o + 14] = (acc[o + 14] as number) + (even + 2 * (c2 + s2)) * (ws[14] as number);
  acc[o + 3] = (acc[o + 3] as number) + (odd + 2 * (c3 - s3)) * (ws[3] as number);
  acc[o + 13] = (acc[o + 13] as number) + (odd + 2 * (c3 + s3)) * (ws[13] as number);
  acc[o + 4] = (acc[o + 4] as number) + (even + 2 * (c4 - s4)) * (ws[4] as number);
  acc[o + 12] = (acc[o + 12] as number) + (even + 2 * (c4 + s4)) * (ws[12] as number);
  acc[o + 5] = (acc[o + 5] as number) + (odd + 2 * (c5 - s5)) * (ws[5] as number);
  acc[o + 11] = (acc[o + 11] as number) + (odd + 2 * (c5 + s5)) * (ws[11] as number);
  acc[o + 6] = (acc[o + 6] as number) + (even + 2 * (c6 - s6)) * (ws[6] as number);
  acc[o + 10] = (acc[o + 10] as number) + (even + 2 * (c6 + s6)) * (ws[10] as number);
  acc[o + 7] = (acc[o + 7] as number) + (odd + 2 * (c7 - s7)) * (ws[7] as number);
  acc[o + 9] = (acc[o + 9] as number) + (odd + 2 * (c7 + s7)) * (ws[9] as number);
  acc[o + 8] = (acc[o + 8] as number) + (even + 2 * c8) * (ws[8] as number);
}

/** Frames of a centered STFT of `samples` samples. */
export function stftFrames(samples: number, hop: number): number {
  return Math.floor(samples / hop) + 1;
}

/**
 * Centered STFT (reflect padding by n/2), rows 0..bins−1 the real parts and bins..2·bins−1 the imaginary parts:
 * the (1, n + 2, frames) `source_stft` input of the trunk. `from`/`to` restrict the frames computed (default all).
 */
export function sourceStft(x: Float32Array, n: number, hop: number, from = 0, to = stftFrames(x.length, hop), into?: Float32Array): Float32Array {
  const t = table(n);
  const frames = to - from;
  const half = n / 2;
  const len = x.length;
  if (len <= half) throw new RangeError(`the STFT's reflect padding needs more than ${half} samples, got ${len}`);
  const out = into && into.length === 2 * t.bins * frames ? into : new Float32Array(2 * t.bins * frames);
  const h = t.bins;
  const seg = new Float64Array(n);
  const sum = new Float64Array(h); // x_i + x_{n−i}
  const dif = new Float64Array(h); // x_i − x_{n−i}
  const re = new Float64Array(h);
  const im = new Float64Array(h);
  const { cos, sin, window } = t;
  for (let f = 0; f < frames; f++) {
    const start = (from + f) * hop - half;
    const inside = start >= 0 && start + n <= len;
    if (n === 16 && inside) {
      forward16(x, start, window, out, frames, f);
      continue;
    }
    // Frames reaching into the reflect padding (and other sizes): gather the reflected, unwindowed samples.
    for (let i = 0; i < n; i++) {
      let j = start + i;
      if (j < 0) j = -j;
      else if (j >= len) j = 2 * (len - 1) - j;
      seg[i] = x[j] as number;
    }
    if (n === 16) {
      forward16(seg, 0, window, out, frames, f);
      continue;
    }
    for (let i = 0; i < n; i++) seg[i] = (seg[i] as number) * (window[i] as number);
    {
      for (let i = 1; i < half; i++) {
        sum[i] = (seg[i] as number) + (seg[n - i] as number);
        dif[i] = (seg[i] as number) - (seg[n - i] as number);
      }
      const x0 = seg[0] as number;
      const xh = seg[half] as number;
      for (let k = 0; k < h; k++) {
        let r = x0 + (k % 2 === 0 ? xh : -xh);
        let m = 0;
        const o = k * h;
        for (let i = 1; i < half; i++) {
          r += (sum[i] as number) * (cos[o + i] as number);
          m -= (dif[i] as number) * (sin[o + i] as number);
        }
        re[k] = r;
        im[k] = m;
      }
    }
    for (let k = 0; k < h; k++) {
      out[k * frames + f] = re[k] as number;
      out[(h + k) * frames + f] = im[k] as number;
    }
  }
  return out;
}

/**
 * Inverse of a centered, onesided STFT (torch.istft with center=True and no length), built up from pieces of the
 * spectrum: each frame's inverse real DFT (imaginary parts of the DC and Nyquist bins ignored, 1/n scaling) windowed
 * and overlap-added; finish() divides by the overlap-added squared window and trims n/2 samples at each end:
 * hop·(frames − 1) samples, clamped to ±limit.
 */
export class Istft {
  private readonly t: Table;
  private readonly acc: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  /** window / n: the inverse DFT's scaling folded into the synthesis window. */
  private readonly scaledWindow: Float64Array;

  constructor(
    readonly n: number,
    readonly hop: number,
    /** Frames of the whole spectrum. */
    readonly frames: number,
  ) {
    this.t = table(n);
    this.acc = new Float64Array(n + hop * (frames - 1));
    this.re = new Float64Array(this.t.bins);
    this.im = new Float64Array(this.t.bins);
    this.scaledWindow = this.t.window.map((w) => w / n);
  }

  /** Adds frames [from, to) of `spec` (whose frame 0 is frame `offset` of the whole spectrum). */
  add(spec: SpectrumRows, from: number, to: number, offset: number): void {
    const { n, hop, acc, re, im } = this;
    const { bins: h, cos, sin, window } = this.t;
    if (spec.bins !== h) throw new RangeError(`ISTFT of ${n} points needs ${h} bins, got ${spec.bins}`);
    if (offset + to > this.frames) throw new RangeError('ISTFT frames beyond the spectrum');
    const frames = spec.frames;
    const half = n / 2;
    for (let f = from; f < to; f++) {
      const o = (offset + f) * hop;
      if (n === 16) {
        inverse16(spec.real, spec.imag, frames, f, acc, o, this.scaledWindow);
        continue;
      }
      for (let k = 0; k < h; k++) {
        re[k] = spec.real[k * frames + f] as number;
        im[k] = spec.imag[k * frames + f] as number;
      }
      const r0 = re[0] as number; // the imaginary parts of the DC and Nyquist bins are ignored
      const rh = re[half] as number;
      for (let i = 0; i <= half; i++) {
        let c = 0;
        let sn = 0;
        for (let k = 1; k < half; k++) {
          c += (re[k] as number) * (cos[k * h + i] as number);
          sn += (im[k] as number) * (sin[k * h + i] as number);
        }
        const base = r0 + (i % 2 === 0 ? rh : -rh);
        acc[o + i] = (acc[o + i] as number) + ((base + 2 * (c - sn)) / n) * (window[i] as number);
        if (i > 0 && i < half) acc[o + n - i] = (acc[o + n - i] as number) + ((base + 2 * (c + sn)) / n) * (window[n - i] as number);
      }
    }
  }

  finish(limit: number): Float32Array {
    const { n, hop, acc, frames } = this;
    const window = this.t.window;
    const half = n / 2;
    const outLen = hop * (frames - 1);
    // The overlap-added squared window at output sample i (position i + n/2 of the padded signal).
    const env = (p: number): number => {
      let e = 0;
      for (let f = Math.max(0, Math.ceil((p - n + 1) / hop)); f <= Math.min(frames - 1, Math.floor(p / hop)); f++) {
        const w = window[p - f * hop] as number;
        e += w * w;
      }
      return e;
    };
    // Away from the ends the envelope repeats with the hop.
    const inv = new Float64Array(hop);
    const inner0 = n;
    const inner1 = Math.max(inner0, hop * (frames - 1));
    for (let j = 0; j < hop; j++) inv[j] = 1 / env(inner0 + j);
    const out = new Float32Array(outLen);
    const put = (i: number, v: number): void => {
      out[i] = v > limit ? limit : v < -limit ? -limit : v;
    };
    for (let i = 0; i < outLen && i + half < inner0; i++) put(i, (acc[i + half] as number) / env(i + half));
    for (let p = inner0; p < inner1 && p - half < outLen; p += hop) {
      for (let j = 0; j < hop && p + j < inner1 && p + j - half < outLen; j++) put(p + j - half, (acc[p + j] as number) * (inv[j] as number));
    }
    for (let i = Math.max(0, inner1 - half); i < outLen; i++) put(i, (acc[i + half] as number) / env(i + half));
    return out;
  }
}

/** The ISTFT of a whole spectrum (see Istft). */
export function istft(spec: SpectrumRows, n: number, hop: number, limit: number): Float32Array {
  const inv = new Istft(n, hop, spec.frames);
  inv.add(spec, 0, spec.frames, 0);
  return inv.finish(limit);
}
