// Waveform data for the lanes: the core's peaks with exact bucket lengths and halved levels, the waveform of a file
// still importing built from import.peaks messages (coarse first, the finest kept), pause detection for snapping,
// and the fitted scale.

import { describe, expect, it } from 'vitest';
import { bucketsFor } from '../../../src-renderer/lib/peaks.svelte';
import { FileWave, findPauses, samplesPerBucket, StreamedWave } from '../../../src-renderer/lib/wave';
import { fitPxPerSec } from '../../../src-renderer/timeline/scale';

describe('a file waveform from the core', () => {
  it('reads [max[], min[]] and answers ranges at any span from the right level', () => {
    // 8 buckets of 0.5 s: a rising ramp of maxima, minima their negatives.
    const max = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
    const w = new FileWave(max, max.map((v) => -v), 0.5, 4);
    expect(w.buckets).toBe(8);
    expect(w.range(0, 0.5)).toEqual([expect.closeTo(-0.1, 6), expect.closeTo(0.1, 6)]);
    // A span of 2 s reads a level fine enough to cover exactly buckets 2..5.
    expect(w.range(1, 3)).toEqual([expect.closeTo(-0.6, 6), expect.closeTo(0.6, 6)]);
    // The whole file at once.
    expect(w.range(0, 4)).toEqual([expect.closeTo(-0.8, 6), expect.closeTo(0.8, 6)]);
    expect(w.range(10, 11)).toBeNull();
    expect([...w.magnitudes()].map((v) => +v.toFixed(2))).toEqual(max);
  });

  it('knows the exact bucket length of a peaks answer (whole 256-sample pairs)', () => {
    // An hour at 48 kHz asked for 20 000 buckets: the core merges 34 pairs per bucket (19 853 buckets).
    expect(samplesPerBucket(172_800_000, 19_853)).toBe(34 * 256);
    // A short file at full resolution: one pair per bucket even when frames are not a multiple of 256.
    expect(samplesPerBucket(480_001, 1876)).toBe(256);
    expect(samplesPerBucket(100, 1)).toBe(100);
    const w = FileWave.fromCore([[0.5, 0.5], [-0.5, -0.5]], 512, 48_000);
    expect(w.bucketSec).toBeCloseTo(256 / 48_000, 12);
  });

  it('asks for about 200 buckets a second within the core limits', () => {
    expect(bucketsFor(0.5)).toBe(256);
    expect(bucketsFor(30)).toBe(6000);
    expect(bucketsFor(3600)).toBe(20000);
  });
});

describe('the waveform of an import under way', () => {
  it('draws a coarse overview at once and the finer data where it has arrived', () => {
    const w = new StreamedWave();
    expect(w.range(0, 1)).toBeNull();
    // Coarse: 4 buckets of 1 s over the whole 4 s file.
    w.add({ durationSec: 4, bucketSec: 1, start: 0, peaks: [-0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5] });
    expect(w.durationSec).toBe(4);
    expect(w.range(2, 2.25)).toEqual([-0.5, 0.5]);
    // Fine: 0.25 s buckets, only the first second so far.
    w.add({ durationSec: 4, bucketSec: 0.25, start: 0, peaks: [-0.1, 0.1, -0.2, 0.2, -0.3, 0.3, -0.4, 0.4] });
    expect(w.range(0.25, 0.5)).toEqual([expect.closeTo(-0.2, 6), expect.closeTo(0.2, 6)]);
    // Where the fine data has not come yet, the coarse one still answers.
    expect(w.range(2, 2.25)).toEqual([-0.5, 0.5]);
    expect(w.finestKnown).toBe(4);
    // More fine data arrives later at its offset.
    w.add({ durationSec: 4, bucketSec: 0.25, start: 8, peaks: [-0.05, 0.06] });
    expect(w.range(2, 2.25)).toEqual([expect.closeTo(-0.05, 6), expect.closeTo(0.06, 6)]);
  });
});

describe('pauses', () => {
  it('finds quiet runs of 150 ms or more, relative to the loudest peak', () => {
    // 10 ms buckets: speech, 200 ms of room tone, speech, 100 ms gap (too short), speech.
    const env = [...Array(30).fill(0.5), ...Array(20).fill(0.001), ...Array(30).fill(0.4), ...Array(10).fill(0.001), ...Array(10).fill(0.5)];
    const p = findPauses(env, 0.01);
    expect(p).toHaveLength(1);
    expect(p[0]!.start).toBeCloseTo(0.3, 9);
    expect(p[0]!.end).toBeCloseTo(0.5, 9);
    expect(findPauses(Array(100).fill(0), 0.01)).toEqual([]);
  });
});

describe('fitted scale', () => {
  it('fits the content with some room and never shows less than 12 s, however long', () => {
    expect(fitPxPerSec(1200, 4)).toBeCloseTo(100, 6);
    expect(fitPxPerSec(1080, 100)).toBeCloseTo(10, 6);
    // An hour fits too (no minimum scale).
    expect(fitPxPerSec(1000, 3600)).toBeCloseTo(1000 / 3888, 9);
  });
});
