// The audio tokenizers' 16 kHz input (EDITX-SPEC.md §4): mono, torchaudio's default resampler, peak normalisation,
// librosa-style silence trim and the reference's length rule. Unlike the reference, input at or below 16 kHz is
// resampled too (never refused) and the result says so.

import { resampleChannel } from '../resample';
import { toMono, type AudioData } from '../types';

export const TOKENIZER_RATE = 16000;

/**
 * torchaudio.functional.resample with its defaults (sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99; output
 * ⌈n · to / from⌉ samples): the 'torchaudioHann' kernel of ../resample, which reproduces torchaudio's float32 kernel.
 * Equal rates return a copy.
 */
export function resampleTorchaudio(x: Float32Array, from: number, to: number): Float32Array {
  return resampleChannel(x, from, to, { mode: 'torchaudioHann', lowpassFilterWidth: 6, rolloff: 0.99 });
}

/** Peak normalisation of the reference: x / max(max|x|, 0.01) · 0.999, in float32 as torch computes it. */
export function peakNormalise(x: Float32Array): Float32Array {
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a > peak) peak = a;
  }
  const f = Math.fround;
  const d = f(Math.max(peak, 0.01));
  const g = f(0.999);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]! / d) * g;
  return y;
}

// librosa.effects.trim(y, top_db=20, frame_length=512, hop_length=128) as the reference calls it (utils.trim_silence).
const TRIM_TOP_DB = 20;
const TRIM_FRAME = 512;
const TRIM_HOP = 128;
/** librosa's amplitude_to_db amin 1e-5, i.e. a floor of 1e-10 on the frame power. */
const TRIM_POWER_FLOOR = 1e-10;

/**
 * The non-silent span [start, end) of librosa.effects.trim with ref = max: frame i covers samples
 * [128i − 256, 128i + 256) (centred frames, zero padding), 1 + ⌊n/128⌋ frames; a frame is sound when
 * 10·log10(max(rms², 1e-10)) − 10·log10(max(max rms², 1e-10)) > −20; the span runs from the first sound frame's
 * sample 128i to 128(j + 1) after the last (at most n). A signal of zeros is all "sound" (0 dB against itself), as
 * in librosa. Float64 maths (librosa's are float32: only a frame within float32 noise of −20 dB could differ).
 */
export function nonSilentSpan(y: Float32Array): { start: number; end: number } {
  const n = y.length;
  const half = TRIM_FRAME / 2;
  const frames = 1 + Math.floor(n / TRIM_HOP);
  // Prefix sums of y² make each frame's mean square O(1).
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = cum[i]! + y[i]! * y[i]!;
  const power = new Float64Array(frames);
  let maxPower = 0;
  for (let i = 0; i < frames; i++) {
    const a = Math.min(n, Math.max(0, i * TRIM_HOP - half));
    const b = Math.min(n, Math.max(0, i * TRIM_HOP + half));
    const p = Math.max(0, cum[b]! - cum[a]!) / TRIM_FRAME;
    power[i] = p;
    if (p > maxPower) maxPower = p;
  }
  const ref = 10 * Math.log10(Math.max(TRIM_POWER_FLOOR, maxPower));
  let first = -1;
  let last = -1;
  for (let i = 0; i < frames; i++) {
    if (10 * Math.log10(Math.max(TRIM_POWER_FLOOR, power[i]!)) - ref > -TRIM_TOP_DB) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { start: 0, end: 0 };
  return { start: first * TRIM_HOP, end: Math.min(n, (last + 1) * TRIM_HOP) };
}

/** Samples kept before the span: 0.05 s at 16 kHz (the reference's keep_left_time). */
const KEEP_LEFT = 800;
/** Added to the span's length rounded up to 240 samples: (0.05 + 0.22) s at 16 kHz. */
const LENGTH_EXTRA = 4320;
/** The span is rounded up to whole 15 ms steps (the reference's hop_size 240). */
const LENGTH_STEP = 240;

export interface Preprocessed16k {
  samples: Float32Array;
  sampleRate: 16000;
  /** The input's rate when it was resampled, null when it was 16 kHz already. */
  resampledFrom: number | null;
  /** The non-silent span [start, end) found in the normalised 16 kHz signal, in its samples. */
  trim: { start: number; end: number };
}

/**
 * §4 exactly: mono (mean of channels), resample to 16 kHz (torchaudio-exact, from any rate), peak normalise, find the
 * non-silent span [s, e); the output starts at s − 800 (zero-padded on the left when negative) and is
 * ⌈(e − s)/240⌉·240 + 4320 samples long, cut or zero-padded at the end.
 */
export function preprocess16k(audio: AudioData): Preprocessed16k {
  // Only read (resampled, or normalised into a new array): a mono input's channel is used as it is, without a copy.
  const mono = audio.channels.length === 1 ? audio.channels[0]! : toMono(audio);
  const rate = audio.sampleRate;
  const x = rate === TOKENIZER_RATE ? mono : resampleTorchaudio(mono, rate, TOKENIZER_RATE);
  const y = peakNormalise(x);
  const trim = nonSilentSpan(y);
  const first = trim.start - KEEP_LEFT;
  const length = Math.ceil((trim.end - trim.start) / LENGTH_STEP) * LENGTH_STEP + LENGTH_EXTRA;
  const samples = new Float32Array(length);
  // Output sample i is y[first + i] (zero outside y).
  const from = Math.max(0, first);
  const to = Math.min(y.length, first + length);
  if (to > from) samples.set(y.subarray(from, to), from - first);
  return { samples, sampleRate: TOKENIZER_RATE, resampledFrom: rate === TOKENIZER_RATE ? null : rate, trim };
}
