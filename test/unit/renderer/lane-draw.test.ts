// Drawing a lane (timeline/draw.ts): the pixel writer puts clip bodies, the centre line, grid lines and waveform
// columns as pixels where the canvas would have drawn rectangles (colours composited the same way), only over the
// columns asked for; colours it cannot read fall back to the canvas's rectangles. A fake 2D context stands in for
// the canvas: it keeps what putImageData writes and records the drawing calls.

import { describe, expect, it } from 'vitest';
import type { Wave } from '../../../src-renderer/lib/wave';
import { drawLane, parseColor, type LaneClip, type LaneColors, type LaneFrame } from '../../../src-renderer/timeline/draw';

interface FakeImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A canvas of `w` × `h` device pixels behind the few context methods drawLane uses. */
function fakeContext(w: number, h: number) {
  const pixels = new Uint8ClampedArray(w * h * 4);
  const calls: string[] = [];
  const puts: { dx: number; width: number }[] = [];
  const ctx = {
    createImageData: (iw: number, ih: number): FakeImage => ({ width: iw, height: ih, data: new Uint8ClampedArray(iw * ih * 4) }),
    putImageData(img: FakeImage, dx: number, dy: number, sx: number, sy: number, sw: number, sh: number) {
      puts.push({ dx, width: sw });
      for (let y = 0; y < sh; y++) {
        for (let x = 0; x < sw; x++) {
          const from = ((sy + y) * img.width + sx + x) * 4;
          const to = ((dy + y) * w + dx + x) * 4;
          for (let k = 0; k < 4; k++) pixels[to + k] = img.data[from + k]!;
        }
      }
    },
    setTransform: () => calls.push('setTransform'),
    clearRect: () => calls.push('clearRect'),
    fillRect: () => calls.push('fillRect'),
    fillStyle: '',
  };
  const at = (x: number, y: number) => [...pixels.slice((y * w + x) * 4, (y * w + x) * 4 + 4)];
  return { ctx: ctx as unknown as CanvasRenderingContext2D, at, calls, puts };
}

/** A wave whose level is `level` everywhere in its `durationSec`. */
const flat = (level: number, durationSec: number): Wave => ({ durationSec, range: (t0) => (t0 < durationSec ? [-level, level] : null) });

const COLORS: LaneColors = {
  wave: '#40c0b0',
  waveSelected: '#80f0e0',
  body: 'rgba(0, 0, 255, 0.5)',
  bodySelected: 'rgba(255, 0, 0, 0.5)',
  centre: 'rgba(255, 255, 255, 0.25)',
  grid: 'rgba(255, 255, 255, 0.2)',
};

// A 100 px lane, 40 px tall: clips have 10 px of header above and 2 px below, so the body is rows 10–37, its middle
// at 24 and a full-scale wave reaches ±12.88 px from it.
const frame = (over: Partial<LaneFrame> = {}): LaneFrame => ({
  width: 100,
  height: 40,
  dpr: 1,
  scroll: 0,
  samplesPerPixel: 100,
  sampleRate: 10_000,
  top: 10,
  bottom: 2,
  ...over,
});

// Samples 2000–6000 at 100 samples per pixel: columns 20–59.
const clip = (over: Partial<LaneClip> = {}): LaneClip => ({ start: 2000, inPoint: 0, outPoint: 4000, selected: false, wave: flat(0.5, 0.4), ...over });

describe('parseColor', () => {
  it('reads the hex and rgb() forms a theme writes, alpha included', () => {
    expect(parseColor('#fff')).toEqual({ r: 255, g: 255, b: 255, a: 1 });
    expect(parseColor('#45bfb2')).toEqual({ r: 0x45, g: 0xbf, b: 0xb2, a: 1 });
    expect(parseColor('#45bfb280')).toEqual({ r: 0x45, g: 0xbf, b: 0xb2, a: 128 / 255 });
    expect(parseColor(' rgba(56, 195, 180, 0.1) ')).toEqual({ r: 56, g: 195, b: 180, a: 0.1 });
    expect(parseColor('rgb(10 20 30 / 50%)')).toEqual({ r: 10, g: 20, b: 30, a: 0.5 });
    expect(parseColor('rgb(10, 20, 30)')).toEqual({ r: 10, g: 20, b: 30, a: 1 });
  });

  it('answers null for what it cannot read', () => {
    expect(parseColor('color-mix(in srgb, red, blue)')).toBeNull();
    expect(parseColor('teal')).toBeNull();
    expect(parseColor('#12345')).toBeNull();
    expect(parseColor('rgba(1, 2)')).toBeNull();
  });
});

