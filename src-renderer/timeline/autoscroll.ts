// Scrolling the view while a drag (a clip, an edge, a range, a marquee) is held near or past its left or right edge,
// as every editor does: the nearer the edge (or the farther past it), the faster; the drag is re-applied at the
// pointer after each step, because the sample under it has changed.

import type { TimelineController } from './timeline.svelte';

// The band at each edge where the view starts to scroll, and the fastest speed (pixels a frame) at or past the edge.
const EDGE_PX = 32;
const MAX_STEP_PX = 28;

export class EdgeScroller {
  private x = 0;
  private frame = 0;
  private readonly timeline: TimelineController;
  private readonly reapply: () => void;

  constructor(timeline: TimelineController, reapply: () => void) {
    this.timeline = timeline;
    this.reapply = reapply;
  }

  /** The pointer is at view x (pixels from the lanes' left edge). */
  update(x: number): void {
    this.x = x;
    if (this.step() !== 0 && !this.frame) this.frame = requestAnimationFrame(this.tick);
  }

  private step(): number {
    const w = this.timeline.viewportPx;
    if (this.x < EDGE_PX) return -Math.min(MAX_STEP_PX, ((EDGE_PX - this.x) / EDGE_PX) * MAX_STEP_PX);
    if (this.x > w - EDGE_PX) return Math.min(MAX_STEP_PX, ((this.x - (w - EDGE_PX)) / EDGE_PX) * MAX_STEP_PX);
    return 0;
  }

  private tick = (): void => {
    this.frame = 0;
    const dx = this.step();
    if (dx === 0) return;
    const before = this.timeline.scroll;
    this.timeline.scrollBy(dx, false);
    if (this.timeline.scroll !== before) this.reapply();
    this.frame = requestAnimationFrame(this.tick);
  };

  stop(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}
