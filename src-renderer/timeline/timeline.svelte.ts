// The timeline's view and gestures: zoom (samples per pixel; fitted to the arrangement until the user picks one),
// horizontal scroll (the sample at the left edge; the lanes draw relative to it, so any zoom of any length works),
// track heights, the ruler's unit, snapping (clip edges, playhead, range edges, pauses), the time range, the marquee,
// and previews of clips being moved (one or a selection, across tracks) or trimmed, and of a track being reordered.
// A drag lives here only, as placements the lanes draw instead of the clips' own, and is committed once on release
// through the arrangement (one call to the core, one history entry); nothing is read back from the DOM. Editing
// commands on the selection (split, nudge, delete, copy/paste/duplicate) are here too. The maths is in geometry.ts.

import type { Clip, Track } from '../../src-main/contract';
import type { ArrangementController, ClipMove } from '../lib/arrangement.svelte';
import type { ErrorsController } from '../lib/errors.svelte';
import { t } from '../lib/i18n.svelte';
import type { ProjectController } from '../lib/project.svelte';
import type { SelectionController } from '../lib/selection.svelte';
import {
  clamp,
  clampScroll,
  clipBox,
  clipsInMarquee,
  clipSpan,
  contentWidthPx,
  dragPlacement,
  fitSamplesPerPixel,
  moveGroup,
  pxPerSecond,
  rangeBetween,
  snap,
  snapSpan,
  spanOf,
  TAIL_SECONDS,
  viewForSpan,
  zoomAround,
  zoomLimits,
  MIN_CLIP_SAMPLES,
  type ClipPlacement,
  type DragMode,
  type SampleRange,
  type View,
} from './geometry';
import { rulerTicks, type TimeFormat, type Tick } from './timecode';

export interface SnapSettings {
  enabled: boolean;
  /** How close (on screen) a position must come to a candidate to snap to it. */
  thresholdPx: number;
}

export interface ClipDrag {
  /** The clip under the pointer; a move takes every selected clip along. */
  clipId: number;
  mode: DragMode;
  /** The clips as they were when the drag began, by id. */
  from: ReadonlyMap<number, ClipPlacement>;
  /** Where they would be if released now. */
  to: ReadonlyMap<number, ClipPlacement>;
  /** The snap candidate the dragged point sits on, for a guide line; null when free. */
  snappedTo: number | null;
  /** The release is being sent to the core; the preview stays until it answers. */
  committing: boolean;
}

export interface TrackDrag {
  trackId: number;
  /** The position it would take (0 = top). */
  index: number;
}

export interface MarqueeBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface TimelineDeps {
  project: ProjectController;
  arrangement: ArrangementController;
  selection: SelectionController;
  errors: ErrorsController;
  /** The transport's playhead (samples): a snap target and a zoom anchor. */
  playhead?: () => number;
  /** Pause centres inside a clip, as timeline samples (snap targets). */
  pauses?: (clip: Clip) => number[];
  /** Frame scheduling for smooth scrolling (requestAnimationFrame in the page). */
  frame?: (cb: () => void) => void;
}

// Narrowest the lanes are laid out, whatever the window.
const MIN_VIEWPORT_PX = 200;
// The fitted zoom leaves this much room at the right of the content.
const FIT_MARGIN_PX = 24;
// Clips stay at least this wide on screen, so a very short one can still be clicked.
const MIN_CLIP_PX = 6;
// Snapping reaches 8 px either side: about the pointer's own jitter on a click, less than a clip handle.
const SNAP_THRESHOLD_PX = 8;
// Track heights: the default shows a readable waveform; the minimum still holds the header and a sliver of wave.
export const DEFAULT_TRACK_PX = 104;
export const MIN_TRACK_PX = 48;
export const MAX_TRACK_PX = 400;
// Zoom steps: a key press or toolbar button halves or doubles; a wheel notch (100 px of delta) is a factor of 1.5.
const ZOOM_STEP = 2;
const WHEEL_ZOOM_PER_PX = Math.log(1.5) / 100;
// Zoom to selection leaves this much room either side.
const SELECTION_MARGIN_PX = 24;
// Nudges: 10 ms, or 100 ms with Shift (a syllable's fine and coarse adjustments).
const NUDGE_SEC = 0.01;
const NUDGE_COARSE_SEC = 0.1;
// The lanes lay their content out on a strip three views wide (one view either side of the visible one) and move
// the strip as a whole while scrolling, so a scroll is a transform, not a redraw; the strip is laid out again (around
// the view) when the zoom or the width changes or the view comes within a tenth of a view of its ends.
const STRIP_VIEWS = 3;
const STRIP_SLACK = 0.1;
// While the zoom changes, every frame lays the lanes out again anyway: the strip is then only the visible view (a
// third of the drawing and layout), and widens this long after the last zoom step.
const ZOOM_SETTLE_MS = 180;

