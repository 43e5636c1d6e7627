// Deltas of a take's metrics against its parent: differences for log-scale quantities (semitones, LU, dB), ratios for
// durations and rates.

import type { MetricDeltas, MetricsLike, TakeMetrics } from './metrics';

function field(m: MetricsLike, key: keyof TakeMetrics): number | null {
  const v = (m as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a;
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || a === 0 ? null : b / a;
}

/** Child against parent; a field is null where either side lacks the metric (or a ratio's parent is 0). */
export function metricDeltas(parent: MetricsLike, child: MetricsLike): MetricDeltas {
  const d = (k: keyof TakeMetrics) => diff(field(parent, k), field(child, k));
  const r = (k: keyof TakeMetrics) => ratio(field(parent, k), field(child, k));
  return {
    durationRatio: r('durationSec'),
    speechSecRatio: r('speechSec'),
    f0MedianSt: d('f0MedianSt'),
    f0RangeSt: d('f0RangeSt'),
    f0RangeRatio: r('f0RangeSt'),
    voicedRatio: d('voicedRatio'),
    voicedRatioRatio: r('voicedRatio'),
    loudnessLu: d('loudnessLufs'),
    truePeakDb: d('truePeakDbtp'),
    speakingRateRatio: r('speakingRateSyllPerSec'),
  };
}
