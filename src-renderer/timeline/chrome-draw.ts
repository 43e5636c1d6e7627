// Drawing clip boxes on a lane's canvas, for the frames of a zoom gesture (see Lane.svelte). A clip's box is an
// element (ClipView: header bar, handles, body, focus and test ids); while the zoom changes in a run of steps every box
// is laid out, pre-painted and painted again each frame, and with a few hundred clips in view that alone takes longer
// than a frame on the machines we measure on (bench/timeline/README.md). For those frames the lane draws what the boxes
// show instead — border, header bar, name (kept in view at the view's left edge, cut with an ellipsis) and length, the
// spans an edit changed — and ClipView's elements come back when the zoom settles. The geometry mirrors ClipView's
// styles (`chromeLayout`); the texts are drawn on an OffscreenCanvas and copied onto the lane, because text drawn on
// a canvas in the document makes Chromium bring the document's style up to date in the middle of the frame (as the
// ruler found, ruler-draw.ts). Pure apart from the contexts it is given.

/** One clip's box on the lane's strip (CSS pixels), and what it shows. */
export interface ChromeBox {
  left: number;
  width: number;
  name: string;
  /** The length label (asked for only when the box is wide enough to show it). */
  length: () => string;
  selected: boolean;
  /** Spans an edit changed, in pixels from the box's left edge. */
  changed: readonly { left: number; width: number }[];
}

export interface ChromeColors {
  head: string;
  headSelected: string;
  border: string;
  borderSelected: string;
  text: string;
  text2: string;
  changedFill: string;
  changedEdge: string;
  /** CSS font shorthands of the name and of the length. */
  nameFont: string;
  lengthFont: string;
}

export interface ChromeFrame {
  /** The strip's width and the lane's height inside its border (CSS pixels), and device pixels per CSS pixel. */
  width: number;
  height: number;
  dpr: number;
  /** Space above and below a box, and its header bar's height. */
  inset: number;
  header: number;
  /** Where the view's left edge is on the strip (a name is kept in view there). */
  viewLeft: number;
}

// ClipView's styles: 1 px border, 7 px padding in the header, 8 px between name and length, the length shown from 110
// px, the name from 24 px, and a name kept in view at the view's edge while 80 px of the clip show.
const BORDER_PX = 1;
const PAD_PX = 7;
const GAP_PX = 8;
export const SHOW_LENGTH_PX = 110;
export const SHOW_NAME_PX = 24;
const NAME_KEPT_PX = 80;
const RADIUS_PX = 4;
const ELLIPSIS = '…';

/**
 * How far right a clip's name is pushed to stay in view: a clip that starts left of the view's edge keeps its name
 * in view while 80 px of it show.
 */
export function nameShift(box: { left: number; width: number }, viewLeft: number): number {
  return Math.max(0, Math.min(viewLeft - box.left, box.width - NAME_KEPT_PX));
}

export interface ChromeText {
  text: string;
  x: number;
}

/** Where a box's texts go: the name (cut to fit, with an ellipsis) and the length, or null for what does not show. */
export function chromeLayout(
  box: Pick<ChromeBox, 'left' | 'width' | 'name' | 'length'>,
  viewLeft: number,
  measureName: (text: string) => number,
  measureLength: (text: string) => number,
): { name: ChromeText | null; length: ChromeText | null } {
  const x0 = box.left + BORDER_PX + PAD_PX;
  const x1 = box.left + box.width - BORDER_PX - PAD_PX;
  let length: ChromeText | null = null;
  let nameEnd = x1;
  if (box.width > SHOW_LENGTH_PX) {
    const text = box.length();
    const x = x1 - measureLength(text);
    length = { text, x };
    nameEnd = x - GAP_PX;
  }
  if (!(box.width > SHOW_NAME_PX)) return { name: null, length };
  const x = x0 + nameShift(box, viewLeft);
  const room = nameEnd - x;
  if (room <= 0) return { name: null, length };
  return { name: { text: fitText(box.name, room, measureName), x }, length };
}