/** The span the lanes lay out (see STRIP_VIEWS): its first sample, the zoom and view width it was laid out for. */
export interface Strip {
  start: number;
  samplesPerPixel: number;
  viewportPx: number;
  widthPx: number;
  /** Views laid out either side of the visible one (0 while zooming). */
  margin: number;
}
// A mouse wheel notch arrives as one large delta: it is eased over a few frames (smooth scroll); a trackpad's many
// small deltas are applied as they come.
const SMOOTH_FROM_PX = 40;
const SMOOTH_EASE = 0.35;
// Following playback pages the view when the playhead passes 90 % of it, putting it at 10 %.
const FOLLOW_EDGE = 0.9;
const FOLLOW_LEAD = 0.1;

const sameTrackIds = (a: ReadonlyMap<number, ClipPlacement>, b: ReadonlyMap<number, ClipPlacement>) =>
  [...a].every(([id, p]) => b.get(id)?.trackId === p.trackId);

export class TimelineController {
  private readonly project: ProjectController;
  private readonly arrangement: ArrangementController;
  private readonly selection: SelectionController;
  private readonly errors: ErrorsController;
  private readonly playheadOf: () => number;
  private readonly pausesOf: (clip: Clip) => number[];
  private readonly frame: (cb: () => void) => void;
  /** Visible width of the lanes in pixels (what the window gives them). */
  viewportPx = $state(744);
  /** Zoom chosen by the user; null while the view fits the arrangement. */
  private chosenZoom = $state<number | null>(null);
  /** Sample at the left edge of the visible lanes. */
  scroll = $state(0);
  snapping = $state<SnapSettings>({ enabled: true, thresholdPx: SNAP_THRESHOLD_PX });
  timeFormat = $state<TimeFormat>('time');
  /** Heights of tracks the user resized, by id (others are DEFAULT_TRACK_PX). */
  trackHeights = $state.raw<Record<number, number>>({});
  drag = $state.raw<ClipDrag | null>(null);
  trackDrag = $state.raw<TrackDrag | null>(null);
  /** The marquee being drawn, in lane pixels (x from the view's left edge, y from the first lane's top). */
  marquee = $state.raw<MarqueeBox | null>(null);
  /** Where the pointer is over the lanes (x in view pixels), for zooming around it and splitting at it. */
  pointer = $state.raw<{ x: number; trackId: number | null } | null>(null);
  /** Clips copied (ids), for paste. */
  clipboard = $state.raw<number[]>([]);
  /** Where a range drag started (samples); null when no range is being drawn. */
  private rangeAnchor: number | null = null;
  /** Offset from the pointer to the dragged point (clip start or edge) when the drag began. */
  private grab = 0;
  private marqueeAdd = false;
  private smoothTarget: number | null = null;

