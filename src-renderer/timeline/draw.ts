// Drawing one lane's waveforms on its canvas (one canvas per lane, as wide as the lanes' strip): for each clip, the
// part of its take between its in and out points, from the peaks at the zoom's resolution, or from the samples
// themselves at deep zoom (a line through them, with dots when each sample is several pixels wide). Only the visible
// columns are computed, so an hour-long clip costs what a short one does. Imports under way are drawn the same way
// from the waveform streamed so far. Pure apart from the 2D context it is given.

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

export function drawClip(ctx: CanvasRenderingContext2D, f: LaneFrame, c: LaneClip, colors: LaneColors, range: readonly [number, number] = [0, f.width]): void {
  const cols = visibleColumns(c, f, range);
  if (!cols) return;
  const [a, b] = cols;
  const top = f.top;
  const h = Math.max(2, f.height - f.top - f.bottom);
  const mid = top + h / 2;
  const half = (h / 2) * 0.92;
  ctx.fillStyle = c.selected ? colors.bodySelected : colors.body;
  ctx.fillRect(a, top, b - a, h);
  ctx.fillStyle = colors.centre;
  ctx.fillRect(a, Math.round(mid), b - a, 1);
  const wave = c.wave;
  if (!wave) return;
  const colSec = f.samplesPerPixel / f.sampleRate;
  const t0 = mediaTimeAt(c, f, a);
  const t1 = mediaTimeAt(c, f, b);
  const tEnd = c.outPoint / f.sampleRate;
  const color = c.selected ? colors.waveSelected : colors.wave;
  // Deep zoom: the samples themselves, when a column is narrower than the waveform's buckets.
  const bucketSec = (wave as { bucketSec?: number }).bucketSec ?? Infinity;
  if (c.samples && colSec < bucketSec) {
    const chunks = c.samples(t0, t1);
    if (chunks && drawSamples(ctx, f, c, a, b, chunks, color, mid, half)) return;
  }
  ctx.fillStyle = color;
  // One fillRect per column: the canvas rasterises these as plain rectangles, where one path of as many rectangles
  // costs several times more to fill (in Chromium's software canvas, 30 ms against 6 for six lanes of 1400 columns).
  for (let x = a; x < b; x++) {
    const s0 = mediaTimeAt(c, f, x);
    const s1 = Math.min(tEnd, s0 + colSec);
    if (s1 <= s0) continue;
    const r = wave.range(s0, s1);
    if (!r) continue;
    const lo = Math.max(-1, Math.min(1, r[0]));
    const hi = Math.max(-1, Math.min(1, r[1]));
    const y0 = mid - hi * half;
    const y1 = mid - lo * half;
    // At least a pixel tall, so near-silence still shows where the clip has sound.
    ctx.fillRect(x, y0, 1, Math.max(1, y1 - y0));
  }
}

/** Draws the samples over columns [a, b); false when the chunks do not cover them. */
function drawSamples(
  ctx: CanvasRenderingContext2D,
  f: LaneFrame,
  c: LaneClip,
  a: number,
  b: number,
  chunks: { start: number; rate: number; channels: Float32Array[] }[],
  color: string,
  mid: number,
  half: number,
): boolean {
  if (chunks.length === 0) return false;
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
  if (pxPerSample < 1) {
    // Several samples per column: each column's min and max, read straight from the chunks' arrays.
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
      if (hi >= lo) ctx.fillRect(x, mid - Math.min(1, hi) * half, 1, Math.max(1, (Math.min(1, hi) - Math.max(-1, lo)) * half));
    }
    return true;
  }
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
  return true;
}
