// Drawing one lane's waveforms on its canvas (one canvas per lane, as wide as the lanes' strip): for each clip, the
// part of its take between its in and out points, from the peaks at the zoom's resolution, or from the samples
// themselves at deep zoom (a line through them, with dots when each sample is several pixels wide). Only the visible
// columns are computed, so an hour-long clip costs what a short one does. Imports under way are drawn the same way
// from the waveform streamed so far. Pure apart from the 2D context it is given.
//
// The clip bodies and waveform columns are written as pixels into an ImageData and put on the canvas at once
// (`drawLanePixels`); only the line through the samples at deep zoom is drawn with the canvas's own operations. While
// zooming every lane is drawn again each frame, and Chromium's software canvas rasterises thousands of one-column
// rectangles several times slower than writing the same pixels (six lanes of 1400 columns: about 6 ms of rectangles,
// 30 ms as paths, under 2 ms as pixels). Colours the pixel writer cannot read (anything but #hex and rgb()/rgba())
// fall back to drawing with rectangles, as does a big-endian machine.

import type { Wave } from '../lib/wave';

export interface LaneClip {
  /** Timeline start (project samples) of the clip's first sample. */
  start: number;
  inPoint: number;
  outPoint: number;
  selected: boolean;
  /** The waveform of the clip's media (null: not here yet). */
  wave: Wave | null;
  /** At deep zoom: the media's samples over the visible part, when read (see PeaksCache.samples). */
  samples?: ((t0: number, t1: number) => { start: number; rate: number; channels: Float32Array[] }[] | null) | undefined;
}

export interface LaneColors {
  wave: string;
  waveSelected: string;
  /** The clip body behind the wave. */
  body: string;
  bodySelected: string;
  centre: string;
  /** Vertical grid lines at the ruler's major ticks. */
  grid?: string;
}

export interface LaneFrame {
  width: number;
  height: number;
  dpr: number;
  scroll: number;
  samplesPerPixel: number;
  /** Project sample rate (clip positions are in its samples). */
  sampleRate: number;
  /** Pixels at the top of each clip taken by its header bar (and at the bottom by its border). */
  top: number;
  bottom: number;
}

/** The pixel span a clip covers, clipped to the columns being drawn. */
function visibleColumns(c: { start: number; inPoint: number; outPoint: number }, f: LaneFrame, cols: readonly [number, number]): [number, number] | null {
  const x0 = (c.start - f.scroll) / f.samplesPerPixel;
  const x1 = (c.start + (c.outPoint - c.inPoint) - f.scroll) / f.samplesPerPixel;
  const a = Math.max(cols[0], Math.floor(x0));
  const b = Math.min(cols[1], Math.ceil(x1));
  return b > a ? [a, b] : null;
}

/**
 * Clears columns [cols[0], cols[1]) of the lane (all of it by default) and draws there the grid at the ruler's major
 * ticks (`grid`, timeline samples, in `colors.grid`) and every clip.
 */
export function drawLane(
  ctx: CanvasRenderingContext2D,
  f: LaneFrame,
  clips: readonly LaneClip[],
  colors: LaneColors,
  grid: readonly number[] = [],
  cols: readonly [number, number] = [0, f.width],
): void {
  const px = LITTLE_ENDIAN ? pixelColors(colors) : null;
  if (px) {
    drawLanePixels(ctx, f, clips, colors, px, grid, cols);
    return;
  }
  ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
  ctx.clearRect(cols[0], 0, cols[1] - cols[0], f.height);
  if (grid.length && colors.grid) {
    ctx.fillStyle = colors.grid;
    for (const s of grid) {
      const x = Math.round((s - f.scroll) / f.samplesPerPixel);
      if (x >= cols[0] && x < cols[1]) ctx.fillRect(x, 0, 1, f.height);
    }
  }
  for (const c of clips) drawClip(ctx, f, c, colors, cols);
}

/** Media time (seconds) at a view x for a clip. */
function mediaTimeAt(c: { start: number; inPoint: number }, f: LaneFrame, x: number): number {
  return (f.scroll + x * f.samplesPerPixel - c.start + c.inPoint) / f.sampleRate;
}

/** Where a clip's body and wave go vertically (CSS pixels). */
function clipRows(f: LaneFrame): { top: number; h: number; mid: number; half: number } {
  const top = f.top;
  const h = Math.max(2, f.height - f.top - f.bottom);
  const mid = top + h / 2;
  return { top, h, mid, half: (h / 2) * 0.92 };
}

type Chunks = { start: number; rate: number; channels: Float32Array[] }[];