  sampleRate = $derived.by(() => this.project.sampleRate);
  fitted = $derived(this.chosenZoom === null);
  samplesPerPixel = $derived.by(
    () => this.chosenZoom ?? fitSamplesPerPixel(this.viewportPx - FIT_MARGIN_PX, this.arrangement.endSample, this.sampleRate),
  );
  view: View = $derived({ samplesPerPixel: this.samplesPerPixel, scroll: this.scroll });
  /** For the ruler, whose tick spacing is chosen in seconds. */
  pxPerSecond = $derived(pxPerSecond(this.samplesPerPixel, this.sampleRate));
  /** Samples the lanes can scroll through: the arrangement plus its tail, never less than one view. */
  contentSamples = $derived.by(() =>
    Math.max(this.arrangement.endSample + TAIL_SECONDS * this.sampleRate, this.viewportPx * this.samplesPerPixel),
  );
  /** The content's width in pixels at this zoom (the scrollbar's length). */
  contentPx = $derived.by(() => contentWidthPx(this.arrangement.endSample, this.sampleRate, this.samplesPerPixel, this.viewportPx));
  scrollPx = $derived(this.scroll / this.samplesPerPixel);
  /** The visible span in samples. */
  visible: SampleRange = $derived({ start: this.scroll, end: this.scroll + this.viewportPx * this.samplesPerPixel });
  private lastStrip: Strip | null = null;
  /** No zoom step for ZOOM_SETTLE_MS: the strip is laid out wide. */
  private zoomSettled = $state(true);
  /**
   * Zoom steps are coming in a run (a step within ZOOM_SETTLE_MS of the one before: a wheel or pinch gesture, a key
   * held down): the lanes draw most clips' boxes on their canvases until the zoom settles (Lane.svelte). A single step
   * (a button, one key press) leaves the boxes as they are.
   */
  zoomGesture = $state(false);
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  /** The strip the lanes and the ruler lay out (the same object until it must move: see STRIP_VIEWS). */
  strip: Strip = $derived.by(() => {
    const spp = this.samplesPerPixel;
    const viewPx = this.viewportPx;
    const view = viewPx * spp;
    const scroll = this.scroll;
    const margin = this.zoomSettled ? (STRIP_VIEWS - 1) / 2 : 0;
    const prev = this.lastStrip;
    if (
      prev &&
      prev.samplesPerPixel === spp &&
      prev.viewportPx === viewPx &&
      prev.margin === margin &&
      scroll >= prev.start + Math.min(margin, STRIP_SLACK) * view &&
      scroll + view <= prev.start + (2 * margin + 1 - Math.min(margin, STRIP_SLACK)) * view
    ) {
      return prev;
    }
    const next: Strip = { start: scroll - margin * view, samplesPerPixel: spp, viewportPx: viewPx, widthPx: (2 * margin + 1) * viewPx, margin };
    this.lastStrip = next;
    return next;
  });
  /** Where the strip's left edge is, in view pixels (the lanes' transform). */
  stripOffsetPx = $derived((this.strip.start - this.scroll) / this.samplesPerPixel);
  /** The ruler's ticks over the strip. */
  ticks: Tick[] = $derived.by(() => {
    const s = this.strip;
    return rulerTicks(Math.max(0, s.start), s.start + s.widthPx * s.samplesPerPixel, s.samplesPerPixel, this.sampleRate, this.timeFormat);
  });
  /** Tracks in the order drawn (a track being dragged shows at its new place). */
  tracks: Track[] = $derived.by(() => {
    const list = this.arrangement.tracks;
    const d = this.trackDrag;
    if (!d) return list;
    const moving = list.find((x) => x.id === d.trackId);
    if (!moving) return list;
    const rest = list.filter((x) => x.id !== d.trackId);
    rest.splice(clamp(d.index, 0, rest.length), 0, moving);
    return rest;
  });
  /** Top (px from the first lane) and height of each track as drawn. */
  trackLayout: { id: number; top: number; height: number }[] = $derived.by(() => {
    let top = 0;
    return this.tracks.map((tr) => {
      const height = this.heightOf(tr.id);
      const row = { id: tr.id, top, height };
      top += height;
      return row;
    });
  });
  lanesHeight = $derived(this.trackLayout.reduce((h, r) => h + r.height, 0));
  /** The clips of each track as the lanes draw them (drag previews applied), only those on the strip. */
  clipsByTrack: ReadonlyMap<number, Clip[]> = $derived.by(() => {
    const drag = this.drag;
    const s = this.strip;
    const lo = s.start;
    const hi = s.start + s.widthPx * s.samplesPerPixel;
    const by = new Map<number, Clip[]>();
    for (const c of this.arrangement.clips) {
      const p = drag?.to.get(c.id) ?? c;
      const end = p.start + (p.outPoint - p.inPoint);
      if (end < lo || p.start > hi) continue;
      const list = by.get(p.trackId);
      if (list) list.push(c);
      else by.set(p.trackId, [c]);
    }
    return by;
  });

  constructor(deps: TimelineDeps) {
    this.project = deps.project;
    this.arrangement = deps.arrangement;
    this.selection = deps.selection;
    this.errors = deps.errors;
    this.playheadOf = deps.playhead ?? (() => 0);
    this.pausesOf = deps.pauses ?? (() => []);
    this.frame = deps.frame ?? ((cb) => void setTimeout(cb, 16));
  }

  // ---- view

  setViewport(lanesPx: number): void {
    this.viewportPx = Math.max(MIN_VIEWPORT_PX, lanesPx);
    this.scroll = clampScroll(this.scroll, this.samplesPerPixel, this.viewportPx, this.contentSamples);
  }

  /** Scrolls so this many pixels of the content are left of the view (the scrollbar). */
  scrolledTo(px: number): void {
    this.smoothTarget = null;
    this.scroll = clampScroll(Math.max(0, px * this.samplesPerPixel), this.samplesPerPixel, this.viewportPx, this.contentSamples);
  }

  /** Puts `sample` at the view's left edge (clamped to the content). */
  scrollToSample(sample: number): void {
    this.smoothTarget = null;
    this.scroll = clampScroll(sample, this.samplesPerPixel, this.viewportPx, this.contentSamples);
  }

