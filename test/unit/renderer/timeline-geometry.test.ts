// The timeline's pure maths: sample ↔ pixel, the fitted zoom (which must draw exactly what the px/s view drew),
// zooming around an anchor, scroll clamping, snapping, and where a dragged or trimmed clip lands.

import { describe, expect, it } from 'vitest';
import {
  clampScroll,
  clipBox,
  contentWidthPx,
  dragPlacement,
  fitSamplesPerPixel,
  MIN_CLIP_SAMPLES,
  MIN_SAMPLES_PER_PIXEL,
  pxPerSecond,
  pxToSample,
  rangeBetween,
  sampleToPx,
  snap,
  snapSpan,
  zoomAround,
  zoomLimits,
  type ClipPlacement,
} from '../../../src-renderer/timeline/geometry';
import { fitPxPerSec } from '../../../src-renderer/timeline/scale';

const SR = 48_000;

describe('sample and pixel', () => {
  it('converts both ways at a zoom', () => {
    expect(sampleToPx(48_000, 480)).toBe(100);
    expect(pxToSample(100, 480)).toBe(48_000);
    expect(pxToSample(sampleToPx(123_457, 37.5), 37.5)).toBeCloseTo(123_457, 9);
    expect(pxPerSecond(480, SR)).toBe(100);
  });

  it('fits the arrangement as the px/s view did, expressed in samples per pixel', () => {
    for (const [viewPx, seconds] of [
      [1200, 4],
      [1080, 100],
      [1000, 100_000],
      [720, 0],
    ] as const) {
      const spp = fitSamplesPerPixel(viewPx, seconds * SR, SR);
      expect(pxPerSecond(spp, SR)).toBeCloseTo(fitPxPerSec(viewPx, seconds), 9);
    }
    // 12 s at least are shown: 1200 px over 12 s is 100 px/s, i.e. 480 samples per pixel at 48 kHz.
    expect(fitSamplesPerPixel(1200, 4 * SR, SR)).toBeCloseTo(480, 9);
  });

  it('lays the content out to the last clip plus two seconds, never narrower than the viewport', () => {
    expect(contentWidthPx(10 * SR, SR, 480, 300)).toBe(1200);
    expect(contentWidthPx(0, SR, 480, 744)).toBe(744);
  });

  it('boxes a clip and the whole take behind it', () => {
    const box = clipBox({ start: 96_000, inPoint: 4_800, outPoint: 52_800, takeLength: 96_000 }, 480, 6);
    expect(box).toEqual({ left: 200, width: 100, innerLeft: -10, innerWidth: 200 });
    expect(clipBox({ start: 0, inPoint: 0, outPoint: 10, takeLength: 10 }, 480, 6).width).toBe(6);
  });
});

describe('zoom', () => {
  const limits = zoomLimits(SR, 1000, 60 * SR);

  it('keeps the sample under the anchor in place', () => {
    const before = { samplesPerPixel: 480, scroll: 96_000 };
    const anchorPx = 250;
    const under = before.scroll + anchorPx * before.samplesPerPixel;
    const after = zoomAround(before, 120, anchorPx, limits);
    expect(after.samplesPerPixel).toBe(120);
    expect(after.scroll + anchorPx * after.samplesPerPixel).toBeCloseTo(under, 9);
  });

  it('stops at the deepest zoom and at an hour (or the content) across the viewport', () => {
    expect(limits.min).toBe(MIN_SAMPLES_PER_PIXEL);
    expect(limits.max).toBeCloseTo((3600 * SR) / 1000, 9);
    expect(zoomLimits(SR, 1000, 7200 * SR).max).toBeCloseTo((7200 * SR) / 1000, 9);
    expect(zoomAround({ samplesPerPixel: 1, scroll: 0 }, 1e-6, 0, limits).samplesPerPixel).toBe(MIN_SAMPLES_PER_PIXEL);
    expect(zoomAround({ samplesPerPixel: 1, scroll: 0 }, 1e12, 0, limits).samplesPerPixel).toBe(limits.max);
  });

  it('never scrolls before the start when zooming out near it', () => {
    const after = zoomAround({ samplesPerPixel: 100, scroll: 1_000 }, 1_000, 500, limits);
    expect(after.scroll).toBe(0);
  });

  it('clamps scroll to the content', () => {
    expect(clampScroll(-5, 100, 1000, 500_000)).toBe(0);
    expect(clampScroll(1e9, 100, 1000, 500_000)).toBe(400_000);
    expect(clampScroll(50_000, 100, 1000, 50_000)).toBe(0);
  });
});