describe('drawLane as pixels', () => {
  it('writes the body, the centre line and the wave inside the clip, nothing outside it', () => {
    const c = fakeContext(100, 40);
    drawLane(c.ctx, frame(), [clip()], COLORS);
    // Outside the clip's columns and above its body: transparent.
    expect(c.at(10, 24)).toEqual([0, 0, 0, 0]);
    expect(c.at(70, 24)).toEqual([0, 0, 0, 0]);
    expect(c.at(30, 5)).toEqual([0, 0, 0, 0]);
    // The body above the wave (a level of 0.5 reaches 6.44 px either side of row 24).
    expect(c.at(30, 11)).toEqual([0, 0, 255, 128]);
    expect(c.at(20, 36)).toEqual([0, 0, 255, 128]);
    expect(c.at(19, 11)).toEqual([0, 0, 0, 0]);
    expect(c.at(60, 11)).toEqual([0, 0, 0, 0]);
    // The wave: opaque in the rows it covers whole, blended with the body in the row it covers partly.
    expect(c.at(30, 24)).toEqual([0x40, 0xc0, 0xb0, 255]);
    expect(c.at(30, 18)).toEqual([0x40, 0xc0, 0xb0, 255]);
    const edge = c.at(30, 17);
    expect(edge[3]).toBeGreaterThan(128);
    expect(edge[3]).toBeLessThan(255);
    expect(c.at(30, 15)).toEqual([0, 0, 255, 128]);
    // No rectangles were drawn.
    expect(c.calls).not.toContain('fillRect');
  });

  it('draws the centre line over the body where the wave leaves it, and grid lines under the clips', () => {
    const c = fakeContext(100, 40);
    // Silence for the first 0.1 s (a wave a pixel tall, on the middle row), then a waveform not known yet.
    drawLane(c.ctx, frame(), [clip({ wave: flat(0, 0.1) })], COLORS, [1000, 3000]);
    // Grid line at column 10 (outside the clip): the grid colour over the whole lane's height.
    expect(c.at(10, 0)).toEqual([255, 255, 255, 51]);
    expect(c.at(10, 39)).toEqual([255, 255, 255, 51]);
    // Grid line at column 30 (inside the clip): the body composited over it, above the header too only the grid.
    expect(c.at(30, 5)).toEqual([255, 255, 255, 51]);
    const bodyOverGrid = c.at(30, 12);
    expect(Math.abs(bodyOverGrid[3]! - (0.5 + 0.2 * 0.5) * 255)).toBeLessThanOrEqual(1);
    expect(bodyOverGrid[2]).toBeGreaterThan(200);
    // Where the wave is known it covers the middle row; where it is not, the centre line shows over the body.
    expect(c.at(25, 24)).toEqual([0x40, 0xc0, 0xb0, 255]);
    expect(c.at(25, 23)).toEqual([0, 0, 255, 128]);
    const centre = c.at(40, 24);
    expect(centre).not.toEqual(c.at(40, 12));
    expect(Math.abs(centre[3]! - (0.25 + 0.5 * 0.75) * 255)).toBeLessThanOrEqual(1);
  });

  it('uses the selected colours for a selected clip', () => {
    const c = fakeContext(100, 40);
    drawLane(c.ctx, frame(), [clip({ selected: true })], COLORS);
    expect(c.at(30, 11)).toEqual([255, 0, 0, 128]);
    expect(c.at(30, 24)).toEqual([0x80, 0xf0, 0xe0, 255]);
  });

  it('composites an overlapping clip over the one under it', () => {
    const c = fakeContext(100, 40);
    drawLane(c.ctx, frame(), [clip(), clip({ start: 4000, selected: true })], COLORS);
    // Columns 40–59 hold both bodies: red at half over blue at half.
    const both = c.at(50, 11);
    expect(Math.abs(both[3]! - 0.75 * 255)).toBeLessThanOrEqual(1);
    expect(both[0]).toBeGreaterThan(both[2]!);
    expect(c.at(30, 11)).toEqual([0, 0, 255, 128]);
    expect(c.at(70, 11)).toEqual([255, 0, 0, 128]);
  });

  it('writes only the columns asked for, in device pixels', () => {
    const c = fakeContext(200, 80);
    drawLane(c.ctx, frame({ dpr: 2 }), [clip()], COLORS, [], [25, 35]);
    expect(c.puts).toEqual([{ dx: 50, width: 20 }]);
    // Column 25 is device columns 50–51; column 20 (device 40) was not drawn.
    expect(c.at(50, 22)).toEqual([0, 0, 255, 128]);
    expect(c.at(40, 22)).toEqual([0, 0, 0, 0]);
  });

  it('draws nothing, and does not throw, for a lane with no height yet', () => {
    const c = fakeContext(100, 40);
    // As a browser does: an ImageData with no pixels is refused.
    const createImageData = (w: number, h: number): FakeImage => {
      if (w <= 0 || h <= 0) throw new Error('IndexSizeError');
      return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) };
    };
    const ctx = { ...(c.ctx as unknown as Record<string, unknown>), createImageData } as unknown as CanvasRenderingContext2D;
    expect(() => drawLane(ctx, frame({ height: 0 }), [clip()], COLORS)).not.toThrow();
    expect(c.puts).toEqual([]);
  });

  it('falls back to the canvas rectangles for a colour it cannot read', () => {
    const c = fakeContext(100, 40);
    drawLane(c.ctx, frame(), [clip()], { ...COLORS, body: 'color-mix(in srgb, teal 10%, transparent)' });
    expect(c.puts).toEqual([]);
    expect(c.calls.filter((x) => x === 'fillRect').length).toBeGreaterThan(40);
  });
});
