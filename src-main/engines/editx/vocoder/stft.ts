// The two short-time transforms around the HiFT trunk (EDITX-SPEC.md §6): the STFT of the source excitation fed to
// the trunk, and the ISTFT of the trunk's spectrum, both as torch.stft / torch.istft compute them with the
// reference's arguments (n_fft = window = 16, hop 4, periodic Hann, centered with reflect padding, onesided,
// unnormalized; the ISTFT divides by the summed squared window). With 16 points a direct real DFT folded on its
// symmetry (x_i ± x_{n−i}: n/2 − 1 multiply-adds per bin and part) beats a general FFT's bookkeeping; both
// transforms run over every frame of the output (120 per mel frame), so this is the vocoder's main TypeScript cost.

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

/** Frames of a centered STFT of `samples` samples. */
export function stftFrames(samples: number, hop: number): number {
  return Math.floor(samples / hop) + 1;
}

/**
 * Centered STFT (reflect padding by n/2), rows 0..bins−1 the real parts and bins..2·bins−1 the imaginary parts:
 * the (1, n + 2, frames) `source_stft` input of the trunk. `from`/`to` restrict the frames computed (default all).
 */
export function sourceStft(x: Float32Array, n: number, hop: number, from = 0, to = stftFrames(x.length, hop)): Float32Array {
  const t = table(n);
  const frames = to - from;
  const half = n / 2;
  const len = x.length;
  if (len <= half) throw new RangeError(`the STFT's reflect padding needs more than ${half} samples, got ${len}`);
  const out = new Float32Array(2 * t.bins * frames);
  const h = t.bins;
  const seg = new Float64Array(n);
  const sum = new Float64Array(h); // x_i + x_{n−i}
  const dif = new Float64Array(h); // x_i − x_{n−i}
  const { cos, sin, window } = t;
  for (let f = 0; f < frames; f++) {
    const start = (from + f) * hop - half;
    for (let i = 0; i < n; i++) {
      let j = start + i;
      if (j < 0) j = -j;
      else if (j >= len) j = 2 * (len - 1) - j;
      seg[i] = (x[j] as number) * (window[i] as number);
    }
    for (let i = 1; i < half; i++) {
      sum[i] = (seg[i] as number) + (seg[n - i] as number);
      dif[i] = (seg[i] as number) - (seg[n - i] as number);
    }
    const x0 = seg[0] as number;
    const xh = seg[half] as number;
    for (let k = 0; k < h; k++) {
      let re = x0 + (k % 2 === 0 ? xh : -xh);
      let im = 0;
      const o = k * h;
      for (let i = 1; i < half; i++) {
        re += (sum[i] as number) * (cos[o + i] as number);
        im -= (dif[i] as number) * (sin[o + i] as number);
      }
      out[k * frames + f] = re;
      out[(h + k) * frames + f] = im;
    }
  }
  return out;
}

/**
 * Inverse of a centered, onesided STFT (torch.istft with center=True and no length): each frame's inverse real DFT
 * (imaginary parts of the DC and Nyquist bins ignored, 1/n scaling) windowed and overlap-added, divided by the
 * overlap-added squared window, n/2 samples trimmed at each end: hop·(frames − 1) samples, then clamped to ±limit.
 */
export function istft(spec: SpectrumRows, n: number, hop: number, limit: number): Float32Array {
  const t = table(n);
  if (spec.bins !== t.bins) throw new RangeError(`ISTFT of ${n} points needs ${t.bins} bins, got ${spec.bins}`);
  const frames = spec.frames;
  const total = n + hop * (frames - 1);
  const acc = new Float64Array(total);
  const env = new Float64Array(total);
  const frame = new Float64Array(n);
  const h = t.bins;
  const half = n / 2;
  const { cos, sin, window } = t;
  for (let f = 0; f < frames; f++) {
    const r0 = spec.real[f] as number; // the imaginary parts of the DC and Nyquist bins are ignored
    const rh = spec.real[half * frames + f] as number;
    for (let i = 0; i <= half; i++) {
      let c = 0;
      let s = 0;
      for (let k = 1; k < half; k++) {
        c += (spec.real[k * frames + f] as number) * (cos[k * h + i] as number);
        s += (spec.imag[k * frames + f] as number) * (sin[k * h + i] as number);
      }
      const base = r0 + (i % 2 === 0 ? rh : -rh);
      frame[i] = (base + 2 * (c - s)) / n;
      if (i > 0 && i < half) frame[n - i] = (base + 2 * (c + s)) / n;
    }
    const o = f * hop;
    for (let i = 0; i < n; i++) {
      const w = window[i] as number;
      acc[o + i] = (acc[o + i] as number) + (frame[i] as number) * w;
      env[o + i] = (env[o + i] as number) + w * w;
    }
  }
  const outLen = hop * (frames - 1);
  const out = new Float32Array(outLen);
  for (let i = 0; i < outLen; i++) {
    const v = (acc[i + half] as number) / (env[i + half] as number);
    out[i] = v > limit ? limit : v < -limit ? -limit : v;
  }
  return out;
}