describe('snapping', () => {
  it('snaps to the nearest candidate within the threshold on screen', () => {
    // 8 px at 100 samples per pixel reach 800 samples.
    expect(snap(10_500, [10_000, 11_000, 20_000], 8, 100)).toEqual({ position: 10_000, target: 10_000 });
    expect(snap(10_700, [10_000, 11_000], 8, 100)).toEqual({ position: 11_000, target: 11_000 });
    expect(snap(12_000, [10_000, 11_000], 8, 100)).toEqual({ position: 12_000, target: null });
  });

  it('reaches farther in samples when zoomed out', () => {
    expect(snap(12_000, [10_000], 8, 100).target).toBeNull();
    expect(snap(12_000, [10_000], 8, 1000).target).toBe(10_000);
  });

  it('breaks ties toward the earlier candidate', () => {
    expect(snap(10_500, [11_000, 10_000], 8, 100).position).toBe(10_000);
  });

  it('snaps a moving span by whichever edge is nearer a candidate', () => {
    // Start 1 000 samples from 50 000, end 300 from 60 000: the end decides.
    expect(snapSpan(49_000, 10_700, [50_000, 60_000], 8, 100)).toEqual({ position: 49_300, target: 60_000 });
    expect(snapSpan(49_900, 5_000, [50_000], 8, 100)).toEqual({ position: 50_000, target: 50_000 });
    expect(snapSpan(0, 5_000, [90_000], 8, 100)).toEqual({ position: 0, target: null });
  });

  it('orders range ends', () => {
    expect(rangeBetween(500, 100)).toEqual({ start: 100, end: 500 });
    expect(rangeBetween(100, 500)).toEqual({ start: 100, end: 500 });
  });
});

describe('dragging a clip', () => {
  // A 2 s clip at 10 s, playing 1..3 s of a 5 s take.
  const clip: ClipPlacement = { trackId: 1, start: 10 * SR, inPoint: SR, outPoint: 3 * SR, takeLength: 5 * SR };

  it('moves in whole samples, never before 0, and to another track', () => {
    expect(dragPlacement(clip, 'move', 12.5 * SR + 0.4)).toEqual({ ...clip, start: 12.5 * SR });
    expect(dragPlacement(clip, 'move', -1000)).toEqual({ ...clip, start: 0 });
    expect(dragPlacement(clip, 'move', 11 * SR, 2)).toEqual({ ...clip, trackId: 2, start: 11 * SR });
  });

  it('trims the left edge with the audio staying where it is', () => {
    const t = dragPlacement(clip, 'trim-start', 10.5 * SR);
    expect(t).toEqual({ ...clip, start: 10.5 * SR, inPoint: 1.5 * SR });
    // The clip's audio position is unchanged: start - inPoint is constant.
    expect(t.start - t.inPoint).toBe(clip.start - clip.inPoint);
  });

  it('stops a left trim at the take start, the timeline start, and short of the right edge', () => {
    expect(dragPlacement(clip, 'trim-start', 0)).toEqual({ ...clip, start: 9 * SR, inPoint: 0 });
    const early: ClipPlacement = { ...clip, start: SR / 2 };
    expect(dragPlacement(early, 'trim-start', 0)).toEqual({ ...early, start: 0, inPoint: SR / 2 });
    const t = dragPlacement(clip, 'trim-start', 20 * SR);
    expect(t.outPoint - t.inPoint).toBe(MIN_CLIP_SAMPLES);
    expect(t.start + (t.outPoint - t.inPoint)).toBe(12 * SR);
  });

  it('trims the right edge inside the take and short of the left edge', () => {
    expect(dragPlacement(clip, 'trim-end', 11 * SR)).toEqual({ ...clip, outPoint: 2 * SR });
    expect(dragPlacement(clip, 'trim-end', 100 * SR)).toEqual({ ...clip, outPoint: 5 * SR });
    expect(dragPlacement(clip, 'trim-end', 0)).toEqual({ ...clip, outPoint: SR + MIN_CLIP_SAMPLES });
  });

  it('keeps a trim of a clip shorter than the minimum valid', () => {
    const tiny: ClipPlacement = { trackId: 1, start: 0, inPoint: 90, outPoint: 100, takeLength: 100 };
    const right = dragPlacement(tiny, 'trim-end', 0);
    expect(right.outPoint).toBeGreaterThan(right.inPoint);
    const left = dragPlacement(tiny, 'trim-start', 1000);
    expect(left.inPoint).toBeLessThan(left.outPoint);
  });
});
