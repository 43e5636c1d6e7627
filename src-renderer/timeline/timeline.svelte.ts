// The timeline's view and gestures: zoom (samples per pixel; fitted to the arrangement until the user picks one),
// horizontal scroll (the sample at the left edge), snapping, the time-range selection and the preview of a clip being
// moved or trimmed. A drag lives here only, as a placement the lanes draw instead of the clip's own, and is committed
// once on release through the arrangement (one call to the core); nothing is read back from the DOM. The maths is in
// geometry.ts; the components only report pointer positions and sizes and draw what this says.

import type { Clip } from '../../src-main/contract';
import type { ArrangementController } from '../lib/arrangement.svelte';
import type { ErrorsController } from '../lib/errors.svelte';
import type { ProjectController } from '../lib/project.svelte';
import type { SelectionController } from '../lib/selection.svelte';
import {
  clampScroll,
  clipBox,
  contentWidthPx,
  dragPlacement,
  fitSamplesPerPixel,
  pxPerSecond,
  rangeBetween,
  snap,
  snapSpan,
  zoomAround,
  zoomLimits,
  type ClipPlacement,
  type DragMode,
} from './geometry';

export interface SnapSettings {
  enabled: boolean;
  /** How close (on screen) a position must come to a candidate to snap to it. */
  thresholdPx: number;
}

export interface ClipDrag {
  clipId: number;
  mode: DragMode;
  /** The clip as it was when the drag began. */
  from: ClipPlacement;
  /** Where it would be if released now. */
  to: ClipPlacement;
  /** The snap candidate the dragged point sits on, for a guide line; null when free. */
  snappedTo: number | null;
  /** The release is being sent to the core; the preview stays until it answers. */
  committing: boolean;
}

export interface TimelineDeps {
  project: ProjectController;
  arrangement: ArrangementController;
  selection: SelectionController;
  errors: ErrorsController;
}

// Narrowest the lanes are laid out, whatever the window (the timeline scrolls instead).
const MIN_VIEWPORT_PX = 200;
// The fitted zoom leaves this much room at the right of the content.
const FIT_MARGIN_PX = 24;
// Clips stay at least this wide on screen, so a very short one can still be clicked.
const MIN_CLIP_PX = 6;
// Snapping reaches 8 px either side: about the pointer's own jitter on a click, less than a clip handle.
const SNAP_THRESHOLD_PX = 8;

export class TimelineController {
  private readonly project: ProjectController;
  private readonly arrangement: ArrangementController;
  private readonly selection: SelectionController;
  private readonly errors: ErrorsController;
  /** Visible width of the lanes in pixels (what the window gives them). */
  viewportPx = $state(744);
  /** Zoom chosen by the user; null while the view fits the arrangement. */
  private chosenZoom = $state<number | null>(null);
  /** Sample at the left edge of the visible lanes. */
  scroll = $state(0);
  snapping = $state<SnapSettings>({ enabled: true, thresholdPx: SNAP_THRESHOLD_PX });
  drag = $state.raw<ClipDrag | null>(null);
  /** Where a range drag started (samples); null when no range is being drawn. */
  private rangeAnchor: number | null = null;
  /** Offset from the pointer to the dragged point (clip start or edge) when the drag began. */
  private grab = 0;

  sampleRate = $derived.by(() => this.project.sampleRate);
  fitted = $derived(this.chosenZoom === null);
  samplesPerPixel = $derived.by(
    () => this.chosenZoom ?? fitSamplesPerPixel(this.viewportPx - FIT_MARGIN_PX, this.arrangement.endSample, this.sampleRate),
  );
  /** For the ruler, whose tick spacing is chosen in seconds. */
  pxPerSecond = $derived(pxPerSecond(this.samplesPerPixel, this.sampleRate));
  contentPx = $derived.by(() => contentWidthPx(this.arrangement.endSample, this.sampleRate, this.samplesPerPixel, this.viewportPx));
  scrollPx = $derived(this.scroll / this.samplesPerPixel);
  /** The clips of each track as the lanes draw them: a clip being dragged to another track shows there. */
  clipsByTrack: ReadonlyMap<number, Clip[]> = $derived.by(() => {
    const drag = this.drag;
    if (!drag || drag.to.trackId === drag.from.trackId) return this.arrangement.clipsByTrack;
    const by = new Map<number, Clip[]>();
    for (const c of this.arrangement.clips) {
      const track = c.id === drag.clipId ? drag.to.trackId : c.trackId;
      const list = by.get(track);
      if (list) list.push(c);
      else by.set(track, [c]);
    }
    return by;
  });

  constructor(deps: TimelineDeps) {
    this.project = deps.project;
    this.arrangement = deps.arrangement;
    this.selection = deps.selection;
    this.errors = deps.errors;
  }

  // ---- view

  setViewport(lanesPx: number): void {
    this.viewportPx = Math.max(MIN_VIEWPORT_PX, lanesPx);
  }

  /** The lanes were scrolled (by the user or the browser) to this many pixels. */
  scrolledTo(px: number): void {
    this.scroll = Math.max(0, px * this.samplesPerPixel);
  }

  /** Pixels from the lanes' content start for a sample. */
  xOf(sample: number): number {
    return sample / this.samplesPerPixel;
  }

  /** The sample at a pixel of the lanes' content (0 at their left end), never before 0. */
  sampleAt(x: number): number {
    return Math.max(0, x * this.samplesPerPixel);
  }

