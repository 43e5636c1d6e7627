// Fair comparisons: a take's loudness against its parent and its source (what the renderer gain-matches with), and
// the metrics of a long take merged from its changed span (energy-weighted loudness, speech time, segments shifted).
import { describe, expect, it } from 'vitest';
import { mergeRegionMetrics } from '../../../src-main/audio/analysis/merge';
import type { MediaRow, TakeRow } from '../../../src-main/store/rows';
import { takeEntity } from '../../../src-main/studio/mapping';

const media: MediaRow = { hash: 'a'.repeat(64), ext: 'wav', format: 'wav', sample_rate: 48000, channels: 1, frames: 48000, bytes: 1, original_name: null, created_at: 't' };

function row(id: number, parent: number | null, lufs: number | null): TakeRow {
  return {
    id,
    clip_id: 1,
    parent_id: parent,
    media_hash: media.hash,
    kind: parent === null ? 'source' : 'edit',
    name: `t${id}`,
    starred: 0,
    engine: null,
    engine_version: null,
    pack_hash: null,
    task: null,
    option: null,
    iteration: null,
    seed: null,
    text_before: null,
    text_after: null,
    params: '{}',
    metrics: lufs === null ? null : JSON.stringify({ loudnessLufs: lufs, f0MedianSt: 2, durationSec: 1 }),
    deltas: null,
    job_id: null,
    state: 'visible',
    created_at: 't',
    change: null,
  };
}

describe('take levels for gain matching', () => {
  it('gives the loudness against the parent and the source, and the deltas against the source', () => {
    const t = takeEntity(row(3, 2, -20.5), media, false, {
      parentMetrics: { loudnessLufs: -18.25 },
      sourceMetrics: { loudnessLufs: -24, f0MedianSt: 1, durationSec: 2 },
      isSource: false,
    });
    expect(t.level).toEqual({ lufs: -20.5, vsParentLu: -2.25, vsSourceLu: 3.5 });
    // Playing this take at the source's loudness takes −vsSourceLu dB.
    expect(-t.level.vsSourceLu!).toBe(-3.5);
    expect(t.deltasVsSource).toMatchObject({ loudnessLu: 3.5, f0MedianSt: 1, durationRatio: 0.5 });
  });

  it('is 0 against itself for the source, and unknown where a side was not measured', () => {
    expect(takeEntity(row(1, null, -23), media, false, { parentMetrics: null, sourceMetrics: null, isSource: true }).level).toEqual({
      lufs: -23,
      vsParentLu: null,
      vsSourceLu: 0,
    });
    const unmeasured = takeEntity(row(2, 1, null), media, false, { parentMetrics: { loudnessLufs: -23 }, sourceMetrics: { loudnessLufs: -23 }, isSource: false });
    expect(unmeasured.level).toEqual({ lufs: null, vsParentLu: null, vsSourceLu: null });
    expect(unmeasured.deltasVsSource).toBeNull();
  });
});

describe('merged metrics of a long take', () => {
  const parent = {
    durationSec: 100,
    speechSec: 80,
    segments: [
      { start: 0, end: 40 },
      { start: 50, end: 90 },
    ],
    loudnessLufs: -20,
    f0MedianSt: 5,
    truePeakDbtp: -3,
  };

  it('swaps the span\'s energy, shifts the later segments and keeps estimates labelled', () => {
    // The span 30–35 s (5 s of speech at −20 LUFS) becomes 6 s long, 6 s of speech at −14 LUFS.
    const m = mergeRegionMetrics({
      parent,
      before: { speechSec: 5, loudnessLufs: -20, f0MedianSt: 5 },
      after: { speechSec: 6, loudnessLufs: -14, f0MedianSt: 7, segments: [{ start: 0, end: 6 }] },
      span: { parentStart: 30, parentEnd: 35, start: 30, end: 36 },
      durationSec: 101,
      truePeakDbtp: -2.5,
      samplePeakDbfs: -3.1,
    });
    expect(m.durationSec).toBe(101);
    expect(m.segments).toEqual([
      { start: 0, end: 30 },
      { start: 30, end: 36 },
      { start: 36, end: 41 },
      { start: 51, end: 91 },
    ]);
    expect(m.speechSec).toBe(81);
    // Mean square: (75 s at −20 + 6 s at −14) / 81 s.
    const p = (l: number) => 10 ** ((l + 0.691) / 10);
    const want = -0.691 + 10 * Math.log10((75 * p(-20) + 6 * p(-14)) / 81);
    expect(m.loudnessLufs).toBeCloseTo(want, 3);
    // F0: the parent's median moved by the span's change weighted by its share of the speech (6 / 81).
    expect(m.f0MedianSt).toBeCloseTo(5 + (6 / 81) * 2, 3);
    expect(m.truePeakDbtp).toBe(-2.5);
    expect(m.merged.estimated).toContain('loudnessLufs');
    expect(m.merged.estimated).not.toContain('truePeakDbtp');
  });

  it('keeps the parent\'s F0 when the old span was measured for its level only', () => {
    const m = mergeRegionMetrics({
      parent,
      before: { speechSec: 5, loudnessLufs: -20 },
      after: { speechSec: 5, loudnessLufs: -20, f0MedianSt: 9 },
      span: { parentStart: 30, parentEnd: 35, start: 30, end: 35 },
      durationSec: 100,
    });
    expect(m.f0MedianSt).toBe(5);
    expect(m.loudnessLufs).toBeCloseTo(-20, 6);
    expect(m.merged.estimated).toContain('truePeakDbtp');
  });
});