/**
 * What a clip shows over columns [a, b): `column(x, lo, hi)` for each column with a level (from the peaks, or at deep
 * zoom the min and max of the samples under it), or, when each sample is a pixel or wider, the samples to draw as a
 * line (`line`), or nothing yet.
 */
function clipColumns(f: LaneFrame, c: LaneClip, a: number, b: number, column: (x: number, lo: number, hi: number) => void): { line: Chunks } | null {
  const wave = c.wave;
  if (!wave) return null;
  const colSec = f.samplesPerPixel / f.sampleRate;
  const tEnd = c.outPoint / f.sampleRate;
  // Deep zoom: the samples themselves, when a column is narrower than the waveform's buckets.
  const bucketSec = (wave as { bucketSec?: number }).bucketSec ?? Infinity;
  if (c.samples && colSec < bucketSec) {
    const chunks = c.samples(mediaTimeAt(c, f, a), mediaTimeAt(c, f, b));
    if (chunks && chunks.length > 0) {
      const rate = chunks[0]!.rate;
      if (f.sampleRate / rate / f.samplesPerPixel >= 1) return { line: chunks };
      sampleColumns(f, c, a, b, chunks, column);
      return null;
    }
  }
  for (let x = a; x < b; x++) {
    const s0 = mediaTimeAt(c, f, x);
    const s1 = Math.min(tEnd, s0 + colSec);
    if (s1 <= s0) continue;
    const r = wave.range(s0, s1);
    if (!r) continue;
    column(x, r[0], r[1]);
  }
  return null;
}

export function drawClip(ctx: CanvasRenderingContext2D, f: LaneFrame, c: LaneClip, colors: LaneColors, range: readonly [number, number] = [0, f.width]): void {
  const cols = visibleColumns(c, f, range);
  if (!cols) return;
  const [a, b] = cols;
  const { top, h, mid, half } = clipRows(f);
  ctx.fillStyle = c.selected ? colors.bodySelected : colors.body;
  ctx.fillRect(a, top, b - a, h);
  ctx.fillStyle = colors.centre;
  ctx.fillRect(a, Math.round(mid), b - a, 1);
  const color = c.selected ? colors.waveSelected : colors.wave;
  ctx.fillStyle = color;
  // One fillRect per column: the canvas rasterises these as plain rectangles, where one path of as many rectangles
  // costs several times more to fill.
  const deep = clipColumns(f, c, a, b, (x, lo, hi) => {
    const [y0, y1] = waveSpan(lo, hi, mid, half);
    ctx.fillRect(x, y0, 1, y1 - y0);
  });
  if (deep) drawSampleLine(ctx, f, c, a, b, deep.line, color, mid, half);
}

/** The wave's top and bottom (CSS pixels) for a column's level; at least a pixel tall, so near-silence still shows. */
function waveSpan(lo: number, hi: number, mid: number, half: number): [number, number] {
  const l = Math.max(-1, Math.min(1, lo));
  const u = Math.max(-1, Math.min(1, hi));
  const y0 = mid - u * half;
  return [y0, y0 + Math.max(1, (u - l) * half)];
}