  /**
   * Zooms to `samplesPerPixel`, keeping the sample under `anchorPx` (pixels from the visible lanes' left edge) in
   * place. The view stops fitting the arrangement until fit() is called.
   */
  zoomTo(samplesPerPixel: number, anchorPx = this.viewportPx / 2): void {
    const limits = zoomLimits(this.sampleRate, this.viewportPx, this.arrangement.endSample);
    const view = zoomAround({ samplesPerPixel: this.samplesPerPixel, scroll: this.scroll }, samplesPerPixel, anchorPx, limits);
    this.chosenZoom = view.samplesPerPixel;
    const widthPx = contentWidthPx(this.arrangement.endSample, this.sampleRate, view.samplesPerPixel, this.viewportPx);
    this.scroll = clampScroll(view.scroll, view.samplesPerPixel, this.viewportPx, widthPx * view.samplesPerPixel);
  }

  /** Back to the zoom that shows the whole arrangement. */
  fit(): void {
    this.chosenZoom = null;
    this.scroll = 0;
  }

  /** A project was opened or closed: the view starts over. */
  reset(): void {
    this.fit();
    this.drag = null;
    this.rangeAnchor = null;
  }

  /** Where a clip is drawn: its drag preview while it is dragged, else where the core has it. */
  placement(clip: Clip): ClipPlacement {
    const drag = this.drag;
    return drag && drag.clipId === clip.id ? drag.to : clip;
  }

  /** Pixel box of a clip on its lane and of its whole take behind it. */
  box(clip: Clip): ReturnType<typeof clipBox> {
    return clipBox(this.placement(clip), this.samplesPerPixel, MIN_CLIP_PX);
  }

  // ---- snapping

  /**
   * Positions a dragged point can snap to: the timeline's start, the edges of every clip but the dragged one, and the
   * selected range's edges unless the range itself is being drawn.
   */
  snapCandidates(excludeClipId: number | null = null, withRange = true): number[] {
    const out: number[] = [0];
    for (const c of this.arrangement.clips) {
      if (c.id === excludeClipId) continue;
      out.push(c.start, c.start + (c.outPoint - c.inPoint));
    }
    const range = this.selection.range;
    if (range && withRange) out.push(range.start, range.end);
    return out;
  }

  private snapPoint(sample: number, bypass: boolean, candidates: () => number[]): { position: number; target: number | null } {
    if (bypass || !this.snapping.enabled) return { position: sample, target: null };
    return snap(sample, candidates(), this.snapping.thresholdPx, this.samplesPerPixel);
  }

  // ---- clip drags

  /** Starts moving a clip, or trimming one of its edges, with the pointer at `pointerSample`. */
  beginDrag(clip: Clip, mode: DragMode, pointerSample: number): void {
    if (this.drag?.committing) return;
    const from: ClipPlacement = {
      trackId: clip.trackId,
      start: clip.start,
      inPoint: clip.inPoint,
      outPoint: clip.outPoint,
      takeLength: clip.takeLength,
    };
    const point = mode === 'trim-end' ? clip.start + (clip.outPoint - clip.inPoint) : clip.start;
    this.grab = pointerSample - point;
    this.drag = { clipId: clip.id, mode, from, to: from, snappedTo: null, committing: false };
  }

  /** The pointer moved to `pointerSample` (over the lane of `trackId` when moving); the preview follows. */
  dragTo(pointerSample: number, opts: { trackId?: number; bypassSnap?: boolean } = {}): void {
    const drag = this.drag;
    if (!drag || drag.committing) return;
    const point = pointerSample - this.grab;
    let snapped: { position: number; target: number | null };
    if (drag.mode === 'move') {
      const length = drag.from.outPoint - drag.from.inPoint;
      snapped =
        opts.bypassSnap || !this.snapping.enabled
          ? { position: point, target: null }
          : snapSpan(point, length, this.snapCandidates(drag.clipId), this.snapping.thresholdPx, this.samplesPerPixel);
    } else {
      snapped = this.snapPoint(point, opts.bypassSnap ?? false, () => this.snapCandidates(drag.clipId));
    }
    const trackId = drag.mode === 'move' ? (opts.trackId ?? drag.to.trackId) : drag.from.trackId;
    this.drag = { ...drag, to: dragPlacement(drag.from, drag.mode, snapped.position, trackId), snappedTo: snapped.target };
  }

  cancelDrag(): void {
    if (!this.drag?.committing) this.drag = null;
  }

  /**
   * Releases the drag: sends the new placement to the core once (nothing when it did not change) and drops the
   * preview when the core has answered. A left trim that moves the clip's start is a trim and a move.
   */
  async endDrag(): Promise<void> {
    const drag = this.drag;
    if (!drag || drag.committing) return;
    const clip = this.arrangement.clip(drag.clipId);
    const { from, to } = drag;
    const moved = to.start !== from.start || to.trackId !== from.trackId;
    const trimmed = to.inPoint !== from.inPoint || to.outPoint !== from.outPoint;
    if (!clip || (!moved && !trimmed)) {
      this.drag = null;
      return;
    }
    this.drag = { ...drag, committing: true };
    try {
      if (drag.mode === 'move') {
        await this.errors.guard(`Move ${clip.name}`, () =>
          this.arrangement.move(clip, to.trackId !== from.trackId ? { start: to.start, trackId: to.trackId } : { start: to.start }),
        );
      } else {
        await this.errors.guard(`Trim ${clip.name}`, async () => {
          await this.arrangement.trim(clip, { inPoint: to.inPoint, outPoint: to.outPoint });
          if (to.start !== from.start) await this.arrangement.move(clip, { start: to.start });
        });
      }
    } finally {
      this.drag = null;
    }
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
}
