import { describe, expect, it } from 'vitest';
import { bucketsFor, envelope } from '../../../src-renderer/lib/peaks';
import { fitPxPerSec, tickLabel, tickStep, ticks } from '../../../src-renderer/timeline/scale';

describe('waveform peaks for display', () => {
  it('folds per-channel min/max pairs into the largest magnitude per bucket', () => {
    const env = envelope([
      [-0.5, 0.25, -0.1, 0.1],
      [-0.2, 0.75, -0.3, 0.05],
    ]);
    expect([...env]).toEqual([0.75, expect.closeTo(0.3, 6)]);
  });

  it('asks for about 100 buckets a second within the core limits', () => {
    expect(bucketsFor(0.5)).toBe(256);
    expect(bucketsFor(30)).toBe(3000);
    expect(bucketsFor(3600)).toBe(20000);
  });
});

describe('timeline scale', () => {
  it('fits the content with some room and never shows less than 12 s', () => {
    expect(fitPxPerSec(1200, 4)).toBeCloseTo(100, 6);
    expect(fitPxPerSec(1080, 100)).toBeCloseTo(10, 6);
    expect(fitPxPerSec(1000, 100000)).toBe(4);
  });

  it('spaces ruler ticks at least 72 px apart on round steps', () => {
    expect(tickStep(100)).toBe(1);
    expect(tickStep(1000)).toBe(0.1);
    expect(tickStep(5)).toBe(15);
    const t = ticks(100, 250);
    expect(t.filter((x) => x.major).map((x) => x.sec)).toEqual([0, 1, 2]);
    expect(tickLabel(75, 5)).toBe('1:15');
    expect(tickLabel(1.5, 0.5)).toBe('0:01.5');
  });
});
