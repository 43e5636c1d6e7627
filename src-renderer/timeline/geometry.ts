// Timeline maths with no state and no DOM: positions are integer-valued sample counts at the project rate, zoom is
// samples per pixel. The lanes draw relative to the view (x = 0 is the sample at the left edge, `scroll`), so an hour
// at sample zoom never needs a billion-pixel element. Conversion, zooming around an anchor or onto a span, clamping
// scroll, snapping, and the geometry of clips being moved (one or a group, across tracks), trimmed or caught by a
// marquee all live here so the TimelineController only holds state and the maths is unit-tested on its own.

import { fitPxPerSec } from './scale';

/** A time range in samples, start ≤ end. */
export interface SampleRange {
  start: number;
  end: number;
}

/** Zoom and horizontal scroll of the timeline. */
export interface View {
  samplesPerPixel: number;
  /** Sample at the left edge of the visible lanes. */
  scroll: number;
}

/** Where a clip sits and which part of its take it plays (the fields of the contract's Clip that drags change). */
export interface ClipPlacement {
  trackId: number;
  start: number;
  inPoint: number;
  outPoint: number;
  /** Full length of the active take: the bound of outPoint. */
  takeLength: number;
}

export type DragMode = 'move' | 'trim-start' | 'trim-end';

// The deepest zoom: one sample spans 16 px, so single samples can be seen and picked.
export const MIN_SAMPLES_PER_PIXEL = 1 / 16;
// A trim never leaves a clip shorter than this many samples (1 ms at 48 kHz): the core needs in < out, and a clip
// narrower than a click target could no longer be grabbed again.
export const MIN_CLIP_SAMPLES = 48;

// The lanes run this far past the last clip, so there is always room to drop or drag after it.
export const TAIL_SECONDS = 2;

/** Width of the lanes' content: the arrangement plus its tail, and never narrower than the viewport. */
export function contentWidthPx(endSample: number, sampleRate: number, samplesPerPixel: number, viewPx: number): number {
  return Math.max(viewPx, Math.ceil((endSample + TAIL_SECONDS * sampleRate) / samplesPerPixel));
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export function sampleToPx(sample: number, samplesPerPixel: number): number {
  return sample / samplesPerPixel;
}

export function pxToSample(px: number, samplesPerPixel: number): number {
  return px * samplesPerPixel;
}

/** Pixels per second at a zoom (what the ruler's tick spacing is chosen from). */
export function pxPerSecond(samplesPerPixel: number, sampleRate: number): number {
  return sampleRate / samplesPerPixel;
}

/** The zoom that shows all content in `viewPx` with the margins of the fitted view (see scale.ts). */
export function fitSamplesPerPixel(viewPx: number, contentSamples: number, sampleRate: number): number {
  return sampleRate / fitPxPerSec(viewPx, contentSamples / sampleRate);
}

/**
 * Zoom range for a view: down to MIN_SAMPLES_PER_PIXEL, up to the zoom at which the content, or an hour when the
 * content is shorter, fits the viewport.
 */
export function zoomLimits(sampleRate: number, viewPx: number, contentSamples: number): { min: number; max: number } {
  const widest = Math.max(contentSamples, sampleRate * 3600);
  return { min: MIN_SAMPLES_PER_PIXEL, max: Math.max(MIN_SAMPLES_PER_PIXEL, widest / Math.max(1, viewPx)) };
}

/** Largest scroll that still shows content at the right edge (never below 0). */
export function maxScroll(samplesPerPixel: number, viewPx: number, contentSamples: number): number {
  return Math.max(0, contentSamples - viewPx * samplesPerPixel);
}

export function clampScroll(scroll: number, samplesPerPixel: number, viewPx: number, contentSamples: number): number {
  return clamp(scroll, 0, maxScroll(samplesPerPixel, viewPx, contentSamples));
}

/**
 * Changes the zoom so that the sample under `anchorPx` (pixels from the left edge of the visible lanes) stays under
 * it, as zooming around the mouse does. The zoom is clamped to `limits`; the scroll never goes below 0.
 */
export function zoomAround(view: View, samplesPerPixel: number, anchorPx: number, limits: { min: number; max: number }): View {
  const spp = clamp(samplesPerPixel, limits.min, limits.max);
  const anchored = view.scroll + anchorPx * view.samplesPerPixel;
  return { samplesPerPixel: spp, scroll: Math.max(0, anchored - anchorPx * spp) };
}

/** A range from two positions in either order. */
export function rangeBetween(a: number, b: number): SampleRange {
  return a <= b ? { start: a, end: b } : { start: b, end: a };
}

export interface SnapResult {
  position: number;
  /** The candidate snapped to, or null when none was within the threshold. */
  target: number | null;
}

/**
 * Snaps a position (samples) to the nearest candidate (samples) closer than `thresholdPx` on screen at the given zoom.
 * Ties go to the earlier candidate in time. Without a candidate in reach the position is returned as is.
 */
export function snap(position: number, candidates: readonly number[], thresholdPx: number, samplesPerPixel: number): SnapResult {
  const reach = thresholdPx * samplesPerPixel;
  let best: number | null = null;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = Math.abs(c - position);
    if (d > reach) continue;
    if (d < bestDist || (d === bestDist && best !== null && c < best)) {
      best = c;
      bestDist = d;
    }
  }
  return best === null ? { position, target: null } : { position: best, target: best };
}

