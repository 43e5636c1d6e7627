// Kaldi filterbank front ends (torchaudio.compliance.kaldi.fbank) and FunASR's low-frame-rate stacking with CMVN:
//  - kaldiFbank: the vq02 front end of EDITX-SPEC.md §4 (FunASR WavFrontend): 80 bins, 25 ms / 10 ms, Hamming, input
//    × 32768, dither 0 (upstream 1.0: we keep runs reproducible), and Kaldi's other defaults: DC removal,
//    pre-emphasis 0.97, 512-point FFT, 20 Hz to Nyquist, power spectrum, natural log floored at float32 epsilon;
//  - campplusFbank: the CAM++ speaker-embedding input of §6: the same with the povey window on unscaled samples, minus
//    the utterance's mean frame;
//  - lfrCmvn: LFR m = 7, n = 6 then CMVN (x + AddShift) · Rescale from a Kaldi `am.mvn` (parseAmMvn).

import { RetakeError } from '../../contract/errors';
import { kaldiMelBank, MelSpectrogram, type FeatureMatrix, type WindowKind } from './spectrogram';

/** Kaldi's floor on mel energies before the log: std::numeric_limits<float>::epsilon(). */
const KALDI_EPSILON = 1.1920928955078125e-7;
const KALDI_RATE = 16000;
/** 25 ms frames every 10 ms at 16 kHz, FFT rounded up to the next power of two (Kaldi's round_to_power_of_two). */
const KALDI_FRAME = 400;
const KALDI_HOP = 160;
const KALDI_FFT = 512;

export interface KaldiFbankOptions {
  /** Default 'hamming' (FunASR's choice); Kaldi's own default is 'povey'. */
  window?: 'hamming' | 'povey';
  /** Default 32768: FunASR scales float samples to the 16-bit range. */
  inputScale?: number;
  /** Default 80. */
  numMelBins?: number;
}

const fbankCache = new Map<string, MelSpectrogram>();

function fbankPlan(window: WindowKind, inputScale: number, bins: number): MelSpectrogram {
  const key = `${window}:${inputScale}:${bins}`;
  let plan = fbankCache.get(key);
  if (!plan) {
    plan = new MelSpectrogram({
      frameLength: KALDI_FRAME,
      hop: KALDI_HOP,
      fftSize: KALDI_FFT,
      window,
      reflectPad: 0,
      dropLastFrame: false,
      inputScale,
      removeDc: true,
      preEmphasis: 0.97,
      spectrum: 'power',
      magnitudeEpsilon: 0,
      mel: kaldiMelBank(KALDI_RATE, KALDI_FFT, bins, 20, 0),
      log: 'e',
      logFloor: KALDI_EPSILON,
    });
    fbankCache.set(key, plan);
  }
  return plan;
}

/**
 * Kaldi fbank of 16 kHz samples (snip edges: frames that fit entirely, 1 + ⌊(n − 400)/160⌋). Input shorter than one
 * frame gives 0 frames (torchaudio refuses it).
 */
export function kaldiFbank(samples16k: Float32Array, opts: KaldiFbankOptions = {}): FeatureMatrix {
  const bins = opts.numMelBins ?? 80;
  if (!Number.isInteger(bins) || bins < 4) throw new RetakeError('E_VALIDATION', `Kaldi fbank needs at least 4 mel bins (got ${bins}).`);
  const { data, frames } = fbankPlan(opts.window ?? 'hamming', opts.inputScale ?? 32768, bins).run(samples16k);
  return { data, frames, bins };
}

/** The CAM++ input: Kaldi fbank (povey window, unscaled samples, 80 bins) minus its mean over frames. */
export function campplusFbank(samples16k: Float32Array): FeatureMatrix {
  const m = kaldiFbank(samples16k, { window: 'povey', inputScale: 1 });
  const { data, frames, bins } = m;
  if (frames === 0) return m;
  const mean = new Float64Array(bins);
  for (let f = 0; f < frames; f++) for (let b = 0; b < bins; b++) mean[b] = mean[b]! + data[f * bins + b]!;
  for (let b = 0; b < bins; b++) mean[b] = mean[b]! / frames;
  for (let f = 0; f < frames; f++) for (let b = 0; b < bins; b++) data[f * bins + b] = data[f * bins + b]! - mean[b]!;
  return m;
}

