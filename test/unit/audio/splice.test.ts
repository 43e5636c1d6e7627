// Region edits at the sample level: the window planner (widening to pauses, splitting at pauses under an engine's
// limit, cuts at the quietest spot) and the splice (lengths, changed spans, the crossfade's bound on discontinuities).
import { describe, expect, it } from 'vitest';
import {
  pausesOf,
  planWindows,
  quietestStart,
  spliceWindows,
  windowInput,
  type WindowPlan,
} from '../../../src-main/audio/splice';
import { frameCount, type AudioData } from '../../../src-main/audio/types';
import { Rng as Prng } from '../../../src-main/audio/dsp/prng';

const SR = 1000;
const mono = (x: Float32Array): AudioData => ({ sampleRate: SR, channels: [x] });

/** Speech (noise at 0.5) in the given seconds, near-silence (1e-4 noise) elsewhere. */
function speechLike(seconds: number, speech: Array<[number, number]>, seed = 1): AudioData {
  const rng = new Prng(seed);
  const x = new Float32Array(seconds * SR);
  for (let i = 0; i < x.length; i++) {
    const t = i / SR;
    const loud = speech.some(([a, b]) => t >= a && t < b);
    x[i] = (rng.next() * 2 - 1) * (loud ? 0.5 : 1e-4);
  }
  return mono(x);
}

describe('window planner', () => {
  const speech: Array<[number, number]> = [[0.5, 3], [3.4, 7], [7.5, 9.5]];
  const segs = speech.map(([start, end]) => ({ start, end }));
  const audio = speechLike(10, speech);
  const quiet = (a: number, b: number, prefer: number) => quietestStart(audio, a, b, 20, prefer);

  it('lists the pauses around the speech segments', () => {
    expect(pausesOf(segs, 10 * SR, SR)).toEqual([
      { start: 0, end: 500 },
      { start: 3000, end: 3400 },
      { start: 7000, end: 7500 },
      { start: 9500, end: 10000 },
    ]);
  });

  it('widens a range inside speech to the pauses on either side, with cuts in the quiet', () => {
    const plan = planWindows({ frames: 10 * SR, sampleRate: SR, range: { start: 4000, end: 6000 }, widen: true, speech: segs, maxFrames: null, fade: 20, quietest: quiet });
    expect(plan.edges).toEqual({ left: 'pause', right: 'pause' });
    const [c0, c1] = plan.cuts as [number, number];
    expect(c0).toBeGreaterThanOrEqual(3000);
    expect(c0 + 20).toBeLessThanOrEqual(3400);
    expect(c1).toBeGreaterThanOrEqual(7000);
    expect(c1 + 20).toBeLessThanOrEqual(7500);
    expect(plan.widenedBy.left).toBe(4000 - c0);
  });

  it('keeps the edges of a whole-clip range, its left crossfade outside the range', () => {
    const plan = planWindows({ frames: 10 * SR, sampleRate: SR, range: { start: 2000, end: 8000 }, widen: false, speech: segs, maxFrames: null, fade: 20 });
    expect(plan.cuts).toEqual([1980, 8000]);
    expect(plan.edges).toEqual({ left: 'range', right: 'range' });
  });

  it('falls back to the quietest spot nearby when no pause is in reach', () => {
    const plan = planWindows({ frames: 10 * SR, sampleRate: SR, range: { start: 4000, end: 6000 }, widen: true, speech: [{ start: 0, end: 10 }], maxFrames: null, fade: 20, quietest: quiet });
    expect(plan.edges).toEqual({ left: 'quiet', right: 'quiet' });
    expect(plan.cuts[0]).toBeGreaterThanOrEqual(3750);
    expect(plan.cuts[1]).toBeLessThanOrEqual(6250);
  });

  it('splits a long span at pauses into windows the engine accepts', () => {
    const plan = planWindows({ frames: 10 * SR, sampleRate: SR, range: { start: 0, end: 10 * SR }, widen: false, speech: segs, maxFrames: 4000, fade: 20, quietest: quiet });
    expect(plan.cuts[0]).toBe(0);
    expect(plan.cuts[plan.cuts.length - 1]).toBe(10 * SR);
    for (let j = 0; j < plan.cuts.length - 1; j++) {
      const w = windowInput(plan, j);
      expect(w.end - w.start).toBeLessThanOrEqual(4000);
    }
    // Inner cuts lie in the pauses (3.0–3.4 s and 7.0–7.5 s).
    const inner = plan.cuts.slice(1, -1);
    expect(inner.length).toBe(2);
    expect(inner.every((c) => (c >= 3000 && c + 20 <= 3400) || (c >= 7000 && c + 20 <= 7500))).toBe(true);
  });

  it('cuts at the quietest spot when a window holds no pause', () => {
    const plan = planWindows({ frames: 10 * SR, sampleRate: SR, range: { start: 0, end: 10 * SR }, widen: false, speech: [{ start: 0, end: 10 }], maxFrames: 3000, fade: 20 });
    for (let j = 0; j < plan.cuts.length - 1; j++) {
      const w = windowInput(plan, j);
      expect(w.end - w.start).toBeLessThanOrEqual(3000);
      expect(w.end - w.start).toBeGreaterThan(1000);
    }
  });
});