  /** Scrolls by `dx` pixels; `smooth` eases large jumps (a wheel notch) over a few frames. */
  scrollBy(dx: number, smooth = Math.abs(dx) >= SMOOTH_FROM_PX): void {
    const spp = this.samplesPerPixel;
    if (!smooth) {
      this.scrollToSample(this.scroll + dx * spp);
      return;
    }
    const from = this.smoothTarget ?? this.scroll;
    const target = clampScroll(from + dx * spp, spp, this.viewportPx, this.contentSamples);
    const running = this.smoothTarget !== null;
    this.smoothTarget = target;
    if (running) return;
    const step = () => {
      if (this.smoothTarget === null) return;
      const d = this.smoothTarget - this.scroll;
      if (Math.abs(d) < 0.5 * this.samplesPerPixel) {
        this.scroll = this.smoothTarget;
        this.smoothTarget = null;
        return;
      }
      this.scroll = this.scroll + d * SMOOTH_EASE;
      this.frame(step);
    };
    this.frame(step);
  }

  /**
   * A wheel or trackpad gesture over the lanes at view x: Ctrl (and a pinch, which the browser sends as a Ctrl wheel)
   * zooms around the pointer, Shift or a sideways swipe scrolls in time. Returns false for a plain vertical wheel,
   * which scrolls the tracks natively.
   */
  wheel(e: { deltaX: number; deltaY: number; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; x: number }): boolean {
    if (e.ctrlKey || e.metaKey) {
      this.zoomTo(this.samplesPerPixel * Math.exp(e.deltaY * WHEEL_ZOOM_PER_PX), e.x);
      return true;
    }
    if (e.shiftKey) {
      this.scrollBy(e.deltaY || e.deltaX);
      return true;
    }
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      this.scrollBy(e.deltaX, false);
      return true;
    }
    return false;
  }

  /** Pixels from the view's left edge for a sample. */
  xOf(sample: number): number {
    return (sample - this.scroll) / this.samplesPerPixel;
  }

  /** Pixels from the strip's left edge for a sample (what the lanes and the ruler lay out). */
  stripX(sample: number): number {
    return (sample - this.strip.start) / this.strip.samplesPerPixel;
  }

  /** The sample at a pixel of the view (0 at its left edge), never before 0. */
  sampleAt(x: number): number {
    return Math.max(0, this.scroll + x * this.samplesPerPixel);
  }

  private limits(): { min: number; max: number } {
    return zoomLimits(this.sampleRate, this.viewportPx, this.arrangement.endSample);
  }

  /**
   * Zooms to `samplesPerPixel`, keeping the sample under `anchorPx` (pixels from the view's left edge) in place.
   * The view stops fitting the arrangement until fit() is called.
   */
  zoomTo(samplesPerPixel: number, anchorPx = this.viewportPx / 2): void {
    const view = zoomAround({ samplesPerPixel: this.samplesPerPixel, scroll: this.scroll }, samplesPerPixel, anchorPx, this.limits());
    this.smoothTarget = null;
    this.zoomStep();
    this.chosenZoom = view.samplesPerPixel;
    this.scroll = clampScroll(view.scroll, view.samplesPerPixel, this.viewportPx, this.contentSamples);
  }

  /** A zoom step: the lanes lay out only the visible view until the zoom has settled. */
  private zoomStep(): void {
    if (!this.zoomSettled) this.zoomGesture = true;
    this.zoomSettled = false;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.settleZoom(), ZOOM_SETTLE_MS);
  }

  /** Ends a zoom gesture now rather than ZOOM_SETTLE_MS after its last step (a press on the lanes needs the clips' elements). */
  settleZoom(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    this.zoomSettled = true;
    this.zoomGesture = false;
  }

  /** Where keyboard and toolbar zooms centre: the pointer over the lanes, else the playhead when in view, else the middle. */
  zoomAnchor(): number {
    if (this.pointer) return this.pointer.x;
    const x = this.xOf(this.playheadOf());
    return x >= 0 && x <= this.viewportPx ? x : this.viewportPx / 2;
  }

  zoomIn(anchorPx = this.zoomAnchor()): void {
    this.zoomTo(this.samplesPerPixel / ZOOM_STEP, anchorPx);
  }

  zoomOut(anchorPx = this.zoomAnchor()): void {
    this.zoomTo(this.samplesPerPixel * ZOOM_STEP, anchorPx);
  }

  /** Back to the zoom that shows the whole arrangement. */
  fit(): void {
    this.smoothTarget = null;
    this.chosenZoom = null;
    this.scroll = 0;
  }

  /** Shows a span filling the view. */
  zoomToSpan(span: SampleRange): void {
    const v = viewForSpan(span, this.viewportPx, SELECTION_MARGIN_PX, this.limits());
    this.smoothTarget = null;
    this.chosenZoom = v.samplesPerPixel;
    this.scroll = clampScroll(v.scroll, v.samplesPerPixel, this.viewportPx, this.contentSamples);
  }

  /** The selected range, else the selected clips' span. */
  selectionSpan(): SampleRange | null {
    return this.selection.range ?? spanOf(this.selection.clips);
  }

  /** Zoom to the time range, or to the selected clips; nothing when nothing is selected. */
  zoomToSelection(): void {
    const span = this.selectionSpan();
    if (span) this.zoomToSpan(span);
  }

  /** Scrolls (at this zoom) so `span` is in view, when it is not already. */
  reveal(span: SampleRange): void {
    const { start, end } = this.visible;
    if (span.start >= start && span.end <= end) return;
    // Its start a little in from the left edge (a span longer than the view shows its beginning).
    this.scrollToSample(span.start - (end - start) * FOLLOW_LEAD);
  }

  /** Follow playback: page the view when the playhead nears its right edge or is out of it. */
  follow(sample: number): void {
    const { start, end } = this.visible;
    const viewSamples = end - start;
    if (sample >= start && sample <= start + viewSamples * FOLLOW_EDGE) return;
    this.scrollToSample(sample - viewSamples * FOLLOW_LEAD);
  }

  /** A project was opened or closed: the view starts over. */
  reset(): void {
    this.fit();
    this.drag = null;
    this.trackDrag = null;
    this.marquee = null;
    this.rangeAnchor = null;
    this.clipboard = [];
  }

  /** The view's state to remember between sessions. */
  snapshot(): { samplesPerPixel: number | null; scroll: number; trackHeights: Record<number, number> } {
    return { samplesPerPixel: this.chosenZoom, scroll: this.scroll, trackHeights: this.trackHeights };
  }

  restore(s: { samplesPerPixel?: unknown; scroll?: unknown; trackHeights?: unknown }): void {
    if (typeof s.samplesPerPixel === 'number' && s.samplesPerPixel > 0) this.chosenZoom = s.samplesPerPixel;
    if (typeof s.scroll === 'number' && s.scroll >= 0) this.scroll = s.scroll;
    if (s.trackHeights && typeof s.trackHeights === 'object') {
      const out: Record<number, number> = {};
      for (const [k, v] of Object.entries(s.trackHeights as Record<string, unknown>)) {
        if (typeof v === 'number' && Number.isFinite(v)) out[Number(k)] = clamp(v, MIN_TRACK_PX, MAX_TRACK_PX);
      }
      this.trackHeights = out;
    }
  }

  // ---- tracks

  heightOf(trackId: number): number {
    return this.trackHeights[trackId] ?? DEFAULT_TRACK_PX;
  }

  setTrackHeight(trackId: number, px: number): void {
    this.trackHeights = { ...this.trackHeights, [trackId]: Math.round(clamp(px, MIN_TRACK_PX, MAX_TRACK_PX)) };
  }

  /** The track under a y (px from the first lane's top), or the nearest one. */
  trackIndexAt(y: number): number {
    const rows = this.trackLayout;
    if (rows.length === 0) return -1;
    for (let i = 0; i < rows.length; i++) if (y < rows[i]!.top + rows[i]!.height) return i;
    return rows.length - 1;
  }

  beginTrackDrag(trackId: number): void {
    const index = this.arrangement.tracks.findIndex((x) => x.id === trackId);
    if (index >= 0) this.trackDrag = { trackId, index };
  }

  /** The reordered track's header is at y (px from the first lane's top). */
  trackDragTo(y: number): void {
    const d = this.trackDrag;
    if (!d) return;
    // Laid out without the dragged track, the index is where y falls among the others' middles.
    const others = this.arrangement.tracks.filter((x) => x.id !== d.trackId);
    let top = 0;
    let index = others.length;
    for (let i = 0; i < others.length; i++) {
      const h = this.heightOf(others[i]!.id);
      if (y < top + h / 2) {
        index = i;
        break;
      }
      top += h;
    }
    if (index !== d.index) this.trackDrag = { ...d, index };
  }

  async endTrackDrag(): Promise<void> {
    const d = this.trackDrag;
    if (!d) return;
    const track = this.arrangement.track(d.trackId);
    try {
      if (track) await this.arrangement.reorderTrack(track, d.index);
    } finally {
      this.trackDrag = null;
    }
  }

  // ---- clips

  /** Where a clip is drawn: its drag preview while it is dragged, else where the core has it. */
  placement(clip: Clip): ClipPlacement {
    return this.drag?.to.get(clip.id) ?? clip;
  }

  /** Pixel box of a clip on its lane (left from the view's edge) and of its whole take behind it. */
  box(clip: Clip): ReturnType<typeof clipBox> {
    return clipBox(this.placement(clip), this.samplesPerPixel, MIN_CLIP_PX, this.scroll);
  }

  /** The same box with its left edge from the strip's left edge (how the lanes lay it out). */
  stripBox(clip: Clip): ReturnType<typeof clipBox> {
    return clipBox(this.placement(clip), this.strip.samplesPerPixel, MIN_CLIP_PX, this.strip.start);
  }

  // ---- snapping

  /**
   * Positions a dragged point can snap to: the timeline's start, the playhead, the edges and pauses of every clip but
   * those being dragged, and the selected range's edges unless the range itself is being drawn.
   */
  snapCandidates(exclude: ReadonlySet<number> | number | null = null, withRange = true): number[] {
    const skip = typeof exclude === 'number' ? new Set([exclude]) : (exclude ?? new Set<number>());
    const out: number[] = [0, this.playheadOf()];
    const margin = this.visible.end - this.visible.start;
    for (const c of this.arrangement.clips) {
      if (skip.has(c.id)) continue;
      const s = clipSpan(c);
      out.push(s.start, s.end);
      // Pauses only where they can be reached: in or near the view.
      if (s.end >= this.visible.start - margin && s.start <= this.visible.end + margin) out.push(...this.pausesOf(c));
    }
    const range = this.selection.range;
    if (range && withRange) out.push(range.start, range.end);
    return out;
  }

  private snapPoint(sample: number, bypass: boolean, candidates: () => number[]): { position: number; target: number | null } {
    if (bypass || !this.snapping.enabled) return { position: sample, target: null };
    return snap(sample, candidates(), this.snapping.thresholdPx, this.samplesPerPixel);
  }

  /** Snaps a position (a click, a split point) unless bypassed. */
  snapped(sample: number, bypass = false): number {
    return Math.max(0, Math.round(this.snapPoint(sample, bypass, () => this.snapCandidates(null)).position));
  }

  toggleSnapping(): void {
    this.snapping = { ...this.snapping, enabled: !this.snapping.enabled };
  }

  // ---- clip drags

  /**
   * Starts moving a clip (with every selected clip when it is selected), or trimming one of its edges, with the
   * pointer at `pointerSample`.
   */
  beginDrag(clip: Clip, mode: DragMode, pointerSample: number): void {
    if (this.drag?.committing) return;
    const pick = (c: Clip): ClipPlacement => ({ trackId: c.trackId, start: c.start, inPoint: c.inPoint, outPoint: c.outPoint, takeLength: c.takeLength });
    const group = mode === 'move' && this.selection.isSelected(clip.id) ? this.selection.clips : [clip];
    const from = new Map(group.map((c) => [c.id, pick(c)]));
    if (!from.has(clip.id)) from.set(clip.id, pick(clip));
    const point = mode === 'trim-end' ? clip.start + (clip.outPoint - clip.inPoint) : clip.start;
    this.grab = pointerSample - point;
    this.drag = { clipId: clip.id, mode, from, to: from, snappedTo: null, committing: false };
  }

  /** The pointer moved to `pointerSample` (over the lane of `trackId` when moving); the preview follows. */
  dragTo(pointerSample: number, opts: { trackId?: number; bypassSnap?: boolean } = {}): void {
    const drag = this.drag;
    if (!drag || drag.committing) return;
    const anchor = drag.from.get(drag.clipId)!;
    const point = pointerSample - this.grab;
    const bypass = opts.bypassSnap || !this.snapping.enabled;
    const exclude = new Set(drag.from.keys());
    if (drag.mode === 'move') {
      const length = anchor.outPoint - anchor.inPoint;
      const snapped = bypass
        ? { position: point, target: null }
        : snapSpan(point, length, this.snapCandidates(exclude), this.snapping.thresholdPx, this.samplesPerPixel);
      const order = this.arrangement.trackOrder;
      let shift = this.trackShiftOf(drag);
      const over = opts.trackId === undefined ? -1 : order.indexOf(opts.trackId);
      if (over >= 0) shift = over - order.indexOf(anchor.trackId);
      const ids = [...drag.from.keys()];
      const moved = moveGroup(
        ids.map((id) => drag.from.get(id)!),
        snapped.position - anchor.start,
        shift,
        order,
      );
      this.drag = { ...drag, to: new Map(ids.map((id, i) => [id, moved[i]!])), snappedTo: snapped.target };
      return;
    }
    const snapped = this.snapPoint(point, bypass, () => this.snapCandidates(exclude));
    this.drag = { ...drag, to: new Map([[drag.clipId, dragPlacement(anchor, drag.mode, snapped.position)]]), snappedTo: snapped.target };
  }

  private trackShiftOf(drag: ClipDrag): number {
    const order = this.arrangement.trackOrder;
    const a = drag.from.get(drag.clipId)!;
    const b = drag.to.get(drag.clipId)!;
    return order.indexOf(b.trackId) - order.indexOf(a.trackId);
  }

  cancelDrag(): void {
    if (!this.drag?.committing) this.drag = null;
  }

  /**
   * Releases the drag: sends the new placements to the core once (nothing when they did not change) and drops the
   * preview when the core has answered. A move of several clips is one `clips.moveMany`; a left trim that moves the
   * clip's start is one `clips.trim` with the new start.
   */
  async endDrag(): Promise<void> {
    const drag = this.drag;
    if (!drag || drag.committing) return;
    const clip = this.arrangement.clip(drag.clipId);
    const changed = [...drag.to].filter(([id, to]) => {
      const from = drag.from.get(id)!;
      return to.start !== from.start || to.trackId !== from.trackId || to.inPoint !== from.inPoint || to.outPoint !== from.outPoint;
    });
    if (!clip || changed.length === 0) {
      this.drag = null;
      return;
    }
    this.drag = { ...drag, committing: true };
    try {
      if (drag.mode === 'move') {
        const moves: ClipMove[] = changed.map(([id, to]) => {
          const from = drag.from.get(id)!;
          return to.trackId !== from.trackId ? { clipId: id, start: to.start, trackId: to.trackId } : { clipId: id, start: to.start };
        });
        if (moves.length === 1) {
          const m = moves[0]!;
          const c = this.arrangement.clip(m.clipId)!;
          const { clipId: _id, ...to } = m;
          await this.errors.guard(t('ctx.move', { name: c.name }), () => this.arrangement.move(c, to));
        } else {
          await this.errors.guard(t('ctx.moveMany', { n: moves.length }), () => this.arrangement.moveMany(moves));
        }
      } else {
        const to = drag.to.get(clip.id)!;
        const from = drag.from.get(clip.id)!;
        await this.errors.guard(t('ctx.trim', { name: clip.name }), () =>
          this.arrangement.trim(clip, to.start !== from.start ? { inPoint: to.inPoint, outPoint: to.outPoint, start: to.start } : { inPoint: to.inPoint, outPoint: to.outPoint }),
        );
      }
    } finally {
      this.drag = null;
    }
  }

  /** True while clips are dragged to other tracks (the lanes show them there). */
  get crossTrack(): boolean {
    const d = this.drag;
    return !!d && !sameTrackIds(d.from, d.to);
  }

  // ---- range selection

  /** Starts drawing a time range at `sample`. */
  beginRange(sample: number, opts: { bypassSnap?: boolean } = {}): void {
    const at = this.snapPoint(sample, opts.bypassSnap ?? false, () => this.snapCandidates(null, false)).position;
    this.rangeAnchor = Math.max(0, Math.round(at));
    this.selection.setRange(null);
  }

  /** The pointer moved while drawing a range. */
  rangeTo(sample: number, opts: { bypassSnap?: boolean } = {}): void {
    if (this.rangeAnchor === null) return;
    const end = this.snapPoint(sample, opts.bypassSnap ?? false, () => this.snapCandidates(null, false)).position;
    this.selection.setRange(rangeBetween(this.rangeAnchor, Math.max(0, Math.round(end))));
  }

  /** The range is drawn (an empty one, a click, clears the selection). */
  endRange(): void {
    this.rangeAnchor = null;
  }

  get drawingRange(): boolean {
    return this.rangeAnchor !== null;
  }

  // ---- marquee

  /** Starts a marquee at lane pixel (x, y); `add` keeps the current selection (Shift / Ctrl). */
  beginMarquee(x: number, y: number, add = false): void {
    this.marquee = { x0: x, x1: x, y0: y, y1: y };
    this.marqueeAdd = add;
    if (!add) this.selection.setClips([]);
  }

  /** The pointer is at lane pixel (x, y); `x0` moves the start with the view when it scrolled under the drag. */
  marqueeTo(x: number, y: number, x0?: number): void {
    const m = this.marquee;
    if (!m) return;
    this.marquee = { ...m, x0: x0 ?? m.x0, x1: x, y1: y };
  }

  /** Selects the clips the marquee touches. */
  endMarquee(): void {
    const m = this.marquee;
    if (!m) return;
    this.marquee = null;
    const span = rangeBetween(this.sampleAt(Math.min(m.x0, m.x1)), this.sampleAt(Math.max(m.x0, m.x1)));
    const first = this.trackIndexAt(Math.min(m.y0, m.y1));
    const last = this.trackIndexAt(Math.max(m.y0, m.y1));
    if (first < 0) return;
    const hits = clipsInMarquee(this.arrangement.clips, { span, firstTrack: first, lastTrack: last }, this.arrangement.trackOrder);
    this.selection.setClips(
      hits.map((c) => c.id),
      this.marqueeAdd,
    );
  }

  // ---- editing commands on the selection

  /** Selects every clip. */
  selectAll(): void {
    this.selection.setClips(this.arrangement.clips.map((c) => c.id));
  }

  /**
   * Splits at a timeline sample: the selected clips that span it, or, with none selected, the clips under it on the
   * selected track (every track when none is selected). Each split is one history entry named after its clip.
   */
  async splitAt(sample: number): Promise<void> {
    const at = Math.round(sample);
    const inside = (c: Clip) => at > c.start + MIN_CLIP_SAMPLES / 2 && at < c.start + (c.outPoint - c.inPoint) - MIN_CLIP_SAMPLES / 2;
    let targets = this.selection.clips.filter(inside);
    if (targets.length === 0 && this.selection.clipIds.length === 0) {
      const track = this.selection.trackId;
      targets = this.arrangement.clips.filter((c) => inside(c) && (track === null || c.trackId === track));
    }
    for (const c of targets) {
      const right = await this.arrangement.split(c, at);
      if (right && this.selection.isSelected(c.id)) this.selection.setClips([right.id], true);
    }
  }

  /** Split at the pointer (over a lane), snapped unless bypassed. */
  async splitAtPointer(bypassSnap = false): Promise<void> {
    const p = this.pointer;
    if (!p) return;
    await this.splitAt(this.snapped(this.sampleAt(p.x), bypassSnap));
  }

  /** Moves the selected clips by `sec` seconds (±, never before 0); one history entry. */
  async nudge(direction: -1 | 1, coarse = false): Promise<boolean> {
    const clips = this.selection.clips;
    if (clips.length === 0) return false;
    const delta = Math.round(direction * (coarse ? NUDGE_COARSE_SEC : NUDGE_SEC) * this.sampleRate);
    const placed = moveGroup(clips, delta, 0, this.arrangement.trackOrder);
    const moves: ClipMove[] = clips
      .map((c, i) => ({ clipId: c.id, start: placed[i]!.start }))
      .filter((m, i) => m.start !== clips[i]!.start);
    if (moves.length === 0) return true;
    if (moves.length === 1) {
      const c = clips.find((x) => x.id === moves[0]!.clipId)!;
      await this.errors.guard(t('ctx.move', { name: c.name }), () => this.arrangement.move(c, { start: moves[0]!.start }));
    } else {
      await this.errors.guard(t('ctx.moveMany', { n: moves.length }), () => this.arrangement.moveMany(moves));
    }
    return true;
  }

  async deleteSelected(): Promise<void> {
    await this.arrangement.deleteClips(this.selection.clips);
  }

  copySelected(): boolean {
    const ids = this.selection.clips.map((c) => c.id);
    if (ids.length) this.clipboard = ids;
    return ids.length > 0;
  }

  async cutSelected(): Promise<void> {
    if (this.copySelected()) await this.deleteSelected();
  }

  /** Pastes the copied clips at `at` (the playhead) on the selected track; the copies become the selection. */
  async paste(at: number): Promise<SampleRange | null> {
    const clips = this.clipboard.map((id) => this.arrangement.clip(id)).filter((c): c is Clip => c !== null);
    if (clips.length === 0) return null;
    const made = await this.arrangement.copy(clips, at, this.selection.trackId ?? undefined);
    if (!made?.length) return null;
    this.selection.setClips(made.map((c) => c.id));
    return spanOf(made);
  }

  /** Copies the selected clips right after themselves (same tracks); the copies become the selection. */
  async duplicate(): Promise<SampleRange | null> {
    const clips = this.selection.clips;
    const span = spanOf(clips);
    if (!span) return null;
    const order = this.arrangement.trackOrder;
    const top = clips.reduce((best, c) => (order.indexOf(c.trackId) < order.indexOf(best.trackId) ? c : best), clips[0]!);
    const made = await this.arrangement.copy(clips, span.end, top.trackId);
    if (!made?.length) return null;
    this.selection.setClips(made.map((c) => c.id));
    return spanOf(made);
  }
}