/**
 * Snaps a span that moves as one (a clip being dragged): whichever of its two edges is nearer a candidate decides,
 * and the whole span shifts by that edge's correction. Returns the new start.
 */
export function snapSpan(
  start: number,
  length: number,
  candidates: readonly number[],
  thresholdPx: number,
  samplesPerPixel: number,
): SnapResult {
  const head = snap(start, candidates, thresholdPx, samplesPerPixel);
  const tail = snap(start + length, candidates, thresholdPx, samplesPerPixel);
  const headDist = head.target === null ? Infinity : Math.abs(head.target - start);
  const tailDist = tail.target === null ? Infinity : Math.abs(tail.target - (start + length));
  if (headDist === Infinity && tailDist === Infinity) return { position: start, target: null };
  return headDist <= tailDist ? head : { position: tail.position - length, target: tail.target };
}

/**
 * Where a clip is after dragging it (or one of its edges) to `to`, the new position of the dragged point in samples
 * (the clip's start when moving, its left or right edge when trimming). A left trim keeps the audio where it is on
 * the timeline (start moves with inPoint), as in every DAW. Results are whole samples inside the take and after 0.
 */
export function dragPlacement(clip: ClipPlacement, mode: DragMode, to: number, trackId = clip.trackId): ClipPlacement {
  const at = Math.round(to);
  switch (mode) {
    case 'move':
      return { ...clip, trackId, start: Math.max(0, at) };
    case 'trim-start': {
      // The left edge may not pass the take's first sample, the timeline's start, or come near the right edge.
      const lo = clip.start - Math.min(clip.inPoint, clip.start);
      const hi = clip.start + (clip.outPoint - clip.inPoint) - MIN_CLIP_SAMPLES;
      const edge = clamp(at, lo, Math.max(lo, hi));
      const shift = edge - clip.start;
      return { ...clip, start: edge, inPoint: clip.inPoint + shift };
    }
    case 'trim-end': {
      // The right edge stays within the take and, unless the take ends sooner, MIN_CLIP_SAMPLES after the left one.
      const hi = clip.takeLength;
      const lo = Math.min(hi, clip.inPoint + MIN_CLIP_SAMPLES);
      return { ...clip, outPoint: clamp(at - clip.start + clip.inPoint, lo, hi) };
    }
  }
}

/** Pixel geometry of a clip on its lane (left from the view's left edge at `scroll`): the box, and its whole take. */
export function clipBox(
  clip: Pick<ClipPlacement, 'start' | 'inPoint' | 'outPoint' | 'takeLength'>,
  samplesPerPixel: number,
  minWidthPx: number,
  scroll = 0,
): { left: number; width: number; innerLeft: number; innerWidth: number } {
  return {
    left: (clip.start - scroll) / samplesPerPixel,
    width: Math.max(minWidthPx, (clip.outPoint - clip.inPoint) / samplesPerPixel),
    innerLeft: -clip.inPoint / samplesPerPixel,
    innerWidth: clip.takeLength / samplesPerPixel,
  };
}

/**
 * The spans of a clip's take that an edit changed (take-relative samples), in pixels from the clip box's left edge,
 * cut to the part the clip plays; at least 2 px wide so a short change still shows.
 */
