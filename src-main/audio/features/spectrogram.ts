// The one spectrogram + mel filterbank core of the model front ends (EDITX-SPEC.md §4, §6): framing (optionally
// reflect-padded), the analysis windows (periodic/symmetric Hann, Hamming, Kaldi's povey), Kaldi's per-frame DC removal
// and pre-emphasis, a mixed-radix FFT (four real frames per pass), power or magnitude spectrum, a sparse mel filterbank
// (Slaney or Kaldi/HTK) and a floored logarithm. The per-frame work runs in the WebAssembly SIMD kernels
// (../wasm/assembly/kernels.ts); the filterbanks and windows are built here. Every front end in this folder is a
// configuration of `MelSpectrogram`; what is specific to one (Whisper's dynamic-range floor, CAM++'s mean subtraction,
// LFR) is applied to its output.
//
// All maths run in float64 on float32 input and the result is stored as float32: the references compute in float32,
// whose own rounding noise (up to ~7e-4 on a log-mel, measured) is larger than our difference from the exact values.
// The one float32 step whose effect is systematic, torchaudio's Kaldi mel banks, is reproduced (kaldiMelBank).

import { RetakeError } from '../../contract/errors';
import { hann, stockhamStages } from '../fft';
import { runSync, type Steps } from '../steps';
import { align16, Kernels } from '../wasm/kernels';

/** Features as every front end returns them: row-major frames × bins. */
export interface FeatureMatrix {
  data: Float32Array;
  frames: number;
  bins: number;
}

/** A spectrogram's rows and their largest value (−Infinity for no frames). */
export interface MelOutput extends FeatureMatrix {
  max: number;
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

/** Frames per piece of a cooperative run (~0.3 ms at the largest FFT used here); a multiple of 4, as the kernel
 *  transforms frames four at a time. */
const FRAMES_PER_PIECE = 64;
/** Where this module's layout of a kernel instance's memory begins (below: the module's own globals). */
const WASM_BASE = 4096;

/** Radices of the kernel's Stockham FFT for n: 5s, 3s, then the power of two as 4s with one 2 for an odd exponent. */
function fftRadices(n: number): number[] | null {
  const radices: number[] = [];
  let rest = n;
  for (const p of [5, 3, 4, 2]) {
    while (rest % p === 0) {
      radices.push(p);
      rest /= p;
    }
  }
  return rest === 1 ? radices : null;
}

/**
 * A configured mel spectrogram: its window, FFT plan, mel bank and scratch live in its own instance of the SIMD
 * kernels (../wasm/assembly/kernels.ts), which computes whole pieces of frames; this class lays out that memory,
 * copies each piece's samples in (gathering the reflection padding at the edges) and the log-mel rows out.
 * Frames are transformed four at a time: two frames as the real and imaginary parts of one complex FFT (cheaper than
 * two real FFTs; X_a[k] = (Z[k] + conj Z[N−k]) / 2, X_b[k] = (Z[k] − conj Z[N−k]) / 2i), two such transforms in the
 * two float64 lanes. In float64 the cross-talk between a pair (~1e-16 of the louder frame) is far below every front
 * end's log floor.
 */
export class MelSpectrogram {
  private readonly kernels: Kernels;
  private readonly xAt: number;
  private readonly outAt: number;
  private readonly pieceSamples: number;

