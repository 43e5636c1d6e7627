// The two short-time transforms around the HiFT trunk (EDITX-SPEC.md §6): the STFT of the source excitation fed to
// the trunk, and the ISTFT of the trunk's spectrum, both as torch.stft / torch.istft compute them with the
// reference's arguments (n_fft = window = 16, hop 4, periodic Hann, centered with reflect padding, onesided,
// unnormalized; the ISTFT divides by the summed squared window). With 16 points, a direct DFT against a precomputed
// table is simpler than an FFT and fast enough (9 bins × 16 taps per frame).

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
  cos: Float64Array;
  sin: Float64Array;
}

const tables = new Map<number, Table>();

function table(n: number): Table {
  let t = tables.get(n);
  if (!t) {
    const bins = n / 2 + 1;
    const window = new Float64Array(n);
    // Periodic Hann, float32 like scipy.signal.get_window("hann", n, fftbins=True).astype(float32) in the reference.
    for (let i = 0; i < n; i++) window[i] = Math.fround(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    const cos = new Float64Array(bins * n);
    const sin = new Float64Array(bins * n);
    for (let k = 0; k < bins; k++) {
      for (let i = 0; i < n; i++) {
        const a = (2 * Math.PI * ((k * i) % n)) / n;
        cos[k * n + i] = Math.cos(a);
        sin[k * n + i] = Math.sin(a);
      }
    }
    t = { n, bins, window, cos, sin };
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
  const seg = new Float64Array(n);
  for (let f = 0; f < frames; f++) {
    const start = (from + f) * hop - half;
    for (let i = 0; i < n; i++) {
      let j = start + i;
      if (j < 0) j = -j;
      else if (j >= len) j = 2 * (len - 1) - j;
      seg[i] = (x[j] as number) * (t.window[i] as number);
    }
    for (let k = 0; k < t.bins; k++) {
      let re = 0;
      let im = 0;
      const o = k * n;
      for (let i = 0; i < n; i++) {
        re += (seg[i] as number) * (t.cos[o + i] as number);
        im -= (seg[i] as number) * (t.sin[o + i] as number);
      }
      out[k * frames + f] = re;
      out[(t.bins + k) * frames + f] = im;
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
  const nyq = n / 2;
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < n; i++) {
      let s = spec.real[f] as number; // DC
      s += (i % 2 === 0 ? 1 : -1) * (spec.real[nyq * frames + f] as number);
      for (let k = 1; k < nyq; k++) {
        const re = spec.real[k * frames + f] as number;
        const im = spec.imag[k * frames + f] as number;
        s += 2 * (re * (t.cos[k * n + i] as number) - im * (t.sin[k * n + i] as number));
      }
      frame[i] = s / n;
    }
    const o = f * hop;
    for (let i = 0; i < n; i++) {
      const w = t.window[i] as number;
      acc[o + i] = (acc[o + i] as number) + (frame[i] as number) * w;
      env[o + i] = (env[o + i] as number) + w * w;
    }
  }
  const outLen = hop * (frames - 1);
  const out = new Float32Array(outLen);
  const half = n / 2;
  for (let i = 0; i < outLen; i++) {
    const v = (acc[i + half] as number) / (env[i + half] as number);
    out[i] = v > limit ? limit : v < -limit ? -limit : v;
  }
  return out;
}