export function changedSpansPx(
  spans: readonly SampleRange[],
  clip: Pick<ClipPlacement, 'inPoint' | 'outPoint'>,
  samplesPerPixel: number,
): { left: number; width: number; start: number; end: number }[] {
  const out: { left: number; width: number; start: number; end: number }[] = [];
  for (const sp of spans) {
    const a = Math.max(sp.start, clip.inPoint);
    const b = Math.min(sp.end, clip.outPoint);
    if (b <= a) continue;
    out.push({ left: (a - clip.inPoint) / samplesPerPixel, width: Math.max(2, (b - a) / samplesPerPixel), start: sp.start, end: sp.end });
  }
  return out;
}

/** Where a view at `scroll` draws a sample (pixels from its left edge). */
export function viewX(sample: number, view: View): number {
  return (sample - view.scroll) / view.samplesPerPixel;
}

/** The sample under a pixel of a view (never before 0). */
export function sampleAtX(x: number, view: View): number {
  return Math.max(0, view.scroll + x * view.samplesPerPixel);
}

/**
 * The view that shows `span` across `viewPx` with `marginPx` of room on each side, within the zoom limits (a span
 * too short for the deepest zoom is centred).
 */
export function viewForSpan(span: SampleRange, viewPx: number, marginPx: number, limits: { min: number; max: number }): View {
  const room = Math.max(1, viewPx - 2 * marginPx);
  const spp = clamp((span.end - span.start) / room, limits.min, limits.max);
  const centre = (span.start + span.end) / 2;
  return { samplesPerPixel: spp, scroll: Math.max(0, centre - (viewPx / 2) * spp) };
}

/** The samples a clip covers on the timeline. */
export function clipSpan(c: Pick<ClipPlacement, 'start' | 'inPoint' | 'outPoint'>): SampleRange {
  return { start: c.start, end: c.start + (c.outPoint - c.inPoint) };
}

/** The span of several clips (null for none). */
export function spanOf(clips: readonly Pick<ClipPlacement, 'start' | 'inPoint' | 'outPoint'>[]): SampleRange | null {
  if (clips.length === 0) return null;
  let start = Infinity;
  let end = -Infinity;
  for (const c of clips) {
    start = Math.min(start, c.start);
    end = Math.max(end, c.start + (c.outPoint - c.inPoint));
  }
  return { start, end };
}

/**
 * A group of clips moved together by `delta` samples and `trackShift` tracks (in `trackOrder`, top first): the
 * group keeps its shape, so the delta stops where its earliest clip reaches 0 and the shift where a clip would leave
 * the first or last track. Results are whole samples.
 */
export function moveGroup(
  clips: readonly ClipPlacement[],
  delta: number,
  trackShift: number,
  trackOrder: readonly number[],
): ClipPlacement[] {
  if (clips.length === 0) return [];
  const earliest = Math.min(...clips.map((c) => c.start));
  const d = Math.max(Math.round(delta), -earliest);
  const indices = clips.map((c) => trackOrder.indexOf(c.trackId));
  const known = indices.filter((i) => i >= 0);
  const lo = known.length ? -Math.min(...known) : 0;
  const hi = known.length ? trackOrder.length - 1 - Math.max(...known) : 0;
  const shift = clamp(Math.round(trackShift), lo, Math.max(lo, hi));
  return clips.map((c, k) => {
    const i = indices[k]!;
    const trackId = i >= 0 ? trackOrder[i + shift]! : c.trackId;
    return { ...c, trackId, start: c.start + d };
  });
}

/** A rectangle on the lanes: a time span and the tracks it covers (indices in track order, inclusive). */
export interface Marquee {
  span: SampleRange;
  firstTrack: number;
  lastTrack: number;
}

/** The clips a marquee touches (any overlap in time, on a track it covers). */
export function clipsInMarquee<C extends ClipPlacement & { id: number }>(clips: readonly C[], m: Marquee, trackOrder: readonly number[]): C[] {
  return clips.filter((c) => {
    const i = trackOrder.indexOf(c.trackId);
    if (i < m.firstTrack || i > m.lastTrack) return false;
    const s = clipSpan(c);
    return s.end > m.span.start && s.start < m.span.end;
  });
}