/** Each column's min and max of the samples under it (several samples per column), straight from the chunks' arrays. */
function sampleColumns(f: LaneFrame, c: LaneClip, a: number, b: number, chunks: Chunks, column: (x: number, lo: number, hi: number) => void): void {
  const rate = chunks[0]!.rate;
  const first = chunks[0]!.start;
  const tStop = Math.min(mediaTimeAt(c, f, b), c.outPoint / f.sampleRate);
  const chunkLen = chunks[0]!.channels[0]!.length;
  const firstIdx = Math.round(first * rate);
  const colSamples = (f.samplesPerPixel * rate) / f.sampleRate;
  for (let x = a; x < b; x++) {
    const s0 = Math.floor(mediaTimeAt(c, f, x) * rate);
    const s1 = Math.min(Math.ceil(s0 + colSamples), Math.ceil(tStop * rate));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = Math.max(s0, firstIdx); i < s1; ) {
      const k = Math.floor((i - firstIdx) / chunkLen);
      const ch = chunks[k];
      if (!ch) break;
      const base = firstIdx + k * chunkLen;
      const n = ch.channels[0]!.length;
      const j1 = Math.min(n, s1 - base);
      for (const arr of ch.channels) {
        for (let j = i - base; j < j1; j++) {
          const v = arr[j]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      if (j1 >= n) i = base + n;
      else break;
    }
    if (hi >= lo) column(x, lo, hi);
  }
}

/** Draws the samples over columns [a, b) as a line (with a dot per sample when each is several pixels wide). */
function drawSampleLine(ctx: CanvasRenderingContext2D, f: LaneFrame, c: LaneClip, a: number, b: number, chunks: Chunks, color: string, mid: number, half: number): void {
  const rate = chunks[0]!.rate;
  const first = chunks[0]!.start;
  // Chunks are of equal length but the last; which one holds sample i follows from the first two starts.
  const chunkSec = chunks.length > 1 ? chunks[1]!.start - first : Infinity;
  const sampleAt = (i: number): number | null => {
    const k = Math.floor((i / rate - first) / chunkSec + 1e-9);
    const ch = chunks[Number.isFinite(k) ? k : 0];
    if (!ch) return null;
    const j = i - Math.round(ch.start * rate);
    const n = ch.channels[0]!.length;
    if (j < 0 || j >= n) return null;
    let v = 0;
    for (const x of ch.channels) v += x[j]!;
    return v / ch.channels.length;
  };
  const pxPerSample = f.sampleRate / rate / f.samplesPerPixel;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 1;
  const tStart = mediaTimeAt(c, f, a);
  const tStop = Math.min(mediaTimeAt(c, f, b), c.outPoint / f.sampleRate);
  const xOf = (i: number) => (c.start - c.inPoint + (i / rate) * f.sampleRate - f.scroll) / f.samplesPerPixel;
  const i0 = Math.max(0, Math.floor(tStart * rate) - 1);
  const i1 = Math.ceil(tStop * rate) + 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(a, 0, b - a, f.height);
  ctx.clip();
  ctx.beginPath();
  let started = false;
  for (let i = i0; i <= i1; i++) {
    const v = sampleAt(i);
    if (v === null) continue;
    const x = xOf(i);
    const y = mid - Math.max(-1, Math.min(1, v)) * half;
    if (!started) {
      ctx.moveTo(x, y);
      started = true;
    } else ctx.lineTo(x, y);
  }
  ctx.stroke();
  // Each sample is wide enough to see: mark it.
  if (pxPerSample >= 6) {
    for (let i = i0; i <= i1; i++) {
      const v = sampleAt(i);
      if (v === null) continue;
      ctx.fillRect(xOf(i) - 1.5, mid - Math.max(-1, Math.min(1, v)) * half - 1.5, 3, 3);
    }
  }
  ctx.restore();
}

// ---- the pixel writer

/** ImageData is RGBA bytes; the writer packs a pixel as one 32-bit word, which is ABGR on a little-endian machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A colour as 0–255 channels and 0–1 alpha (not premultiplied, as ImageData holds it). */
interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Reads #rgb, #rgba, #rrggbb, #rrggbbaa, rgb() and rgba() (comma or space separated, alpha as a number or %). */
export function parseColor(text: string): Rgba | null {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    const h = hex[1]!;
    if (h.length === 3 || h.length === 4) {
      const v = [...h].map((ch) => parseInt(ch + ch, 16));
      return { r: v[0]!, g: v[1]!, b: v[2]!, a: h.length === 4 ? v[3]! / 255 : 1 };
    }
    if (h.length === 6 || h.length === 8) {
      const v = [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16));
      return { r: v[0]!, g: v[1]!, b: v[2]!, a: h.length === 8 ? v[3]! / 255 : 1 };
    }
    return null;
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s);
  if (!fn) return null;
  const parts = fn[1]!.split(/[\s,/]+/).filter(Boolean);
  if (parts.length !== 3 && parts.length !== 4) return null;
  const num = (p: string, scale: number) => (p.endsWith('%') ? (parseFloat(p) / 100) * scale : parseFloat(p));
  const [r, g, b] = parts.slice(0, 3).map((p) => num(p, 255));
  const a = parts.length === 4 ? num(parts[3]!, 1) : 1;
  if (![r, g, b, a].every((v) => Number.isFinite(v))) return null;
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  return { r: clamp(r!, 255), g: clamp(g!, 255), b: clamp(b!, 255), a: clamp(a, 1) };
}

function pack(c: Rgba): number {
  return ((Math.round(c.a * 255) << 24) | (Math.round(c.b) << 16) | (Math.round(c.g) << 8) | Math.round(c.r)) >>> 0;
}

/** `src` drawn over `dst` with `cover` of its area (source-over, as the canvas composites). */
function over(src: Rgba, dst: Rgba, cover = 1): Rgba {
  const sa = src.a * cover;
  const k = dst.a * (1 - sa);
  const a = sa + k;
  if (a <= 0) return { r: 0, g: 0, b: 0, a: 0 };
  return { r: (src.r * sa + dst.r * k) / a, g: (src.g * sa + dst.g * k) / a, b: (src.b * sa + dst.b * k) / a, a };
}

