// The fitted view's scale in pixels per second (what "fit" and an untouched view show); sample ↔ pixel maths and
// zoom in samples per pixel are in geometry.ts, the ruler's ticks in timecode.ts.

// The fitted view always spans at least this many seconds, so one short clip does not fill the whole width.
const MIN_VIEW_SEC = 12;
// Room after the last clip in the fitted view (8 %), so its end is never flush with the edge.
const FIT_ROOM = 1.08;

/** Pixels per second that show `contentSec` (at least MIN_VIEW_SEC) across `viewPx`, however long: an hour fits too. */
export function fitPxPerSec(viewPx: number, contentSec: number): number {
  const span = Math.max(MIN_VIEW_SEC, contentSec * FIT_ROOM);
  return Math.max(1, viewPx) / span;
}
