// Positions as text and the ruler's ticks in each unit: clock (h:mm:ss.mmm), samples, and frames at 24, 25, 29.97
// (drop-frame) and 30 fps; ticks only for the visible span, labels far enough apart.

import { describe, expect, it } from 'vitest';
import { formatClock, formatFrames, formatLength, formatPosition, rulerTicks, MIN_LABEL_PX } from '../../../src-renderer/timeline/timecode';

const SR = 48_000;

describe('positions as text', () => {
  it('writes clock time as h:mm:ss.mmm, rounding once', () => {
    expect(formatClock(0)).toBe('0:00:00.000');
    expect(formatClock(75.5)).toBe('0:01:15.500');
    expect(formatClock(3723.004)).toBe('1:02:03.004');
    expect(formatClock(59.9996)).toBe('0:01:00.000');
    expect(formatClock(12, 0)).toBe('0:00:12');
  });

  it('writes samples and frames', () => {
    expect(formatPosition(123_456.4, SR, 'samples')).toBe('123456');
    expect(formatPosition(SR, SR, 'frames-25')).toBe('00:00:01:00');
    expect(formatPosition(SR * 1.5, SR, 'frames-24')).toBe('00:00:01:12');
    expect(formatPosition(SR * 3600, SR, 'frames-30')).toBe('01:00:00:00');
  });

  it('labels 29.97 fps in drop-frame timecode', () => {
    const df = { fps: 30000 / 1001, nominal: 30, dropFrame: true };
    // Frame 1800 is the first of minute 1: labels ;00 and ;01 are dropped.
    expect(formatFrames(1799, df)).toBe('00:00:59;29');
    expect(formatFrames(1800, df)).toBe('00:01:00;02');
    // Every tenth minute keeps them.
    expect(formatFrames(17982, df)).toBe('00:10:00;00');
    // An hour of NTSC video is 107 892 frames and labelled 01:00:00;00.
    expect(formatFrames(107_892, df)).toBe('01:00:00;00');
  });

  it('writes lengths without the hours when under one', () => {
    expect(formatLength(2.5 * SR, SR, 'time')).toBe('0:02.500');
    expect(formatLength(75 * SR, SR, 'time')).toBe('1:15.000');
  });
});

describe('ruler ticks', () => {
  it('spaces major ticks at least the label width apart, on round steps, for the visible span only', () => {
    // 100 px a second: labels need 84 px, so a step of 1 s.
    const ticks = rulerTicks(10 * SR, 14 * SR, SR / 100, SR, 'time');
    const majors = ticks.filter((t) => t.major);
    expect(majors.map((t) => t.sample / SR)).toEqual([10, 11, 12, 13, 14]);
    expect(majors[0]!.label).toBe('0:00:10');
    expect(ticks.filter((t) => !t.major)).toHaveLength(4);
    // Zoomed in to 1 sample a pixel: steps of 2 ms with millisecond labels.
    const fine = rulerTicks(0, 400, 1, SR, 'time').filter((t) => t.major);
    expect((fine[1]!.sample - fine[0]!.sample) / SR).toBeCloseTo(0.002, 9);
    expect(fine[1]!.label).toBe('0:00:00.002');
    // An hour across 1000 px: steps of 10 minutes.
    const hour = rulerTicks(0, 3600 * SR, (3600 * SR) / 1000, SR, 'time').filter((t) => t.major);
    expect(hour.map((t) => t.sample / SR / 60)).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('ticks in samples and in frames', () => {
    const s = rulerTicks(0, 1000, 1, SR, 'samples').filter((t) => t.major);
    expect(s[1]!.sample - s[0]!.sample).toBeGreaterThanOrEqual(MIN_LABEL_PX);
    expect(s[1]!.label).toBe('100');
    const f = rulerTicks(0, 2 * SR, SR / 1000, SR, 'frames-25').filter((t) => t.major);
    // 1000 px a second: one frame (40 px) is too narrow for a label, five frames are not.
    expect(f[1]!.sample).toBeCloseTo((5 * SR) / 25, 6);
    expect(f[1]!.label).toBe('00:00:00:05');
  });
});
