// The analysis that measures every take: `analyze` runs VAD, F0, loudness/peaks and speaking rate on one AudioData
// and returns plain-JSON TakeMetrics. The building blocks are re-exported for engines that need tracks or segments.

import { RetakeError } from '../../contract/errors';
import type { AudioData } from '../types';
import { frameCount, toMonoSteps } from '../types';
import { runSteps, type Steps } from '../steps';
import { summarizeF0, trackF0Steps } from './f0';
import { measureLoudnessSteps } from './loudness';
import { ANALYSIS_VERSION } from './metrics';
import type { TakeMetrics } from './metrics';
import { estimateSpeakingRateSteps } from './rate';
import type { VadOptions } from './vad';
import { VAD_SAMPLE_RATE, detectSpeech } from './vad';
import { resampleChannelSteps } from '../resample';
import { checkAudioLimits, describeLevel, firstBadSampleSteps, RANGE_SENTENCE } from '../limits';

export type { Segment } from './common';
export { percentile, percentiles } from './common';
export type { F0Options, F0Summary, F0Track } from './f0';
export { ST_REF_HZ, hzToSt, speechFrameMask, stToHz, summarizeF0, trackF0 } from './f0';
export type { LoudnessResult } from './loudness';
export {
  ENERGY_FRAME_SEC,
  K_WEIGHTING_MIN_RATE,
  frameEnergyPercentiles,
  integratedLoudness,
  kWeightingSupported,
  loudnessRange,
  measureLoudness,
  samplePeak,
  truePeak,
} from './loudness';
export type { MetricDeltas, MetricsLike, TakeMetrics } from './metrics';
export { ANALYSIS_VERSION } from './metrics';
export { metricDeltas } from './deltas';
export { formatDeltas, formatMetrics } from './format';
export type { RateOptions, RateResult } from './rate';
export { estimateSpeakingRate } from './rate';
export type { VadOptions, VadResult } from './vad';
export { detectSpeech, disposeVad, getVadSession, setVadModelPath, speechProbabilities, speechSegments } from './vad';

export interface AnalyzeOptions {
  signal?: AbortSignal;
  /** Overrides of the VAD thresholds and durations (Silero's defaults otherwise). */
  vad?: Omit<VadOptions, 'signal'>;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r; // no −0: it would not survive a JSON round trip
}

function roundOrNull(v: number | null, digits: number): number | null {
  return v === null || !Number.isFinite(v) ? null : round(v, digits);
}

function* validate(audio: AudioData): Steps<void> {
  // The rate bounds every stage's work by the real sample count (16 kHz for VAD and F0 is at most 4× the input).
  checkAudioLimits(audio, 'analyse');
  const n = frameCount(audio);
  if (n === 0) throw new RetakeError('E_EMPTY_AUDIO', 'Cannot analyse an empty take: it has no samples.');
  for (const ch of audio.channels) {
    if (ch.length !== n) {
      throw new RetakeError('E_VALIDATION', 'Cannot analyse audio whose channels have different lengths.');
    }
  }
  const bad = yield* firstBadSampleSteps(audio);
  if (bad) {
    throw new RetakeError(
      'E_INVALID_SAMPLES',
      bad.kind === 'nonfinite'
        ? `Cannot analyse this take: sample ${bad.index} is not a finite number. Re-render or re-import it.`
        : `Cannot analyse this take: sample ${bad.index} is at ${describeLevel(bad.value)}; ${RANGE_SENTENCE}. Re-render or re-import it.`,
    );
  }
}

function cancelled(): RetakeError {
  return new RetakeError('E_CANCELLED', 'The analysis was cancelled.');
}

/**
 * Measures one take at any sample rate: VAD, F0 and speaking rate on a 16 kHz mono mix, loudness and peaks on the
 * original channels (loudness is null below K_WEIGHTING_MIN_RATE). Runs in pieces that give the event loop a turn
 * every few tens of milliseconds and stop promptly once `signal` is aborted. Values are rounded for storage: seconds to
 * 1 ms, Hz to 0.01, dB/LU/semitones to 0.001, ratios and rates to 1e-4.
 */
export async function analyze(audio: AudioData, opts: AnalyzeOptions = {}): Promise<TakeMetrics> {
  const { signal } = opts;
  const run = <T>(steps: Steps<T>): Promise<T> => runSteps(steps, { signal, cancelled });
  await run(validate(audio));
  const sr = audio.sampleRate;
  // One 16 kHz mono signal serves the VAD (its native rate), the F0 tracker (which decimates to 8 kHz) and the rate
  // estimator (a band below 2.5 kHz); only loudness and peaks need the original channels and rate. torchaudio's kernel is
  // what Silero's own loader resamples with.
  const mono = await run(toMonoSteps(audio));
  const x16 =
    sr === VAD_SAMPLE_RATE ? mono : await run(resampleChannelSteps(mono, sr, VAD_SAMPLE_RATE, { mode: 'torchaudioHann' }));
  const vad = await detectSpeech(
    { sampleRate: VAD_SAMPLE_RATE, channels: [x16] },
    { ...opts.vad, ...(signal ? { signal } : {}) },
  );
  const track = await run(trackF0Steps(x16, VAD_SAMPLE_RATE));
  const f0 = summarizeF0(track, vad.segments);
  const loud = await run(measureLoudnessSteps(audio));
  const rate = await run(estimateSpeakingRateSteps(x16, VAD_SAMPLE_RATE, vad.segments));
  if (signal?.aborted) throw cancelled();
  return {
    analysisVersion: ANALYSIS_VERSION,
    sampleRate: sr,
    channels: audio.channels.length,
    durationSec: round(frameCount(audio) / sr, 3),
    speechSec: round(vad.speechSec, 3),
    segments: vad.segments.map((g) => ({ start: round(g.start, 3), end: round(g.end, 3) })),
    f0MedianHz: roundOrNull(f0.medianHz, 2),
    f0MedianSt: roundOrNull(f0.medianSt, 3),
    f0RangeSt: roundOrNull(f0.rangeSt, 3),
    voicedRatio: roundOrNull(f0.voicedRatio, 4),
    loudnessLufs: roundOrNull(loud.integratedLufs, 3),
    loudnessRangeLu: roundOrNull(loud.loudnessRangeLu, 3),
    truePeakDbtp: roundOrNull(loud.truePeakDbtp, 3),
    samplePeakDbfs: roundOrNull(loud.samplePeakDbfs, 3),
    speakingRateSyllPerSec: roundOrNull(rate.syllablesPerSec, 4),
  };
}
