// Fair A/B in the renderer: the loudness compensation from the takes' stored measurements (a region edit on its
// region's change, a chain summed, unknown steps falling back to the whole take's difference, capped), the
// equal-power crossfade curves of the switch, the playhead mapped through the spans an edit changed, and the playback
// controller that plays each take at its gain, switches matched/raw live and crossfades on A/B.

import { describe, expect, it } from 'vitest';
import type { Metrics, Take, TakeChange } from '../../../src-main/contract';
import { equalPowerCurves } from '../../../src-renderer/audio/ramps';
import { SharedOutput } from '../../../src-renderer/audio/shared-output';
import { dbToGain, loudnessVsSourceLu, matchGainDb, MAX_MATCH_DB, stepChangeLu } from '../../../src-renderer/lib/level-match';
import { AB_CROSSFADE_SEC, PlaybackController } from '../../../src-renderer/lib/playback.svelte';
import { mapTakeTime } from '../../../src-renderer/lib/take-map';
import { FakeOutput } from './fake-output';
import { take } from './fake-core';

const SR = 48_000;

function level(lufs: number | null, vsParentLu: number | null, vsSourceLu: number | null): Take['level'] {
  return { lufs, vsParentLu, vsSourceLu };
}

/** A region edit's change record: the region measured before and after, and the spans (take samples). */
function regionChange(before: number, after: number, spans: TakeChange['spans'] = []): TakeChange {
  const m = (l: number) => ({ loudnessLufs: l }) as unknown as Metrics;
  return {
    spans,
    requested: { start: 0, end: SR },
    cuts: [],
    windows: 1,
    lengthMode: 'fit',
    lengthChange: 0,
    editedLengthChange: 0,
    fitRatio: 1,
    before: m(before),
    after: m(after),
    deltas: null,
    text: null,
    textSource: null,
    measured: 'whole',
  };
}

describe('loudness compensation', () => {
  it('plays a whole-clip edit at its source loudness: the negated difference', () => {
    const src = take(1, 7, null, { level: level(-20, null, 0) });
    const loud = take(2, 7, 1, { level: level(-15.8, 4.2, 4.2) });
    const byId = (id: number) => [src, loud].find((t) => t.id === id);
    expect(stepChangeLu(loud)).toBeCloseTo(4.2, 9);
    expect(matchGainDb(loud, byId)).toBeCloseTo(-4.2, 9);
    expect(matchGainDb(src, byId)).toBe(0);
    expect(dbToGain(-6.0206)).toBeCloseTo(0.5, 4);
  });

  it('matches a region edit on its region, not on the diluted whole take', () => {
    const src = take(1, 7, null, { level: level(-20, null, 0) });
    // The whole take moved 0.8 LU, the edited words 6 LU: the words are what is compared.
    const region = take(2, 7, 1, { level: level(-19.2, 0.8, 0.8), change: regionChange(-21, -15) });
    const byId = (id: number) => [src, region].find((t) => t.id === id);
    expect(stepChangeLu(region)).toBeCloseTo(6, 9);
    expect(matchGainDb(region, byId)).toBeCloseTo(-6, 9);
  });

  it('adds up a chain of edits, and falls back to the whole take when a step is unknown', () => {
    const src = take(1, 7, null, { level: level(-20, null, 0) });
    const a = take(2, 7, 1, { level: level(-18, 2, 2) });
    const b = take(3, 7, 2, { level: level(-17, 1, 3), change: regionChange(-22, -19) });
    const byId = (id: number) => [src, a, b].find((t) => t.id === id);
    // 2 (whole) + 3 (region) = 5, not the whole take's 3.
    expect(loudnessVsSourceLu(b, byId)).toBeCloseTo(5, 9);
    const unknown = take(4, 7, 2, { level: level(-16, null, 4) });
    const byId2 = (id: number) => [src, a, unknown].find((t) => t.id === id);
    expect(loudnessVsSourceLu(unknown, byId2)).toBe(4);
    // A chain that leaves the list cannot be summed: the whole take's own difference.
    expect(loudnessVsSourceLu(b, (id) => (id === 2 ? a : undefined))).toBe(3);
    // Nothing known at all: no compensation (null, played raw).
    expect(matchGainDb(take(5, 7, 1, { level: level(null, null, null) }), () => undefined)).toBeNull();
  });

  it('never lifts or cuts by more than the cap', () => {
    const src = take(1, 7, null, { level: level(-20, null, 0) });
    const whisper = take(2, 7, 1, { level: level(-60, -40, -40) });
    const byId = (id: number) => [src, whisper].find((t) => t.id === id);
    expect(matchGainDb(whisper, byId)).toBe(MAX_MATCH_DB);
    const shout = take(3, 7, 1, { level: level(10, 30, 30) });
    expect(matchGainDb(shout, (id) => (id === 1 ? src : shout))).toBe(-MAX_MATCH_DB);
  });
});

