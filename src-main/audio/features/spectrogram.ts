// The one spectrogram + mel filterbank core of the model front ends (EDITX-SPEC.md §4, §6): framing (optionally
// reflect-padded), the analysis windows (periodic/symmetric Hann, Hamming, Kaldi's povey), Kaldi's per-frame DC removal
// and pre-emphasis, the shared mixed-radix FFT (../fft, two real frames per complex transform), power or magnitude
// spectrum, a sparse mel filterbank (Slaney or Kaldi/HTK) and a floored logarithm. Every front end in this folder is a
// configuration of `MelSpectrogram`; what is specific to one (Whisper's dynamic-range floor, CAM++'s mean subtraction,
// LFR) is applied to its output.
//
// All maths run in float64 on float32 input and the result is stored as float32: the references compute in float32,
// whose own rounding noise (up to ~7e-4 on a log-mel, measured) is larger than our difference from the exact values.
// The one float32 step whose effect is systematic, torchaudio's Kaldi mel banks, is reproduced (kaldiMelBank).

import { RetakeError } from '../../contract/errors';
import { MixedRadixFFT, hann } from '../fft';
import { runSync, type Steps } from '../steps';

/** Features as every front end returns them: row-major frames × bins. */
export interface FeatureMatrix {
  data: Float32Array;
  frames: number;
  bins: number;
}

/** A mel filterbank stored sparsely: filter b has weights for FFT bins start[b] … start[b] + length[b] − 1. */
export interface MelBank {
  bins: number;
  /** FFT bins of the spectrum it applies to (fftSize / 2 + 1). */
  fftBins: number;
  start: Int32Array;
  length: Int32Array;
  /** Where filter b's weights begin in `weights`. */
  offset: Int32Array;
  weights: Float64Array;
}

/** Builds the sparse form of a dense filterbank given as a weight function; zero weights at the ends are dropped. */
function sparseBank(bins: number, fftBins: number, weight: (b: number, k: number) => number): MelBank {
  const start = new Int32Array(bins);
  const length = new Int32Array(bins);
  const offset = new Int32Array(bins);
  const all: number[] = [];
  for (let b = 0; b < bins; b++) {
    const row = Array.from({ length: fftBins }, (_, k) => weight(b, k));
    let first = row.findIndex((w) => w !== 0);
    let last = row.length - 1;
    while (last >= 0 && row[last] === 0) last--;
    if (first < 0) first = last = 0;
    start[b] = first;
    length[b] = first <= last && row[first] !== 0 ? last - first + 1 : 0;
    offset[b] = all.length;
    for (let k = 0; k < length[b]!; k++) all.push(row[first + k]!);
  }
  return { bins, fftBins, start, length, offset, weights: Float64Array.from(all) };
}

// Slaney's mel scale (Auditory Toolbox; librosa's default, htk=False): linear below 1 kHz at 200/3 Hz per mel,
// logarithmic above with 27 mels per factor 6.4.
const SLANEY_F_SP = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP;
const SLANEY_LOGSTEP = Math.log(6.4) / 27;

function hzToSlaneyMel(f: number): number {
  return f >= SLANEY_MIN_LOG_HZ ? SLANEY_MIN_LOG_MEL + Math.log(f / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP : f / SLANEY_F_SP;
}

function slaneyMelToHz(m: number): number {
  return m >= SLANEY_MIN_LOG_MEL ? SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOGSTEP * (m - SLANEY_MIN_LOG_MEL)) : SLANEY_F_SP * m;
}

/**
 * librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with its defaults (Slaney scale and area normalisation), which
 * is what Whisper ships and CosyVoice's mel uses: triangles between n_mels + 2 points equally spaced in mel, over the
 * bin frequencies k·sr/n_fft, each scaled by 2 / (its upper − lower edge in Hz); float32 weights.
 */