/** The same on a packed pixel, without allocating (the writer calls it for partly covered pixels and overlaps). */
function overPixel(src: Rgba, dst: number, cover = 1): number {
  const sa = src.a * cover;
  const da = (dst >>> 24) / 255;
  const k = da * (1 - sa);
  const a = sa + k;
  if (a <= 0) return 0;
  const r = (src.r * sa + (dst & 255) * k) / a;
  const g = (src.g * sa + ((dst >>> 8) & 255) * k) / a;
  const b = (src.b * sa + ((dst >>> 16) & 255) * k) / a;
  return ((Math.round(a * 255) << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;
}

const NONE: Rgba = { r: 0, g: 0, b: 0, a: 0 };

/** A lane's colours ready for the pixel writer: the body and centre line precomputed over an empty lane and a grid line. */
interface PixelColors {
  grid: number;
  /** By selected (0 | 1), then by what is under (0 nothing, 1 grid): body, centre line over body. */
  body: number[][];
  centre: number[][];
  rgba: { grid: Rgba; body: Rgba[]; centre: Rgba; wave: Rgba[] };
}

const pixelPalettes = new WeakMap<LaneColors, PixelColors | null>();

function pixelColors(colors: LaneColors): PixelColors | null {
  if (pixelPalettes.has(colors)) return pixelPalettes.get(colors)!;
  const read = [colors.body, colors.bodySelected, colors.centre, colors.wave, colors.waveSelected].map(parseColor);
  const grid = colors.grid ? parseColor(colors.grid) : NONE;
  let out: PixelColors | null = null;
  if (read.every((c) => c !== null) && grid) {
    const [body, bodySel, centre, wave, waveSel] = read as Rgba[];
    const under = [NONE, grid];
    const bodies = [body!, bodySel!];
    out = {
      grid: pack(grid),
      body: bodies.map((b) => under.map((u) => pack(over(b, u)))),
      centre: bodies.map((b) => under.map((u) => pack(over(centre!, over(b, u))))),
      rgba: { grid, body: bodies, centre: centre!, wave: [wave!, waveSel!] },
    };
  }
  pixelPalettes.set(colors, out);
  return out;
}

/** The pixel buffer each context reuses (no allocation per frame), at most this many device pixels wide. */
const CHUNK_PX = 2048;
const buffers = new WeakMap<object, { img: ImageData; px: Uint32Array; under: Uint8Array }>();

function bufferFor(ctx: CanvasRenderingContext2D, width: number, height: number): { img: ImageData; px: Uint32Array; under: Uint8Array } {
  const have = buffers.get(ctx);
  if (have && have.img.width >= width && have.img.height === height) return have;
  const img = ctx.createImageData(Math.max(width, have?.img.width ?? 0), height);
  const buf = { img, px: new Uint32Array(img.data.buffer, img.data.byteOffset, img.data.length / 4), under: new Uint8Array(img.width) };
  buffers.set(ctx, buf);
  return buf;
}

function drawLanePixels(
  ctx: CanvasRenderingContext2D,
  f: LaneFrame,
  clips: readonly LaneClip[],
  text: LaneColors,
  colors: PixelColors,
  grid: readonly number[],
  cols: readonly [number, number],
): void {
  const dpr = f.dpr;
  const H = Math.round(f.height * dpr);
  const deviceWidth = Math.round(f.width * dpr);
  const d0 = Math.max(0, Math.round(cols[0] * dpr));
  const d1 = Math.min(deviceWidth, Math.round(cols[1] * dpr));
  // A lane not laid out yet has no pixels (and an ImageData cannot be empty).
  if (H <= 0) return;
  const lines: { c: LaneClip; a: number; b: number; chunks: Chunks }[] = [];
  for (let c0 = d0; c0 < d1; c0 += CHUNK_PX) {
    const c1 = Math.min(d1, c0 + CHUNK_PX);
    drawPixelChunk(ctx, f, clips, colors, grid, c0, c1, H, lines);
  }
  if (lines.length === 0) return;
  // The line through the samples at deep zoom, over what was just put.
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { mid, half } = clipRows(f);
  for (const l of lines) drawSampleLine(ctx, f, l.c, l.a, l.b, l.chunks, l.c.selected ? text.waveSelected : text.wave, mid, half);
}

/** Device columns [c0, c1): written into the context's buffer and put on the canvas. */
function drawPixelChunk(
  ctx: CanvasRenderingContext2D,
  f: LaneFrame,
  clips: readonly LaneClip[],
  colors: PixelColors,
  grid: readonly number[],
  c0: number,
  c1: number,
  H: number,
  lines: { c: LaneClip; a: number; b: number; chunks: Chunks }[],
): void {
  const dpr = f.dpr;
  const w = c1 - c0;
  const { img, px, under } = bufferFor(ctx, w, H);
  const W = img.width;
  for (let y = 0; y < H; y++) px.fill(0, y * W, y * W + w);
  // What each column holds under the clips: 0 nothing, 1 a grid line, 2 another clip (blended pixel by pixel).
  under.fill(0, 0, w);
  const devCols = (x0: number, x1: number): [number, number] => [Math.max(c0, Math.round(x0 * dpr)) - c0, Math.min(c1, Math.round(x1 * dpr)) - c0];
  if (colors.rgba.grid.a > 0) {
    for (const s of grid) {
      const x = Math.round((s - f.scroll) / f.samplesPerPixel);
      const [a, b] = devCols(x, x + 1);
      for (let d = a; d < b; d++) {
        under[d] = 1;
        for (let y = 0; y < H; y++) px[y * W + d] = colors.grid;
      }
    }
  }
  const { top, h, mid, half } = clipRows(f);
  const bodyY0 = Math.round(top * dpr);
  const bodyY1 = Math.min(H, Math.round((top + h) * dpr));
  const centreY0 = Math.round(Math.round(mid) * dpr);
  const centreY1 = Math.min(H, Math.max(centreY0 + 1, Math.round((Math.round(mid) + 1) * dpr)));
  const cssRange: [number, number] = [Math.floor(c0 / dpr), Math.ceil(c1 / dpr)];
  for (const c of clips) {
    const vis = visibleColumns(c, f, cssRange);
    if (!vis) continue;
    const [a, b] = vis;
    const sel = c.selected ? 1 : 0;
    const [da, db] = devCols(a, b);
    // Runs of columns with the same thing under them are filled a row at a time (a typed-array fill, several times
    // faster than writing a column at a time); under another clip, pixel by pixel.
    for (let r0 = da; r0 < db; ) {
      const u = under[r0]!;
      let r1 = r0 + 1;
      while (r1 < db && under[r1] === u) r1++;
      if (u < 2) {
        const body = colors.body[sel]![u]!;
        const centre = colors.centre[sel]![u]!;
        for (let y = bodyY0; y < bodyY1; y++) px.fill(body, y * W + r0, y * W + r1);
        for (let y = centreY0; y < centreY1; y++) px.fill(centre, y * W + r0, y * W + r1);
      } else {
        for (let d = r0; d < r1; d++) {
          for (let y = bodyY0; y < bodyY1; y++) px[y * W + d] = overPixel(colors.rgba.body[sel]!, px[y * W + d]!);
          for (let y = centreY0; y < centreY1; y++) px[y * W + d] = overPixel(colors.rgba.centre, px[y * W + d]!);
        }
      }
      r0 = r1;
    }
    under.fill(2, da, db);
    const wave = colors.rgba.wave[sel]!;
    const solid = pack(wave);
    const opaque = wave.a >= 1;
    const deep = clipColumns(f, c, a, b, (x, lo, hi) => {
      const [y0, y1] = waveSpan(lo, hi, mid, half);
      const Y0 = y0 * dpr;
      const Y1 = y1 * dpr;
      const [xa, xb] = devCols(x, x + 1);
      // Whole pixels inside the span, and the partly covered ones at its ends blended by how much they are covered
      // (as the canvas antialiases a rectangle's fractional edges).
      const full0 = Math.max(0, Math.ceil(Y0));
      const full1 = Math.min(H, Math.floor(Y1));
      for (let d = xa; d < xb; d++) {
        if (full1 <= full0 - 1) {
          // Top and bottom in the same pixel row.
          const row = Math.floor(Y0);
          if (row >= 0 && row < H) px[row * W + d] = overPixel(wave, px[row * W + d]!, Y1 - Y0);
          continue;
        }
        for (let y = full0; y < full1; y++) px[y * W + d] = opaque ? solid : overPixel(wave, px[y * W + d]!);
        const topRow = full0 - 1;
        if (topRow >= 0 && topRow < H && full0 - Y0 > 0) px[topRow * W + d] = overPixel(wave, px[topRow * W + d]!, full0 - Y0);
        if (full1 >= 0 && full1 < H && Y1 - full1 > 0) px[full1 * W + d] = overPixel(wave, px[full1 * W + d]!, Y1 - full1);
      }
    });
    if (deep) lines.push({ c, a, b, chunks: deep.line });
  }
  ctx.putImageData(img, c0, 0, 0, 0, w, H);
}