/** Largest |x[i+1] − x[i]| over [from, to). */
function maxStep(x: Float32Array, from = 0, to = x.length - 1): number {
  let m = 0;
  for (let i = Math.max(0, from); i < Math.min(x.length - 1, to); i++) m = Math.max(m, Math.abs(x[i + 1]! - x[i]!));
  return m;
}

function maxAbs(x: Float32Array): number {
  return x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('splice', () => {
  const n = 4000;
  const f = 40;
  const sine = (freq: number, len: number, amp: number, phase = 0) =>
    Float32Array.from({ length: len }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / SR + phase));

  it('puts windows of any length back: output length, changed span and the next iteration\'s cuts', () => {
    const input = mono(sine(50, n, 0.5));
    const plan: WindowPlan = { cuts: [1000, 2000, 3000], fade: f, frames: n, widenedBy: { left: 0, right: 0 }, edges: { left: 'range', right: 'range' } };
    const w0 = windowInput(plan, 0);
    const w1 = windowInput(plan, 1);
    // Window 0 grows by 300 frames, window 1 shrinks by 100.
    const edited = [mono(sine(80, w0.end - w0.start + 300, 0.3)), mono(sine(80, w1.end - w1.start - 100, 0.3))];
    const r = spliceWindows(input, plan, edited);
    expect(frameCount(r.audio)).toBe(n + 200);
    expect(r.span).toEqual({ start: 1000, end: 3000 + 200 + f, parentStart: 1000, parentEnd: 3000 + f });
    expect(r.cuts).toEqual([1000, 2300, 3200]);
    // Untouched outside the span (before its first crossfade and after its last).
    const out = r.audio.channels[0]!;
    const src = input.channels[0]!;
    expect(out.subarray(0, 1000)).toEqual(src.subarray(0, 1000));
    expect(out.subarray(3200 + f)).toEqual(src.subarray(3000 + f));
  });

  it('a whole-input plan returns the edited window as it is', () => {
    const input = mono(sine(50, n, 0.5));
    const plan = planWindows({ frames: n, sampleRate: SR, range: { start: 0, end: n }, widen: false, speech: null, maxFrames: null, fade: f });
    const edited = mono(sine(70, n - 123, 0.2));
    const r = spliceWindows(input, plan, [edited]);
    expect(r.audio.channels[0]).toEqual(edited.channels[0]);
    expect(r.span).toEqual({ start: 0, end: n - 123, parentStart: 0, parentEnd: n });
  });

  it('no junction steps further than the equal-power crossfade allows', () => {
    const rng = new Prng(7);
    for (let trial = 0; trial < 20; trial++) {
      const a = sine(20 + 40 * rng.next(), n, 0.2 + 0.7 * rng.next(), 6 * rng.next());
      const plan: WindowPlan = { cuts: [1500, 2600], fade: f, frames: n, widenedBy: { left: 0, right: 0 }, edges: { left: 'range', right: 'range' } };
      const w = windowInput(plan, 0);
      const b = sine(20 + 40 * rng.next(), w.end - w.start + Math.round(200 * rng.next()), 0.2 + 0.7 * rng.next(), 6 * rng.next());
      const r = spliceWindows(mono(a), plan, [mono(b)]);
      // y = a·cos + b·sin over the crossfade: |Δy| ≤ |Δa| + |Δb| + (π / 2f)(|a| + |b|).
      const bound = maxStep(a) + maxStep(b) + (Math.PI / (2 * f)) * (maxAbs(a) + maxAbs(b));
      expect(maxStep(r.audio.channels[0]!)).toBeLessThanOrEqual(bound + 1e-6);
      // The same junctions cut hard (no crossfade) would break the bound: the test can fail.
      const hard = new Float32Array(frameCount(r.audio));
      hard.set(a.subarray(0, 1500));
      hard.set(b, 1500);
      hard.set(a.subarray(2600 + f), 1500 + b.length);
      if (trial === 0) expect(maxStep(hard)).toBeGreaterThan(bound);
    }
  });

  it('keeps constant power across a junction of uncorrelated noise', () => {
    const rng = new Prng(3);
    const noise = (len: number) => Float32Array.from({ length: len }, () => (rng.next() * 2 - 1) * 0.5);
    const big = 200_000;
    const fade = 2000;
    const a = noise(big);
    const plan: WindowPlan = { cuts: [50_000, 150_000], fade, frames: big, widenedBy: { left: 0, right: 0 }, edges: { left: 'range', right: 'range' } };
    const w = windowInput(plan, 0);
    const r = spliceWindows(mono(a), plan, [mono(noise(w.end - w.start))]);
    const y = r.audio.channels[0]!;
    const rms = (x: Float32Array, s: number, e: number) => Math.sqrt(x.subarray(s, e).reduce((acc, v) => acc + v * v, 0) / (e - s));
    const ref = rms(a, 0, 50_000);
    expect(rms(y, 50_000, 50_000 + fade) / ref).toBeCloseTo(1, 1);
    expect(rms(y, 150_000, 150_000 + fade) / ref).toBeCloseTo(1, 1);
  });

  it('splices in place (windows of unchanged length) to the same samples as the copying splice', () => {
    const rng = new Prng(11);
    const noise = (len: number) => Float32Array.from({ length: len }, () => rng.next() * 2 - 1);
    for (const cuts of [[500, 1700, 2900], [0, 1200, n], [300, 2500, n], [40, n]]) {
      const plan: WindowPlan = { cuts, fade: f, frames: n, widenedBy: { left: 0, right: 0 }, edges: { left: 'range', right: 'range' } };
      const base = noise(n);
      const edited = cuts.slice(0, -1).map((_, j) => {
        const w = windowInput(plan, j);
        return mono(noise(w.end - w.start));
      });
      const copy = spliceWindows(mono(base), plan, edited);
      const own = mono(base.slice());
      const inPlace = spliceWindows(own, plan, edited, { inPlace: true });
      expect(inPlace.audio).toBe(own);
      expect(inPlace.span).toEqual(copy.span);
      expect(inPlace.cuts).toEqual(copy.cuts);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(inPlace.audio.channels[0]![i]! - copy.audio.channels[0]![i]!));
      expect(worst).toBeLessThan(1e-7);
    }
  });

  it('finds the quietest crossfade position', () => {
    const x = sine(40, 3000, 0.5, 1);
    x.fill(0.001, 1800, 1900);
    expect(quietestStart(mono(x), 1000, 2500, 50)).toBeGreaterThanOrEqual(1800);
    expect(quietestStart(mono(x), 1000, 2500, 50) + 50).toBeLessThanOrEqual(1900);
  });
});