export function slaneyMelBank(sampleRate: number, nFft: number, nMels: number, fmin = 0, fmax = sampleRate / 2): MelBank {
  const fftBins = Math.floor(nFft / 2) + 1;
  const lo = hzToSlaneyMel(fmin);
  const hi = hzToSlaneyMel(fmax);
  const pts = Array.from({ length: nMels + 2 }, (_, i) => slaneyMelToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  return sparseBank(nMels, fftBins, (b, k) => {
    const f = (k * sampleRate) / nFft;
    const lower = (f - pts[b]!) / (pts[b + 1]! - pts[b]!);
    const upper = (pts[b + 2]! - f) / (pts[b + 2]! - pts[b + 1]!);
    // Stored as float32, as librosa returns it and the references load it.
    return Math.fround(Math.max(0, Math.min(lower, upper)) * (2 / (pts[b + 2]! - pts[b]!)));
  });
}

/** Kaldi's (HTK) mel scale: 1127 ln(1 + f/700). */
function kaldiMel(f: number): number {
  return 1127 * Math.log(1 + f / 700);
}

/**
 * Kaldi's mel banks as torchaudio.compliance.kaldi.get_mel_banks computes them (no VTLN): nBins triangles,
 * unnormalised, equally spaced in HTK mel between lowFreq and highFreq (≤ 0 means Nyquist + highFreq), over FFT bins
 * 0 … padded/2 − 1; the Nyquist bin gets no weight. torchaudio evaluates them in float32 tensors, and the rounding of
 * (mel − left) / (center − left) moves weights by up to 1.4e-5 (1.8e-4 on a log-mel, measured), so every step is
 * rounded to float32 here as it is there; only its float32 log, not always correctly rounded, can differ by an ulp.
 */
export function kaldiMelBank(sampleRate: number, paddedSize: number, nBins: number, lowFreq = 20, highFreq = 0): MelBank {
  const f = Math.fround;
  const nyquist = sampleRate / 2;
  const high = highFreq <= 0 ? highFreq + nyquist : highFreq;
  // Python floats (float64) in torchaudio, then float32 scalars in tensor arithmetic.
  const melLow = kaldiMel(lowFreq);
  const delta32 = f((kaldiMel(high) - melLow) / (nBins + 1));
  const melLow32 = f(melLow);
  const width32 = f(sampleRate / paddedSize);
  const half = paddedSize / 2;
  const edge = (b: number): number => f(melLow32 + f(b * delta32));
  return sparseBank(nBins, half + 1, (b, k) => {
    if (k >= half) return 0;
    const left = edge(b);
    const center = edge(b + 1);
    const right = edge(b + 2);
    const mel = f(1127 * f(Math.log(f(1 + f(f(width32 * k) / 700)))));
    const up = f(f(mel - left) / f(center - left));
    const down = f(f(right - mel) / f(right - center));
    return Math.max(0, Math.min(up, down));
  });
}

export type WindowKind = 'hann' | 'hann-symmetric' | 'hamming' | 'povey';

/**
 * Analysis windows: 'hann' periodic (torch.hann_window's default), 'hann-symmetric', 'hamming' symmetric with
 * 0.54/0.46 (Kaldi's), 'povey' = symmetric Hann to the power 0.85 (Kaldi's default, zero at both ends).
 */
export function featureWindow(kind: WindowKind, n: number): Float64Array {
  switch (kind) {
    case 'hann':
      return hann(n, true);
    case 'hann-symmetric':
      return hann(n, false);
    case 'hamming': {
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) w[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (n - 1));
      return w;
    }
    case 'povey': {
      const w = hann(n, false);
      for (let i = 0; i < n; i++) w[i] = Math.pow(w[i]!, 0.85);
      return w;
    }
  }
}

export interface SpectrogramConfig {
  /** Samples per frame (the window's length). */
  frameLength: number;
  hop: number;
  /** FFT size ≥ frameLength; the frame is zero-padded on the right. */
  fftSize: number;
  window: WindowKind;
  /** Reflect-pad this many samples on each side before framing (torch's 'reflect': the edge sample is not repeated). */
  reflectPad: number;
  /** Drop the last frame (Whisper drops the last frame of its centred STFT). */
  dropLastFrame: boolean;
  /** Applied to the samples first (Kaldi front ends of FunASR scale by 32768). */
  inputScale: number;
  /** Kaldi: subtract each frame's mean before pre-emphasis. */
  removeDc: boolean;
  /** Kaldi: x[j] −= c·x[j − 1] (x[0] −= c·x[0]) after DC removal, before the window; 0 for none. */
  preEmphasis: number;
  /** 'power' |X|², or 'magnitude' sqrt(|X|² + magnitudeEpsilon). */
  spectrum: 'power' | 'magnitude';
  magnitudeEpsilon: number;
  mel: MelBank;
  /** Output log(max(mel, logFloor)) in this base. */
  log: 'e' | '10';
  logFloor: number;
}

