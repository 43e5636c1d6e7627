// The shape of a take's measured metrics as stored with it (plain JSON) and of its deltas against the parent take.
// This file, deltas.ts and format.ts import no audio code and no native module: the studio core and CLI use them cheaply.

import type { Segment } from './common';

/** Bumped whenever a change of the analysis changes its numbers, so stored metrics can be recomputed. */
export const ANALYSIS_VERSION = 1;

export interface TakeMetrics {
  analysisVersion: number;
  sampleRate: number;
  channels: number;
  durationSec: number;
  /** Total length of the VAD speech segments. */
  speechSec: number;
  /** Silero VAD speech segments in seconds. */
  segments: Segment[];
  /** Median F0 of voiced speech frames (Hz); null with fewer than 5 voiced frames or under 10 % voiced. */
  f0MedianHz: number | null;
  /** The same median in semitones re 100 Hz (0 st = 100 Hz). */
  f0MedianSt: number | null;
  /** F0 spread: 95th − 5th percentile of voiced speech frames, in semitones. */
  f0RangeSt: number | null;
  /**
   * Voiced frames / speech frames, both counted inside the VAD segments (inside energy-gated frames when the VAD found
   * no speech); null when there is no speech at all.
   */
  voicedRatio: number | null;
  /** ITU-R BS.1770-4 integrated loudness; null for silence. */
  loudnessLufs: number | null;
  /** EBU Tech 3342 loudness range; null under 3 s. */
  loudnessRangeLu: number | null;
  truePeakDbtp: number | null;
  samplePeakDbfs: number | null;
  /** Syllable nuclei per second of speech; null without speech. */
  speakingRateSyllPerSec: number | null;
}

/** Child relative to parent: differences for log-scale quantities (st, LU, dB), ratios for durations and rates. */
export interface MetricDeltas {
  /** child / parent duration. */
  durationRatio: number | null;
  /** child / parent speech seconds. */
  speechSecRatio: number | null;
  /** child − parent median F0, semitones. */
  f0MedianSt: number | null;
  /** child − parent F0 range, semitones. */
  f0RangeSt: number | null;
  /** child / parent F0 range. */
  f0RangeRatio: number | null;
  /** child − parent voiced ratio (fraction, not percent points). */
  voicedRatio: number | null;
  /** child / parent voiced ratio. */
  voicedRatioRatio: number | null;
  /** child − parent integrated loudness, LU. */
  loudnessLu: number | null;
  /** child − parent true peak, dB. */
  truePeakDb: number | null;
  /** child / parent speaking rate. */
  speakingRateRatio: number | null;
}

/** Metrics as read back from storage: any JSON object; missing or non-numeric fields count as unknown. */
export type MetricsLike = Partial<TakeMetrics> | Record<string, unknown>;
