// Metrics of a long take that changed only in one span, without measuring all of it again: the parent's metrics with
// the span's old measurements swapped for its new ones. Exact where the quantity allows it (duration, VAD segments and
// speech time, sample and true peak when the caller supplies them), estimated where it does not (integrated
// loudness, F0, voicing and speaking rate are recombined by speech time; the loudness range is the parent's; a peak
// that may have been replaced is bounded from above by the parent's). The
// estimated fields are listed in `merged.estimated`, so nothing shows an estimate as a measurement.
// Imports no audio code: a pure function of plain metrics.

import type { Segment } from './common';
import type { TakeMetrics } from './metrics';

export interface MergeSpan {
  /** The span in the parent, seconds. */
  parentStart: number;
  parentEnd: number;
  /** The same span in the new take, seconds. */
  start: number;
  end: number;
}

export interface MergeInput {
  parent: Partial<TakeMetrics> | Record<string, unknown>;
  /** The span's audio in the parent, measured alone. */
  before: Partial<TakeMetrics> | Record<string, unknown>;
  /** The span's audio in the new take, measured alone. */
  after: Partial<TakeMetrics> | Record<string, unknown>;
  span: MergeSpan;
  /** Length of the new take, seconds. */
  durationSec: number;
  /** Exact peaks of the whole new take, when the caller knows them (dBTP / dBFS; null for silence); otherwise the
   * larger of the parent's and the span's, listed as estimated. */
  truePeakDbtp?: number | null;
  samplePeakDbfs?: number | null;
}

export interface MergedMetrics extends Record<string, unknown> {
  merged: { estimated: string[]; note: string };
}

/** BS.1770 loudness offset: L = −0.691 + 10·log10(mean square). */
const LOUDNESS_OFFSET = -0.691;

function num(m: Record<string, unknown>, k: string): number | null {
  const v = m[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function segs(m: Record<string, unknown>): Segment[] {
  const v = m.segments;
  if (!Array.isArray(v)) return [];
  return v.filter((g): g is Segment => !!g && typeof g.start === 'number' && typeof g.end === 'number');
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r;
}

/**
 * Combines a speech-weighted quantity: the parent's value with the span's share replaced (new = parent + w·(after −
 * before), w the span's share of the new take's speech). Null when any side is unknown.
 */
function recombine(parent: number | null, before: number | null, after: number | null, w: number): number | null {
  if (parent === null) return null;
  if (before === null || after === null) return parent;
  return parent + w * (after - before);
}

export function mergeRegionMetrics(i: MergeInput): MergedMetrics {
  const P = i.parent as Record<string, unknown>;
  const B = i.before as Record<string, unknown>;
  const A = i.after as Record<string, unknown>;
  const { span } = i;
  const shift = span.end - span.start - (span.parentEnd - span.parentStart);
  // Segments: the parent's outside the span (those after it shifted by the length change), the new ones inside it.
  const segments: Segment[] = [];
  for (const g of segs(P)) {
    if (g.end <= span.parentStart) segments.push({ ...g });
    else if (g.start >= span.parentEnd) segments.push({ start: g.start + shift, end: g.end + shift });
    else {
      if (g.start < span.parentStart) segments.push({ start: g.start, end: span.parentStart });
      if (g.end > span.parentEnd) segments.push({ start: span.parentEnd + shift, end: g.end + shift });
    }
  }
  for (const g of segs(A)) segments.push({ start: g.start + span.start, end: g.end + span.start });
  segments.sort((a, b) => a.start - b.start);
  const speechSec = segments.reduce((s, g) => s + Math.max(0, g.end - g.start), 0);

  const sP = num(P, 'speechSec') ?? 0;
  const sB = num(B, 'speechSec') ?? 0;
  const sA = num(A, 'speechSec') ?? 0;
  const rest = Math.max(0, sP - sB);
  const w = rest + sA > 0 ? sA / (rest + sA) : 0;

  // Integrated loudness: mean squares weighted by speech time (the gate keeps roughly the speech).
  const power = (l: number | null) => (l === null ? null : 10 ** ((l - LOUDNESS_OFFSET) / 10));
  const pP = power(num(P, 'loudnessLufs'));
  const pB = power(num(B, 'loudnessLufs')) ?? 0;
  const pA = power(num(A, 'loudnessLufs')) ?? 0;
  let loudness: number | null = num(P, 'loudnessLufs');
  if (pP !== null && rest + sA > 0) {
    const restPower = Math.max(0, pP * sP - pB * sB);
    const mean = (restPower + pA * sA) / (rest + sA);
    loudness = mean > 0 ? LOUDNESS_OFFSET + 10 * Math.log10(mean) : null;
  } else if (pP === null && num(A, 'loudnessLufs') !== null) loudness = num(A, 'loudnessLufs');

  const f0St = recombine(num(P, 'f0MedianSt'), num(B, 'f0MedianSt'), num(A, 'f0MedianSt'), w);
  const estimated = ['loudnessLufs', 'loudnessRangeLu', 'f0MedianHz', 'f0MedianSt', 'f0RangeSt', 'voicedRatio', 'speakingRateSyllPerSec'];
  const out: MergedMetrics = {
    ...P,
    durationSec: round(i.durationSec, 3),
    speechSec: round(speechSec, 3),
    segments: segments.map((g) => ({ start: round(g.start, 3), end: round(g.end, 3) })),
    loudnessLufs: loudness === null ? null : round(loudness, 3),
    f0MedianSt: f0St === null ? null : round(f0St, 3),
    // ST_REF_HZ: 0 st = 100 Hz (analysis/f0.ts).
    f0MedianHz: f0St === null ? null : round(100 * 2 ** (f0St / 12), 2),
    f0RangeSt: nullableRound(recombine(num(P, 'f0RangeSt'), num(B, 'f0RangeSt'), num(A, 'f0RangeSt'), w), 3),
    voicedRatio: nullableRound(recombine(num(P, 'voicedRatio'), num(B, 'voicedRatio'), num(A, 'voicedRatio'), w), 4),
    speakingRateSyllPerSec: nullableRound(
      recombine(num(P, 'speakingRateSyllPerSec'), num(B, 'speakingRateSyllPerSec'), num(A, 'speakingRateSyllPerSec'), w),
      4,
    ),
    merged: {
      estimated,
      note: 'Measured in the changed span only and combined with the parent take by speech time; the fields listed are estimates.',
    },
  };
  // Peaks the caller could not read exactly: the larger of the parent's and the span's, which never understates.
  const bound = (k: 'truePeakDbtp' | 'samplePeakDbfs'): number | null => {
    const p = num(P, k);
    const a = num(A, k);
    return p === null ? a : a === null ? p : Math.max(p, a);
  };
  if (i.truePeakDbtp !== undefined) out.truePeakDbtp = i.truePeakDbtp === null ? null : round(i.truePeakDbtp, 3);
  else {
    out.truePeakDbtp = bound('truePeakDbtp');
    estimated.push('truePeakDbtp');
  }
  if (i.samplePeakDbfs !== undefined) out.samplePeakDbfs = i.samplePeakDbfs === null ? null : round(i.samplePeakDbfs, 3);
  else {
    out.samplePeakDbfs = bound('samplePeakDbfs');
    estimated.push('samplePeakDbfs');
  }
  return out;
}

function nullableRound(v: number | null, digits: number): number | null {
  return v === null ? null : round(v, digits);
}