/** Running sums of x·scale (cum[i] = Σ_{j<i} x[j]·scale): each frame's mean (Kaldi's DC removal) in O(1). Outside
 *  the generator that uses it, where V8 optimises the loop fully. */
function runningSums(x: Float32Array, scale: number): Float64Array {
  const cum = new Float64Array(x.length + 1);
  let acc = 0;
  for (let i = 0; i < x.length; i++) cum[i + 1] = acc += x[i]! * scale;
  return cum;
}

/** Frames per piece of a cooperative run (~0.3 ms at the largest FFT used here); even, as frames go in pairs. */
const FRAMES_PER_PIECE = 16;

/**
 * A configured mel spectrogram with its window, FFT and scratch buffers (one per front end, reused across calls).
 * Frames are transformed two at a time: one frame as the real part and the next as the imaginary part of a single
 * complex FFT, separated afterwards (X_a[k] = (Z[k] + conj Z[N−k]) / 2, X_b[k] = (Z[k] − conj Z[N−k]) / 2i), which
 * costs less than two real FFTs. In float64 the cross-talk between the pair (~1e-16 of the louder frame) is far below
 * every front end's log floor.
 */
export class MelSpectrogram {
  private readonly window: Float64Array;
  private readonly fft: MixedRadixFFT;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly specA: Float64Array;
  private readonly specB: Float64Array;
  /** A frame that reaches into the reflection padding, gathered. */
  private readonly edge: Float32Array;
  /** Spectrum bins the mel bank reads: 0 … specBins − 1 (the prompt mel stops at 8 kHz of 12). */
  private readonly specBins: number;

  constructor(readonly cfg: SpectrogramConfig) {
    const { frameLength, fftSize, mel } = cfg;
    if (fftSize < frameLength || fftSize % 2 !== 0 || mel.fftBins !== fftSize / 2 + 1) {
      throw new Error(`inconsistent spectrogram configuration (frame ${frameLength}, FFT ${fftSize}, mel over ${mel.fftBins} bins)`);
    }
    this.window = featureWindow(cfg.window, frameLength);
    this.fft = new MixedRadixFFT(fftSize);
    this.re = new Float64Array(fftSize);
    this.im = new Float64Array(fftSize);
    this.edge = new Float32Array(frameLength);
    let top = 0;
    for (let b = 0; b < mel.bins; b++) if (mel.length[b]! > 0) top = Math.max(top, mel.start[b]! + mel.length[b]!);
    this.specBins = top;
    this.specA = new Float64Array(top);
    this.specB = new Float64Array(top);
  }

  /** Frames for n input samples (0 when not even one fits; reflect padding needs n > reflectPad). */
  frameCount(n: number): number {
    const { frameLength, hop, reflectPad, dropLastFrame } = this.cfg;
    const padded = n + 2 * reflectPad;
    if (padded < frameLength) return 0;
    const frames = 1 + Math.floor((padded - frameLength) / hop);
    return dropLastFrame ? frames - 1 : frames;
  }

  run(x: Float32Array): FeatureMatrix {
    return runSync(this.steps(x));
  }

  /** The mel spectrogram of x in pieces (see ../steps). */
  *steps(x: Float32Array): Steps<FeatureMatrix> {
    const { reflectPad, mel } = this.cfg;
    const n = x.length;
    if (reflectPad > 0 && n <= reflectPad) {
      throw new RetakeError(
        'E_VALIDATION',
        `Cannot compute this spectrogram of ${n} samples: reflection padding of ${reflectPad} needs more than ${reflectPad}.`,
      );
    }
    const frames = this.frameCount(n);
    const data = new Float32Array(frames * mel.bins);
    const cum = this.cfg.removeDc ? runningSums(x, this.cfg.inputScale) : null;
    for (let f = 0; f < frames; f += FRAMES_PER_PIECE) {
      const to = Math.min(frames, f + FRAMES_PER_PIECE);
      for (let a = f; a < to; a += 2) this.pair(x, cum, data, a, a + 1 < to);
      yield f / frames;
    }
    return { data, frames, bins: mel.bins };
  }

