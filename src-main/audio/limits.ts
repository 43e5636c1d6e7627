// What audio Retake accepts at all, checked from a file's header before any sample is decoded and again at the entry of
// every analysis and engine (which also receive audio that did not come from a file). A header can declare anything: a
// 48 KB file that says "1 Hz" is 24,000 s of audio to every stage that works in seconds (resampling to 16 kHz for
// the VAD turned it into 384 M samples and 6 GB), and 4 GHz or 65,535 channels fail deep inside the DSP with advice
// that does not fit. Refusing them up front, with the limit in the message, keeps every stage's work proportional to
// the samples that are really there.

import { RetakeError } from '../contract/errors';
import { fileLabel } from './audio-errors';
import { SAMPLE_BLOCK, type Steps } from './steps';

/**
 * Lowest accepted sample rate. 4 kHz is below every speech codec and telephone band (8 kHz) and is also the lowest
 * rate at which BS.1770's K-weighting (a shelf near 1.5 kHz) is defined, so loudness stays measurable down to it.
 * It bounds the stages that resample to a fixed rate: 16 kHz (VAD, F0) is at most 4× the input, 48 kHz (RNNoise) 12×.
 */
export const MIN_SAMPLE_RATE = 4000;
/** Highest accepted sample rate: 768 kHz is the fastest rate of shipping converters and of WAV/FLAC masters (DXD ×2). */
export const MAX_SAMPLE_RATE = 768_000;
/**
 * Most channels: 64 covers 7th-order ambisonics (64 channels) and every cinema or broadcast layout (22.2 is 24);
 * beyond it a header is damaged or not a recording.
 */
export const MAX_CHANNELS = 64;

/** One sentence saying what the limits are and why; part of every refusal, so the user sees the rule. */
export const LIMITS_SENTENCE =
  `Retake accepts ${MIN_SAMPLE_RATE / 1000} kHz to ${MAX_SAMPLE_RATE / 1000} kHz and 1 to ${MAX_CHANNELS} channels, ` +
  'the range of real recordings; anything outside it is a damaged header or not speech audio';

function hz(rate: number): string {
  return Number.isFinite(rate) && rate >= 1000 ? `${+(rate / 1000).toFixed(3)} kHz` : `${rate} Hz`;
}

/** The reason a rate or channel count is outside the limits, or null when both are inside. */
export function limitProblem(sampleRate: number, channels: number): { problem: string; limit: 'sampleRate' | 'channels'; value: number } | null {
  if (!(Number.isInteger(sampleRate) && sampleRate >= MIN_SAMPLE_RATE && sampleRate <= MAX_SAMPLE_RATE)) {
    return { problem: `its sample rate is ${hz(sampleRate)}`, limit: 'sampleRate', value: sampleRate };
  }
  if (!(Number.isInteger(channels) && channels >= 1 && channels <= MAX_CHANNELS)) {
    return { problem: `it has ${channels} channels`, limit: 'channels', value: channels };
  }
  return null;
}

function details(p: NonNullable<ReturnType<typeof limitProblem>>): Record<string, unknown> {
  return p.limit === 'sampleRate'
    ? { limit: p.limit, value: p.value, min: MIN_SAMPLE_RATE, max: MAX_SAMPLE_RATE }
    : { limit: p.limit, value: p.value, min: 1, max: MAX_CHANNELS };
}

/**
 * Refuses a file whose header declares a rate or channel count outside the limits: E_UNSUPPORTED_AUDIO (the file may
 * be valid, Retake does not take it), one line that names the file, the value and the limits.
 */
export function checkFileLimits(sampleRate: number, channels: number, name?: string): void {
  const p = limitProblem(sampleRate, channels);
  if (!p) return;
  throw new RetakeError(
    'E_UNSUPPORTED_AUDIO',
    `Cannot read ${fileLabel(name)}: ${p.problem}. ${LIMITS_SENTENCE}. Convert it to a common rate (e.g. 48 kHz) first.`,
    { ...(name ? { file: name } : {}), ...details(p) },
  );
}

/** The same limits for audio handed to an analysis or an engine; `what` names the stage ("analyse", "edit"). */
export function checkAudioLimits(audio: { sampleRate: number; channels: readonly unknown[] }, what: string): void {
  const p = limitProblem(audio.sampleRate, audio.channels.length);
  if (!p) return;
  throw new RetakeError('E_UNSUPPORTED_AUDIO', `Cannot ${what} this audio: ${p.problem}. ${LIMITS_SENTENCE}.`, details(p));
}

/**
 * Largest accepted sample magnitude of floating-point audio: 1000 × full scale (+60 dBFS). Float files legitimately
 * go above 0 dBFS (mix headroom, a few to a few tens of dB); 60 dB above full scale is no recording but a file written
 * with the wrong scale, such as integer values stored as floats. Refused rather than normalised: scaling it silently
 * would hide the fault, and beyond ~1e18 the squares behind loudness overflow float32 and edits come out silent.
 */
export const MAX_SAMPLE_MAGNITUDE = 1000;

/** What is wrong with the first bad sample: not finite, or beyond ±MAX_SAMPLE_MAGNITUDE. */
export interface BadSample {
  channel: number;
  index: number;
  value: number;
  kind: 'nonfinite' | 'range';
}

function firstBad(x: Float32Array, from: number, to: number): number {
  // One comparison per sample: NaN fails it too.
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    if (!(v <= MAX_SAMPLE_MAGNITUDE && v >= -MAX_SAMPLE_MAGNITUDE)) return i;
  }
  return -1;
}

/** The first sample that is not finite or out of range, or null; checked in pieces (see ./steps). */
export function* firstBadSampleSteps(a: { channels: readonly Float32Array[] }): Steps<BadSample | null> {
  for (let c = 0; c < a.channels.length; c++) {
    const ch = a.channels[c]!;
    for (let i = 0; i < ch.length; i += SAMPLE_BLOCK) {
      const bad = firstBad(ch, i, Math.min(ch.length, i + SAMPLE_BLOCK));
      if (bad >= 0) {
        const value = ch[bad]!;
        return { channel: c, index: bad, value, kind: Number.isFinite(value) ? 'range' : 'nonfinite' };
      }
      yield;
    }
  }
  return null;
}

/** "+90.3 dBFS (3.28e+4 × full scale)" for a sample beyond the range. */
export function describeLevel(value: number): string {
  const m = Math.abs(value);
  return `+${(20 * Math.log10(m)).toFixed(1)} dBFS (${m.toPrecision(3)} × full scale)`;
}

/** The sentence that explains the range limit. */
export const RANGE_SENTENCE =
  `audio more than ${Math.round(20 * Math.log10(MAX_SAMPLE_MAGNITUDE))} dB above full scale is not a recording but a file written with the wrong scale ` +
  '(e.g. integer values stored as floats)';
