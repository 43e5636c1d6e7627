// Issue 3 checks for emotion, style and speed on corpus speech, measured by the project's own analysis.

import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../src-main/audio/analysis';
import type { TakeMetrics } from '../../../src-main/audio/analysis';
import type { AudioData } from '../../../src-main/audio/types';
import { corpus, edit, seconds } from './helpers';

let input: AudioData;
let base: TakeMetrics;

beforeAll(async () => {
  input = await corpus('en_happy_prompt.wav');
  base = await analyze(input);
  expect(base.f0MedianSt, 'the corpus clip must have a measurable F0').not.toBeNull();
});

function medianSt(m: TakeMetrics): number {
  expect(m.f0MedianSt, 'output F0 must be measurable').not.toBeNull();
  return m.f0MedianSt!;
}

describe('emotion', () => {
  it('happy raises the median F0 by at least 1 semitone, and a second iteration raises it further', async () => {
    const first = await edit(input, { task: 'emotion', option: 'happy' });
    const m1 = await analyze(first.audio);
    const d1 = medianSt(m1) - base.f0MedianSt!;
    expect(d1).toBeGreaterThanOrEqual(1);
    const second = await edit(first.audio, { task: 'emotion', option: 'happy', iteration: 1 });
    const d2 = medianSt(await analyze(second.audio)) - base.f0MedianSt!;
    expect(d2).toBeGreaterThan(d1 + 0.5);
  });

  it('sad lowers the median F0 by at least 1 semitone, and a second iteration lowers it further', async () => {
    const first = await edit(input, { task: 'emotion', option: 'sad' });
    const d1 = medianSt(await analyze(first.audio)) - base.f0MedianSt!;
    expect(d1).toBeLessThanOrEqual(-1);
    const second = await edit(first.audio, { task: 'emotion', option: 'sad', iteration: 1 });
    const d2 = medianSt(await analyze(second.audio)) - base.f0MedianSt!;
    expect(d2).toBeLessThan(d1 - 0.5);
  });

  // The preset parameters scale exactly (unit test); the measured median also moves with the range change, so the
  // acoustic ratio is only roughly 2.
  it('intensity scales the change: 0 leaves F0 alone, 1 moves it much further than the default', async () => {
    const zero = medianSt(await analyze((await edit(input, { task: 'emotion', option: 'happy', intensity: 0 })).audio));
    const half = medianSt(await analyze((await edit(input, { task: 'emotion', option: 'happy', intensity: 0.5 })).audio));
    const full = medianSt(await analyze((await edit(input, { task: 'emotion', option: 'happy', intensity: 1 })).audio));
    expect(Math.abs(zero - base.f0MedianSt!)).toBeLessThan(0.3);
    const dHalf = half - base.f0MedianSt!;
    const dFull = full - base.f0MedianSt!;
    expect(dHalf).toBeGreaterThanOrEqual(1);
    expect(dFull / dHalf).toBeGreaterThan(1.6);
    expect(dFull / dHalf).toBeLessThan(3);
  });

  it('remove narrows an expressive F0 range toward a neutral span and keeps loudness', async () => {
    const res = await edit(input, { task: 'emotion', option: 'remove' });
    const m = await analyze(res.audio);
    expect(base.f0RangeSt!).toBeGreaterThan(10);
    expect(m.f0RangeSt!).toBeLessThan(base.f0RangeSt! - 1.5);
    expect(Math.abs(m.loudnessLufs! - base.loudnessLufs!)).toBeLessThanOrEqual(1);
  });
});

describe('style', () => {
  it('whisper leaves a voiced ratio below 40 % of the input\'s', async () => {
    const res = await edit(input, { task: 'style', option: 'whisper' });
    const m = await analyze(res.audio);
    expect(base.voicedRatio!).toBeGreaterThan(0.3);
    expect(m.voicedRatio!).toBeLessThan(0.4 * base.voicedRatio!);
  });

  it('child raises F0 strongly; deeply lowers it', async () => {
    const child = medianSt(await analyze((await edit(input, { task: 'style', option: 'child' })).audio));
    const deep = medianSt(await analyze((await edit(input, { task: 'style', option: 'deeply' })).audio));
    expect(child - base.f0MedianSt!).toBeGreaterThan(3);
    expect(deep - base.f0MedianSt!).toBeLessThan(-2);
  });
});

describe('speed', () => {
  const cases: Array<[string, number]> = [
    ['faster', 1.25],
    ['slower', 0.8],
    ['more faster', 1.5],
    ['more slower', 0.67],
  ];
  it.each(cases)('%s changes duration by its ratio (tempo %s) within 5 percent, median F0 within 0.5 st', async (option, tempo) => {
    const res = await edit(input, { task: 'speed', option });
    const m = await analyze(res.audio);
    const ratio = seconds(res.audio) / seconds(input);
    expect(Math.abs(ratio - 1 / tempo) / (1 / tempo)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(medianSt(m) - base.f0MedianSt!)).toBeLessThanOrEqual(0.5);
    expect(res.audio.channels[0]!.length).toBe(Math.round(input.channels[0]!.length / tempo));
  });
});