  /** Frame `a` and, when `withB`, frame a + 1: prepare, transform together, write their log-mel rows. */
  private pair(x: Float32Array, cum: Float64Array | null, out: Float32Array, a: number, withB: boolean): void {
    const { re, im, specA, specB, specBins } = this;
    const { fftSize, spectrum, magnitudeEpsilon } = this.cfg;
    this.prepare(x, cum, a, re);
    if (withB) this.prepare(x, cum, a + 1, im);
    else im.fill(0);
    this.fft.transform(re, im);
    const power = spectrum === 'power';
    for (let k = 0; k < specBins; k++) {
      const j = k === 0 ? 0 : fftSize - k;
      const zr = re[k]!;
      const zi = im[k]!;
      const wr = re[j]!;
      const wi = im[j]!;
      // 2·X_a = (zr + wr) + i(zi − wi); 2·X_b = (zi + wi) − i(zr − wr)
      const ar = zr + wr;
      const ai = zi - wi;
      const br = zi + wi;
      const bi = zr - wr;
      const pa = 0.25 * (ar * ar + ai * ai);
      const pb = 0.25 * (br * br + bi * bi);
      specA[k] = power ? pa : Math.sqrt(pa + magnitudeEpsilon);
      specB[k] = power ? pb : Math.sqrt(pb + magnitudeEpsilon);
    }
    this.melLog(specA, out, a);
    if (withB) this.melLog(specB, out, a + 1);
  }

  /**
   * Frame f, ready for the FFT, into `dst` (zero-padded to fftSize). Frames inside the signal are read in place (their
   * mean from the running sums `cum`); a frame that reaches into the reflection padding is first gathered into `edge`
   * (torch's 'reflect': index −i reads x[i], index n − 1 + i reads x[n − 1 − i]).
   */
  private prepare(x: Float32Array, cum: Float64Array | null, f: number, dst: Float64Array): void {
    const { frameLength, hop, reflectPad, inputScale, removeDc, preEmphasis } = this.cfg;
    const window = this.window;
    const n = x.length;
    let src = x;
    let s0 = f * hop - reflectPad;
    let mean = 0;
    if (s0 < 0 || s0 + frameLength > n) {
      const edge = this.edge;
      for (let i = 0; i < frameLength; i++) {
        const t = s0 + i;
        edge[i] = x[t < 0 ? -t : t >= n ? 2 * (n - 1) - t : t]!;
      }
      src = edge;
      s0 = 0;
      if (removeDc) {
        for (let i = 0; i < frameLength; i++) mean += edge[i]! * inputScale;
        mean /= frameLength;
      }
    } else if (removeDc) {
      mean = (cum![s0 + frameLength]! - cum![s0]!) / frameLength;
    }
    if (removeDc || preEmphasis !== 0) {
      // Kaldi's order: subtract the frame mean, pre-emphasise (x[j] − c·x[j − 1], x[0] − c·x[0]), window.
      const c = preEmphasis;
      let prev = src[s0]! * inputScale - mean;
      dst[0] = (prev - c * prev) * window[0]!;
      for (let i = 1; i < frameLength; i++) {
        const v = src[s0 + i]! * inputScale - mean;
        dst[i] = (v - c * prev) * window[i]!;
        prev = v;
      }
    } else {
      for (let i = 0; i < frameLength; i++) dst[i] = src[s0 + i]! * inputScale * window[i]!;
    }
    dst.fill(0, frameLength);
  }

  /** Row f of the output: log(max(mel · spectrum, floor)). */
  private melLog(spec: Float64Array, out: Float32Array, f: number): void {
    const { mel, log, logFloor } = this.cfg;
    const { start, length, offset, weights } = mel;
    const logScale = log === '10' ? Math.LOG10E : 1;
    const o = f * mel.bins;
    for (let b = 0; b < mel.bins; b++) {
      const k0 = start[b]!;
      const w0 = offset[b]!;
      let acc = 0;
      for (let k = 0, len = length[b]!; k < len; k++) acc += weights[w0 + k]! * spec[k0 + k]!;
      out[o + b] = Math.log(acc > logFloor ? acc : logFloor) * logScale;
    }
  }
}