  constructor(readonly cfg: SpectrogramConfig) {
    const { frameLength, hop, fftSize, mel } = cfg;
    const radices = fftRadices(fftSize);
    // The kernel gathers the mel sums in FFT scratch, which holds fftSize of them.
    if (fftSize < frameLength || fftSize % 2 !== 0 || mel.fftBins !== fftSize / 2 + 1 || !radices || mel.bins > fftSize) {
      throw new Error(
        `inconsistent spectrogram configuration (frame ${frameLength}, FFT ${fftSize} of radices 2, 3, 5 only, mel over ${mel.fftBins} bins)`,
      );
    }
    // The kernel's logarithm takes positive normal numbers (every value is floored first).
    if (!(cfg.logFloor >= 2 ** -1022 && cfg.logFloor < Infinity)) {
      throw new Error(`the log floor must be a positive normal number (got ${cfg.logFloor})`);
    }
    let specBins = 0;
    for (let b = 0; b < mel.bins; b++) if (mel.length[b]! > 0) specBins = Math.max(specBins, mel.start[b]! + mel.length[b]!);
    const stages = stockhamStages(fftSize, radices);
    // Memory layout (bytes), every region 16-byte aligned.
    this.pieceSamples = (FRAMES_PER_PIECE - 1) * hop + frameLength;
    const windowAt = WASM_BASE;
    const stagesAt = align16(windowAt + 8 * frameLength);
    let twAt = align16(stagesAt + 16 * stages.length);
    const twOffsets = stages.map((st) => {
      const at = twAt;
      twAt = align16(twAt + 8 * st.tw.length);
      return at - stagesAt;
    });
    const bufA = twAt;
    const bufB = bufA + 32 * fftSize;
    const specA = bufB + 32 * fftSize;
    const specB = specA + 16 * specBins;
    const melStart = specB + 16 * specBins;
    const melLength = align16(melStart + 4 * mel.bins);
    const melOffset = align16(melLength + 4 * mel.bins);
    const melWeights = align16(melOffset + 4 * mel.bins);
    this.xAt = align16(melWeights + 8 * mel.weights.length);
    this.outAt = align16(this.xAt + 4 * this.pieceSamples);
    this.kernels = new Kernels();
    const buffer = this.kernels.reserve(this.outAt + 4 * FRAMES_PER_PIECE * mel.bins);
    new Float64Array(buffer, windowAt, frameLength).set(featureWindow(cfg.window, frameLength));
    stages.forEach((st, k) => {
      new Int32Array(buffer, stagesAt + 16 * k, 4).set([st.p, st.m, st.s, twOffsets[k]!]);
      new Float64Array(buffer, stagesAt + twOffsets[k]!, st.tw.length).set(st.tw);
    });
    new Int32Array(buffer, melStart, mel.bins).set(mel.start);
    new Int32Array(buffer, melLength, mel.bins).set(mel.length);
    new Int32Array(buffer, melOffset, mel.bins).set(mel.offset);
    new Float64Array(buffer, melWeights, mel.weights.length).set(mel.weights);
    this.kernels.exports.configure(
      frameLength,
      hop,
      fftSize,
      specBins,
      mel.bins,
      cfg.removeDc ? 1 : 0,
      cfg.spectrum === 'magnitude' ? 1 : 0,
      cfg.inputScale,
      cfg.preEmphasis,
      cfg.magnitudeEpsilon,
      cfg.log === '10' ? Math.LOG10E : 1,
      cfg.logFloor,
      windowAt,
      bufA,
      bufB,
      stagesAt,
      stages.length,
      specA,
      specB,
      melStart,
      melLength,
      melOffset,
      melWeights,
    );
  }

  /** Frames for n input samples (0 when not even one fits; reflect padding needs n > reflectPad). */
  frameCount(n: number): number {
    const { frameLength, hop, reflectPad, dropLastFrame } = this.cfg;
    const padded = n + 2 * reflectPad;
    if (padded < frameLength) return 0;
    const frames = 1 + Math.floor((padded - frameLength) / hop);
    return dropLastFrame ? frames - 1 : frames;
  }

  run(x: Float32Array): MelOutput {
    return runSync(this.steps(x));
  }

  /** The mel spectrogram of x in pieces (see ../steps), with its largest value. */
  *steps(x: Float32Array): Steps<MelOutput> {
    const { reflectPad, mel, hop, frameLength } = this.cfg;
    const n = x.length;
    if (reflectPad > 0 && n <= reflectPad) {
      throw new RetakeError(
        'E_VALIDATION',
        `Cannot compute this spectrogram of ${n} samples: reflection padding of ${reflectPad} needs more than ${reflectPad}.`,
      );
    }
    const frames = this.frameCount(n);
    const data = new Float32Array(frames * mel.bins);
    const k = this.kernels.exports;
    let max = -Infinity;
    for (let f = 0; f < frames; f += FRAMES_PER_PIECE) {
      const count = Math.min(frames, f + FRAMES_PER_PIECE) - f;
      // The piece's samples: frame f starts at input sample f·hop − reflectPad. Another run on this plan may have
      // used the memory since the last piece (cooperative steps), so nothing is kept across pieces.
      const s0 = f * hop - reflectPad;
      const len = (count - 1) * hop + frameLength;
      const buffer = this.kernels.exports.memory.buffer;
      const xs = new Float32Array(buffer, this.xAt, len);
      if (s0 >= 0 && s0 + len <= n) xs.set(x.subarray(s0, s0 + len));
      else {
        // torch's 'reflect': index −i reads x[i], index n − 1 + i reads x[n − 1 − i].
        for (let i = 0; i < len; i++) {
          const t = s0 + i;
          xs[i] = x[t < 0 ? -t : t >= n ? 2 * (n - 1) - t : t]!;
        }
      }
      k.resetMax();
      k.spectrogram(this.xAt, count, this.outAt);
      // The kernel's maximum is of the float64 values; rounding is monotonic, so this is the largest stored value.
      max = Math.max(max, Math.fround(k.getMax()));
      data.set(new Float32Array(buffer, this.outAt, count * mel.bins), f * mel.bins);
      yield f / frames;
    }
    return { data, frames, bins: mel.bins, max };
  }
}