/** CMVN statistics of an `am.mvn`: applied after LFR, so each has 80 × m entries (560 for m = 7). */
export interface AmMvn {
  addShift: Float32Array;
  rescale: Float32Array;
}

/**
 * Low frame rate stacking then CMVN, as FunASR's front end does it: ⌈T/n⌉ output frames; output i concatenates input
 * frames i·n − ⌊(m−1)/2⌋ … i·n − ⌊(m−1)/2⌋ + m − 1, where frames before the first are the first frame (left context)
 * and frames past the last are the last frame (tail); then (x + addShift) · rescale per output column.
 */
export function lfrCmvn(fbank: FeatureMatrix, mvn: AmMvn, m = 7, n = 6): FeatureMatrix {
  const { data, frames, bins } = fbank;
  const outBins = bins * m;
  if (!(Number.isInteger(m) && m >= 1 && Number.isInteger(n) && n >= 1)) {
    throw new RetakeError('E_VALIDATION', `LFR needs whole m, n ≥ 1 (got m = ${m}, n = ${n}).`);
  }
  if (mvn.addShift.length !== outBins || mvn.rescale.length !== outBins) {
    throw new RetakeError(
      'E_VALIDATION',
      `The CMVN statistics have ${mvn.addShift.length} shifts and ${mvn.rescale.length} scales; LFR of ${bins} bins × ${m} needs ${outBins}.`,
    );
  }
  const outFrames = Math.ceil(frames / n);
  const out = new Float32Array(outFrames * outBins);
  const left = Math.floor((m - 1) / 2);
  const { addShift, rescale } = mvn;
  for (let i = 0; i < outFrames; i++) {
    for (let k = 0; k < m; k++) {
      const src = Math.min(Math.max(i * n + k - left, 0), frames - 1) * bins;
      const o = i * outBins + k * bins;
      for (let b = 0; b < bins; b++) out[o + b] = (data[src + b]! + addShift[k * bins + b]!) * rescale[k * bins + b]!;
    }
  }
  return { data: out, frames: outFrames, bins: outBins };
}

/**
 * Reads a Kaldi nnet1 text `am.mvn` (FunASR's CMVN file): the numbers between `[` and `]` after the `<LearnRateCoef>`
 * of the `<AddShift>` and `<Rescale>` components, whose headers give their dimension.
 *   <Nnet> <Splice> 560 560 [ 0 ] <AddShift> 560 560 <LearnRateCoef> 0 [ -8.3 … ] <Rescale> 560 560
 *   <LearnRateCoef> 0 [ 0.15 … ] </Nnet>
 * `source` names the file in error messages.
 */
export function parseAmMvn(text: string, source = 'am.mvn'): AmMvn {
  const tokens = text.split(/\s+/).filter((t) => t.length > 0);
  const bad = (why: string): never => {
    throw new RetakeError('E_VALIDATION', `${source} is not a Kaldi CMVN file (am.mvn): ${why}.`);
  };
  const component = (name: string): Float32Array => {
    const at = tokens.indexOf(name);
    if (at < 0) bad(`it has no ${name} component`);
    const dim = Number(tokens[at + 1]);
    if (!Number.isInteger(dim) || dim <= 0) bad(`${name} has no dimension`);
    const open = tokens.indexOf('[', at);
    const close = tokens.indexOf(']', open);
    if (tokens[at + 3] !== '<LearnRateCoef>' || open !== at + 5 || close < 0) bad(`${name} is not followed by <LearnRateCoef> N [ … ]`);
    const values = tokens.slice(open + 1, close).map(Number);
    if (values.length !== dim) bad(`${name} declares ${dim} values but lists ${values.length}`);
    if (values.some((v) => !Number.isFinite(v))) bad(`${name} holds a value that is not a finite number`);
    return Float32Array.from(values);
  };
  const addShift = component('<AddShift>');
  const rescale = component('<Rescale>');
  if (addShift.length !== rescale.length) bad(`<AddShift> has ${addShift.length} values but <Rescale> ${rescale.length}`);
  return { addShift, rescale };
}
