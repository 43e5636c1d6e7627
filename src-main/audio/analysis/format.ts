// One-line human display of take metrics and of their deltas (CLI, logs, tooltips).

import type { MetricDeltas, TakeMetrics } from './metrics';

const NONE = '–';

function num(v: number | null, digits: number, unit = ''): string {
  return v === null ? NONE : `${v.toFixed(digits)}${unit}`;
}

function signed(v: number | null, digits: number, unit: string): string {
  if (v === null) return NONE;
  const s = v.toFixed(digits);
  return `${v >= 0 && !s.startsWith('-') ? '+' : ''}${s}${unit}`;
}

function times(v: number | null): string {
  return v === null ? NONE : `×${v.toFixed(2)}`;
}

/** e.g. "7.44 s (speech 6.95 s) · F0 121 Hz, range 13.2 st · voiced 73 % · −17.7 LUFS · TP −0.0 dBTP · 4.5 syll/s". */
export function formatMetrics(m: TakeMetrics): string {
  const voiced = m.voicedRatio === null ? NONE : `${Math.round(m.voicedRatio * 100)} %`;
  return [
    `${m.durationSec.toFixed(2)} s (speech ${m.speechSec.toFixed(2)} s)`,
    `F0 ${num(m.f0MedianHz, 0, ' Hz')}, range ${num(m.f0RangeSt, 1, ' st')}`,
    `voiced ${voiced}`,
    `${num(m.loudnessLufs, 1, ' LUFS')}`,
    `TP ${num(m.truePeakDbtp, 1, ' dBTP')}`,
    `${num(m.speakingRateSyllPerSec, 1, ' syll/s')}`,
  ].join(' · ');
}

/** e.g. "duration ×1.08 · F0 +1.2 st · range ×0.80 · voiced ×0.35 · loudness −0.4 LU · rate ×0.92". */
export function formatDeltas(d: MetricDeltas): string {
  return [
    `duration ${times(d.durationRatio)}`,
    `F0 ${signed(d.f0MedianSt, 1, ' st')}`,
    `range ${times(d.f0RangeRatio)}`,
    `voiced ${times(d.voicedRatioRatio)}`,
    `loudness ${signed(d.loudnessLu, 1, ' LU')}`,
    `rate ${times(d.speakingRateRatio)}`,
  ].join(' · ');
}
