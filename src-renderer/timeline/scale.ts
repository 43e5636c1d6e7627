// The fitted view's scale in pixels per second and the ruler's ticks (spacing and labels); sample ↔ pixel maths and
// zoom in samples per pixel are in geometry.ts.

// Candidate tick steps in seconds; the first that leaves at least MIN_TICK_PX between labels is used.
const TICK_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
const MIN_TICK_PX = 72;
// Never zoom out so far that a second is narrower than this (long sessions scroll instead).
const MIN_PX_PER_SEC = 4;
// The fitted view always spans at least this many seconds, so one short clip does not fill the whole width.
const MIN_VIEW_SEC = 12;

export function fitPxPerSec(viewPx: number, contentSec: number): number {
  const span = Math.max(MIN_VIEW_SEC, contentSec * 1.08);
  return Math.max(MIN_PX_PER_SEC, viewPx / span);
}

export function tickStep(pxPerSec: number): number {
  return TICK_STEPS.find((s) => s * pxPerSec >= MIN_TICK_PX) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
}

export function ticks(pxPerSec: number, widthPx: number): { sec: number; x: number; major: boolean }[] {
  const step = tickStep(pxPerSec);
  const out: { sec: number; x: number; major: boolean }[] = [];
  const total = widthPx / pxPerSec;
  for (let i = 0; i * step <= total; i++) {
    const sec = i * step;
    out.push({ sec, x: sec * pxPerSec, major: true });
    const half = sec + step / 2;
    if (half <= total) out.push({ sec: half, x: half * pxPerSec, major: false });
  }
  return out;
}

export function tickLabel(sec: number, step: number): string {
  const m = Math.floor(sec / 60);
  const s = sec - m * 60;
  const decimals = step < 1 ? 1 : 0;
  return `${m}:${s.toFixed(decimals).padStart(decimals ? 4 : 2, '0')}`;
}
