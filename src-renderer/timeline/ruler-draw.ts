// Drawing the ruler's ticks and labels on its canvas (as wide as the lanes' strip). A canvas rather than an element
// per tick: while zooming every tick moves and most are replaced each frame, which as elements cost more in creating,
// styling and laying them out than everything else on the ruler. The ruler draws on an OffscreenCanvas and copies the
// picture onto its canvas: text drawn on a canvas in the document makes Chromium bring the document's style up to
// date first, a forced style pass in the middle of a frame's updates (several ms with 300 clips being laid out).
// Pure apart from the 2D context it is given.

import type { Tick } from './timecode';

export interface RulerColors {
  minor: string;
  major: string;
  label: string;
  /** The labels' font (CSS shorthand). */
  font: string;
}

export interface RulerFrame {
  width: number;
  height: number;
  dpr: number;
  /** Sample at the canvas's left edge, and the zoom it is drawn at. */
  start: number;
  samplesPerPixel: number;
}

// Tick heights from the ruler's bottom edge, and where a label sits beside its tick (as the ruler has always shown).
const MINOR_PX = 6;
const MAJOR_PX = 12;
const LABEL_DX = 4;
const LABEL_BOTTOM_PX = 10;

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

const fonts = new WeakMap<Context2D, string>();

/** Clears the canvas and draws every tick (a major one with its label). */
export function drawRuler(ctx: Context2D, f: RulerFrame, ticks: readonly Tick[], colors: RulerColors): void {
  ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
  ctx.clearRect(0, 0, f.width, f.height);
  for (const major of [false, true]) {
    ctx.fillStyle = major ? colors.major : colors.minor;
    const h = major ? MAJOR_PX : MINOR_PX;
    for (const tk of ticks) {
      if (tk.major !== major) continue;
      const x = Math.round((tk.sample - f.start) / f.samplesPerPixel);
      if (x >= -1 && x <= f.width) ctx.fillRect(x, f.height - h, 1, h);
    }
  }
  ctx.fillStyle = colors.label;
  // The font is parsed only when the context lacks it: the first time, after a new theme, and after a resize, which
  // resets the context's state (the text baseline back at its default shows that).
  if (ctx.textBaseline !== 'bottom' || fonts.get(ctx) !== colors.font) {
    ctx.font = colors.font;
    ctx.textBaseline = 'bottom';
    fonts.set(ctx, colors.font);
  }
  for (const tk of ticks) {
    if (!tk.major || !tk.label) continue;
    const x = Math.round((tk.sample - f.start) / f.samplesPerPixel);
    // A label starting left of the canvas may still show its end.
    if (x > f.width) continue;
    ctx.fillText(tk.label, x + LABEL_DX, f.height - LABEL_BOTTOM_PX);
  }
}