/** The text, or its longest beginning followed by an ellipsis that fits in `room` pixels (the ellipsis alone else). */
export function fitText(text: string, room: number, measure: (text: string) => number): string {
  if (measure(text) <= room) return text;
  const chars = Array.from(text);
  let lo = 0;
  let hi = chars.length - 1;
  // The longest prefix p with width(p + …) ≤ room; widths grow with the prefix.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(chars.slice(0, mid).join('') + ELLIPSIS) <= room) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('').trimEnd() + ELLIPSIS;
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

// Text widths by font and text: a zoom frame asks for the same names again and again.
const widths = new Map<string, Map<string, number>>();
function measurer(ctx: Context2D, font: string): (text: string) => number {
  let cache = widths.get(font);
  if (!cache) {
    cache = new Map();
    widths.set(font, cache);
  }
  const c = cache;
  return (text) => {
    let w = c.get(text);
    if (w === undefined) {
      if (ctx.font !== font) ctx.font = font;
      w = ctx.measureText(text).width;
      if (c.size > 4096) c.clear();
      c.set(text, w);
    }
    return w;
  };
}

/** Whether any of a box lies between the columns [cols[0], cols[1]). */
function inColumns(b: { left: number; width: number }, cols: readonly [number, number]): boolean {
  return b.left < cols[1] && b.left + b.width > cols[0];
}

/**
 * Draws the boxes over columns [cols[0], cols[1]) of the lane (after its waveforms): borders, header bars and the
 * changed spans on `ctx`, the texts on `band` (an OffscreenCanvas as wide as the lane, at least as tall as the header
 * rows) copied onto `ctx`.
 */
export function drawChrome(
  ctx: CanvasRenderingContext2D,
  band: OffscreenCanvas,
  f: ChromeFrame,
  boxes: readonly ChromeBox[],
  colors: ChromeColors,
  cols: readonly [number, number] = [0, f.width],
): void {
  const a = Math.max(0, Math.floor(cols[0]));
  const b = Math.min(f.width, Math.ceil(cols[1]));
  if (b <= a || f.height <= 2 * f.inset + 2) return;
  // Box edges on whole device pixels, where the layout puts an element's border.
  const snap = (v: number) => Math.round(v * f.dpr) / f.dpr;
  const list = boxes
    .filter((x) => inColumns(x, [a, b]))
    .map((x) => {
      const left = snap(x.left);
      return { ...x, left, width: snap(x.left + x.width) - left, laid: { left: x.left, width: x.width } };
    });
  if (list.length === 0) return;
  const top = f.inset;
  const h = f.height - 2 * f.inset;
  const headTop = top + BORDER_PX;
  const headBottom = headTop + f.header;
  ctx.save();
  ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
  ctx.beginPath();
  ctx.rect(a, 0, b - a, f.height);
  ctx.clip();
  // Changed spans under the header bars, as ClipView's shaded elements.
  for (const x of list) {
    if (x.changed.length === 0) continue;
    for (const s of x.changed) {
      const l = x.left + BORDER_PX + s.left;
      ctx.fillStyle = colors.changedFill;
      ctx.fillRect(l, headBottom, s.width, top + h - BORDER_PX - headBottom);
      ctx.fillStyle = colors.changedEdge;
      for (let y = headBottom; y < top + h - BORDER_PX; y += 6) {
        const len = Math.min(3, top + h - BORDER_PX - y);
        ctx.fillRect(l, y, 1, len);
        ctx.fillRect(l + s.width - 1, y, 1, len);
      }
    }
  }
  // Header bars, then borders: a small box gets square corners (its rounding would not show).
  for (const selected of [false, true]) {
    ctx.fillStyle = selected ? colors.headSelected : colors.head;
    ctx.beginPath();
    for (const x of list) {
      if (x.selected !== selected) continue;
      const w = x.width - 2 * BORDER_PX;
      if (w <= 0) continue;
      if (x.width >= 3 * RADIUS_PX) ctx.roundRect(x.left + BORDER_PX, headTop, w, f.header, [RADIUS_PX - 1, RADIUS_PX - 1, 0, 0]);
      else ctx.rect(x.left + BORDER_PX, headTop, w, f.header);
    }
    ctx.fill();
    ctx.strokeStyle = selected ? colors.borderSelected : colors.border;
    ctx.lineWidth = BORDER_PX;
    ctx.beginPath();
    for (const x of list) {
      if (x.selected !== selected) continue;
      if (x.width >= 3 * RADIUS_PX) ctx.roundRect(x.left + 0.5, top + 0.5, x.width - 1, h - 1, RADIUS_PX);
      else ctx.rect(x.left + 0.5, top + 0.5, Math.max(0, x.width - 1), h - 1);
    }
    ctx.stroke();
  }
  ctx.restore();
  drawTexts(ctx, band, f, list, colors, a, b, headTop);
}

function drawTexts(
  ctx: CanvasRenderingContext2D,
  band: OffscreenCanvas,
  f: ChromeFrame,
  list: readonly (ChromeBox & { laid: { left: number; width: number } })[],
  colors: ChromeColors,
  a: number,
  b: number,
  headTop: number,
): void {
  const w = Math.round(f.width * f.dpr);
  const rows = headTop + f.header;
  const hpx = Math.ceil(rows * f.dpr);
  if (band.width !== w) band.width = w;
  if (band.height !== hpx) band.height = hpx;
  const tctx = band.getContext('2d');
  if (!tctx) return;
  tctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
  tctx.clearRect(a, 0, b - a, rows);
  tctx.save();
  tctx.beginPath();
  tctx.rect(a, 0, b - a, rows);
  tctx.clip();
  const measureName = measurer(tctx, colors.nameFont);
  const measureLength = measurer(tctx, colors.lengthFont);
  // Texts at the layout's own (unsnapped) offsets, as the elements' texts are placed.
  const laid = list.map((x) => ({ x, t: chromeLayout({ ...x, ...x.laid }, f.viewLeft, measureName, measureLength) }));
  const mid = headTop + f.header / 2;
  tctx.textBaseline = 'middle';
  tctx.font = colors.nameFont;
  tctx.fillStyle = colors.text;
  for (const { t } of laid) if (t.name) tctx.fillText(t.name.text, t.name.x, mid);
  tctx.font = colors.lengthFont;
  tctx.fillStyle = colors.text2;
  for (const { t } of laid) if (t.length) tctx.fillText(t.length.text, t.length.x, mid);
  tctx.restore();
  const sx = Math.floor(a * f.dpr);
  const sw = Math.min(w, Math.ceil(b * f.dpr)) - sx;
  if (sw <= 0) return;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(band, sx, 0, sw, hpx, sx, 0, sw, hpx);
  ctx.restore();
}
