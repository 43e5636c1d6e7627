// What a time range on the timeline means for an edit: the part of each selected clip it covers, as the take-relative
// samples jobs.submit and edits.plan take (the frame of Clip.inPoint/outPoint: timeline t → t − clip.start +
// clip.inPoint), and the way back for drawing a take's spans on the timeline.

import type { Clip, SampleRange } from '../../src-main/contract';

export interface RegionTarget {
  clip: Clip;
  /** Take-relative samples of the clip's active take. */
  range: SampleRange;
  /** The same on the timeline. */
  timeline: SampleRange;
}

// A sliver of a clip under the range's edge is no region: less than 20 ms (a syllable is ~100 ms) is left out.
export const MIN_REGION_SEC = 0.02;

/** The part of each clip that the timeline range covers (clips it does not reach, or only a sliver of, are left out). */
export function regionTargets(range: SampleRange | null, clips: readonly Clip[], sampleRate: number): RegionTarget[] {
  if (!range || range.end <= range.start) return [];
  const min = Math.round(MIN_REGION_SEC * sampleRate);
  const out: RegionTarget[] = [];
  for (const clip of clips) {
    const end = clip.start + (clip.outPoint - clip.inPoint);
    const a = Math.max(range.start, clip.start);
    const b = Math.min(range.end, end);
    if (b - a < min) continue;
    out.push({ clip, timeline: { start: a, end: b }, range: { start: a - clip.start + clip.inPoint, end: b - clip.start + clip.inPoint } });
  }
  return out;
}

/** A take-relative span of a clip's active take on the timeline, cut to what the clip plays; null when none of it plays. */
export function spanOnTimeline(clip: Pick<Clip, 'start' | 'inPoint' | 'outPoint'>, span: SampleRange): SampleRange | null {
  const a = Math.max(span.start, clip.inPoint);
  const b = Math.min(span.end, clip.outPoint);
  if (b <= a) return null;
  return { start: clip.start + a - clip.inPoint, end: clip.start + b - clip.inPoint };
}