describe('equal-power crossfade', () => {
  it('keeps the summed power at one through the switch and ends exactly', () => {
    const { fadeIn, fadeOut } = equalPowerCurves(1, 1, 33);
    expect(fadeIn.length).toBe(33);
    for (let i = 0; i < 33; i++) expect(fadeIn[i]! ** 2 + fadeOut[i]! ** 2).toBeCloseTo(1, 6);
    expect([fadeIn[0], fadeOut[0], fadeIn[32], fadeOut[32]]).toEqual([0, 1, 1, 0]);
    // Monotonic: no step back (a click) anywhere along either curve.
    for (let i = 1; i < 33; i++) {
      expect(fadeIn[i]!).toBeGreaterThanOrEqual(fadeIn[i - 1]!);
      expect(fadeOut[i]!).toBeLessThanOrEqual(fadeOut[i - 1]!);
    }
  });

  it('fades to the gains each side plays at (matched levels)', () => {
    const { fadeIn, fadeOut } = equalPowerCurves(0.5, 2, 8);
    expect(fadeOut[0]).toBeCloseTo(0.5, 6);
    expect(fadeIn[7]).toBe(2);
  });
});

describe('the playhead across takes', () => {
  // The edit replaced parent seconds [1, 2) by 1.5 s of new audio: after it, everything is 0.5 s later.
  const parent = take(1, 7, null, { media: { ...take(1, 7, null).media, durationSec: 4 } });
  const child = take(2, 7, 1, {
    media: { ...take(2, 7, 1).media, durationSec: 4.5 },
    change: { ...regionChange(-20, -20, [{ start: SR, end: 2.5 * SR, parentStart: SR, parentEnd: 2 * SR }]), lengthChange: SR / 2 },
  });
  const byId = (id: number) => [parent, child].find((t) => t.id === id);

  it('keeps the same moment outside the changed span and the same share inside it', () => {
    expect(mapTakeTime(parent, child, 0.5, byId, SR)).toBeCloseTo(0.5, 9);
    expect(mapTakeTime(parent, child, 1.5, byId, SR)).toBeCloseTo(1.75, 9);
    expect(mapTakeTime(parent, child, 3, byId, SR)).toBeCloseTo(3.5, 9);
    expect(mapTakeTime(child, parent, 3.5, byId, SR)).toBeCloseTo(3, 9);
    expect(mapTakeTime(child, parent, 1.75, byId, SR)).toBeCloseTo(1.5, 9);
  });

  it('maps siblings through the take they both come from, and unrelated takes by share', () => {
    const sibling = take(3, 7, 1, { media: { ...take(3, 7, 1).media, durationSec: 4 } });
    const all = (id: number) => [parent, child, sibling].find((t) => t.id === id);
    // The sibling recorded no change: it maps to its parent by share (4 s ↔ 4 s, one to one).
    expect(mapTakeTime(child, sibling, 3.5, all, SR)).toBeCloseTo(3, 9);
    const stranger = take(9, 8, null, { media: { ...take(9, 8, null).media, durationSec: 8 } });
    expect(mapTakeTime(parent, stranger, 1, (id) => (id === 9 ? stranger : parent), SR)).toBeCloseTo(2, 9);
  });
});

describe('playback at matched loudness', () => {
  const src = take(1, 7, null, { level: level(-20, null, 0), media: { ...take(1, 7, null).media, durationSec: 4 } });
  const edit = take(2, 7, 1, { level: level(-14, 6, 6), media: { ...take(2, 7, 1).media, durationSec: 4 } });
  const byId = (id: number) => [src, edit].find((t) => t.id === id);

  function player() {
    const fake = new FakeOutput();
    const shared = new SharedOutput(fake);
    const pb = new PlaybackController(() => ({ a: src, b: edit }), (u) => u, shared, {
      gainOf: (t) => matchGainDb(t, byId),
      mapTime: (from, to, sec) => mapTakeTime(from, to, sec, byId, SR),
      frame: () => 0,
    });
    return { fake, pb };
  }

  it('plays B at its compensation and shows it; raw plays unity, changed live on the bus', async () => {
    const { fake, pb } = player();
    expect(pb.matchDb).toBeCloseTo(-6, 9);
    await pb.play();
    const first = fake.plays[0]!;
    const bus = first.program.segments[0]!.bus;
    expect(first.program.buses[bus]).toBeCloseTo(dbToGain(-6), 9);
    pb.setMatched(false);
    expect(fake.gains.at(-1)).toEqual([bus, 1]);
    pb.setMatched(true);
    expect(fake.gains.at(-1)![1]).toBeCloseTo(dbToGain(-6), 9);
  });

  it('switches A/B while playing with a crossfade from the same moment', async () => {
    const { fake, pb } = player();
    await pb.play();
    fake.elapsed = 2.5;
    await pb.toggleAB();
    const sw = fake.plays.at(-1)!;
    expect(pb.side).toBe('a');
    expect(sw.opts.crossfadeSec).toBe(AB_CROSSFADE_SEC);
    expect(sw.from).toBeCloseTo(2.5, 9);
    // A is the source: no compensation, on its own bus (the two cross on separate gains).
    const bus = sw.program.segments[0]!.bus;
    expect(sw.program.buses[bus]).toBe(1);
    expect(bus).not.toBe(fake.plays[0]!.program.segments[0]!.bus);
    expect(fake.stops).toBe(0);
  });
});
