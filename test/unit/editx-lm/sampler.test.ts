import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { Xoshiro128 } from '../../../src-main/engines/editx/lm/rng';
import type { RandomSource, SamplerSettings } from '../../../src-main/engines/editx/lm/sampler';
import { SamplerScratch, repetitionBan, sampleFull, sampleSorted, topIndices } from '../../../src-main/engines/editx/lm/sampler';

/** Returns the given uniform draws in order. */
class Scripted implements RandomSource {
  constructor(private readonly draws: number[]) {}
  nextFloat(): number {
    const x = this.draws.shift();
    if (x === undefined) throw new Error('no draw left');
    return x;
  }
}

const base: SamplerSettings = { temperature: 1, topK: 0, topP: 1, repetitionWindow: 10, repetitionMaxCount: 1 };
const pick = (values: number[], ids: number[], u: number, s: Partial<SamplerSettings> = {}, banned = -1): number =>
  sampleSorted(values, ids, values.length, banned, { ...base, ...s }, new Scripted([u]));

describe('repetitionBan', () => {
  it('bans the last id when it occurs more than once in the last 10', () => {
    expect(repetitionBan([1, 2, 3, 4, 5, 6, 7, 8, 9, 7], 10, 10, 1)).toBe(7);
    expect(repetitionBan([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10, 10, 1)).toBe(-1);
    // the earlier 7 has left the window
    expect(repetitionBan([7, 1, 2, 3, 4, 5, 6, 8, 9, 10, 7], 11, 10, 1)).toBe(-1);
  });

  it('counts a repeat in the window\'s first slot (10 ids back), not the one just before it', () => {
    // 7 at position 0 and at position 9: both inside a window of 10, so 7 is banned; a window of 9 would miss it.
    const h = [7, 1, 2, 3, 4, 5, 6, 8, 9, 7];
    expect(repetitionBan(h, 10, 10, 1)).toBe(7);
    expect(repetitionBan(h, 10, 9, 1)).toBe(-1);
    // One id later the first 7 has left the window of 10.
    expect(repetitionBan([...h, 7].slice(1), 10, 10, 1)).toBe(7);
    expect(repetitionBan([0, ...h], 11, 10, 1)).toBe(7);
    expect(repetitionBan([7, 0, 1, 2, 3, 4, 5, 6, 8, 9, 7], 11, 10, 1)).toBe(-1);
  });

  it('looks only at the first `length` entries and needs a full window', () => {
    const buf = Int32Array.from([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 9, 9]);
    expect(repetitionBan(buf, 10, 10, 1)).toBe(5);
    expect(repetitionBan(buf, 9, 10, 1)).toBe(-1);
    expect(repetitionBan(buf, 12, 10, 1)).toBe(9);
    expect(repetitionBan(buf, 12, 10, 2)).toBe(-1); // two 9s allowed when maxCount is 2
    expect(repetitionBan(buf, 12, 0, 1)).toBe(-1); // window 0 disables the guard
  });
});

describe('sampleSorted', () => {
  // logits 2, 1, 0 at T = 1: p ∝ e², e, 1 = 7.389, 2.718, 1 → 0.6652, 0.2447, 0.0900; cumulative 0.6652, 0.9100.
  const v = [2, 1, 0];
  const ids = [10, 11, 12];

  it('draws by cumulative probability', () => {
    expect(pick(v, ids, 0.66)).toBe(10);
    expect(pick(v, ids, 0.67)).toBe(11);
    expect(pick(v, ids, 0.909)).toBe(11);
    expect(pick(v, ids, 0.911)).toBe(12);
  });

  it('divides logits by the temperature', () => {
    // T = 0.5: p ∝ e⁴, e², 1 = 54.60, 7.389, 1 → 0.8668, 0.1173, 0.0159; cumulative 0.8668, 0.9841.
    expect(pick(v, ids, 0.866, { temperature: 0.5 })).toBe(10);
    expect(pick(v, ids, 0.868, { temperature: 0.5 })).toBe(11);
    expect(pick(v, ids, 0.985, { temperature: 0.5 })).toBe(12);
    // T = 2: p ∝ e, e^0.5, 1 = 2.718, 1.649, 1 → 0.5065, 0.3072; cumulative 0.5065, 0.8137.
    expect(pick(v, ids, 0.5, { temperature: 2 })).toBe(10);
    expect(pick(v, ids, 0.51, { temperature: 2 })).toBe(11);
    expect(pick(v, ids, 0.82, { temperature: 2 })).toBe(12);
  });

  it('keeps only the top k', () => {
    // top-2: e², e renormalised → 0.7311, 1; no draw can reach id 12.
    expect(pick(v, ids, 0.73, { topK: 2 })).toBe(10);
    expect(pick(v, ids, 0.74, { topK: 2 })).toBe(11);
    expect(pick(v, ids, 0.9999, { topK: 2 })).toBe(11);
    expect(pick(v, ids, 0.9999, { topK: 1 })).toBe(10);
  });

  it('applies top-p as transformers does', () => {
    // top-p 0.8: the least likely id (0.0900 ≤ 0.2) goes; the next tail (0.3347) stays → 0.7311, 1 as with top-2.
    expect(pick(v, ids, 0.74, { topP: 0.8 })).toBe(11);
    expect(pick(v, ids, 0.9999, { topP: 0.8 })).toBe(11);
    // top-p 0.95: 0.0900 > 0.05, nothing goes.
    expect(pick(v, ids, 0.9999, { topP: 0.95 })).toBe(12);
    // top-p 0.5: tails 0.09 and 0.3347 are ≤ 0.5; the most likely id always stays.
    expect(pick(v, ids, 0.9999, { topP: 0.5 })).toBe(10);
  });

  it('skips the banned id and still uses k candidates', () => {
    // banned 10, top-2 → 11 and 12: e, 1 → 0.7311, 1
    expect(pick(v, ids, 0.72, { topK: 2 }, 10)).toBe(11);
    expect(pick(v, ids, 0.74, { topK: 2 }, 10)).toBe(12);
    // greedy takes the best id that is not banned
    expect(pick(v, ids, 0, { temperature: 0 }, 10)).toBe(11);
    expect(pick(v, ids, 0, { temperature: 0 })).toBe(10);
  });

  it('reads bigint ids as the graph returns them', () => {
    expect(sampleSorted(new Float32Array(v), BigInt64Array.from([10n, 11n, 12n]), 3, -1, base, new Scripted([0.95]))).toBe(12);
  });

  it('reports NaN logits and an empty choice as engine failures', () => {
    expect(() => pick([Number.NaN, 1], [1, 2], 0.5)).toThrow(RetakeError);
    expect(() => pick([1], [5], 0.5, {}, 5)).toThrow(/no id to choose/);
  });

  it('reports an infinite best logit as invalid numbers instead of drawing the last candidate', () => {
    const invalid = expect.objectContaining({ code: 'E_ENGINE_FAILED', message: expect.stringMatching(/invalid numbers/) });
    // With +∞ on top every probability is NaN and the draw used to fall through to the last id (3 here).
    expect(() => pick([Infinity, 2, 1], [1, 2, 3], 0.5)).toThrow(invalid);
    expect(() => pick([Infinity, 2, 1], [1, 2, 3], 0.5, { temperature: 0 })).toThrow(invalid);
    expect(() => pick([-Infinity, -Infinity], [1, 2], 0.5)).toThrow(invalid);
    expect(() => pick([2, Number.NaN], [1, 2], 0.5)).toThrow(invalid);
    // The banned id may be infinite: it takes no part.
    expect(pick([Infinity, 2, 1], [1, 2, 3], 0.99, { temperature: 0 }, 1)).toBe(2);
    const row = Float32Array.from([0, Infinity, 1]);
    expect(() => sampleFull(row, -1, base, new Scripted([0.5]))).toThrow(invalid);
    expect(() => sampleFull(row, -1, { ...base, topK: 2 }, new Scripted([0.5]))).toThrow(invalid);
    expect(sampleFull(row, 1, base, new Scripted([0.99]))).toBe(2);
  });
});

describe('sampleFull', () => {
  it('draws over the whole row without top-k', () => {
    // p ∝ 1, e², e = 0.0900, 0.6652, 0.2447 in id order: cumulative 0.0900 (id 0), 0.7552 (id 1), 1 (id 2).
    const logits = Float32Array.from([0, 2, 1]);
    expect(sampleFull(logits, -1, base, new Scripted([0.08]))).toBe(0);
    expect(sampleFull(logits, -1, base, new Scripted([0.1]))).toBe(1);
    expect(sampleFull(logits, -1, base, new Scripted([0.76]))).toBe(2);
    expect(sampleFull(logits, 1, { ...base, temperature: 0 }, new Scripted([]))).toBe(2);
  });

  it('matches the top-k candidate path draw for draw', () => {
    const gen = Xoshiro128.fromSeed(3);
    const logits = new Float32Array(5000).map(() => (gen.nextFloat() - 0.5) * 12);
    const order = topIndices(logits, 51);
    const vals = Float32Array.from(order, (i) => logits[i] as number);
    const s = { ...base, temperature: 0.7, topK: 50 };
    const a = Xoshiro128.fromSeed(9);
    const b = Xoshiro128.fromSeed(9);
    for (let n = 0; n < 200; n++) {
      const banned = n % 3 === 0 ? (order[0] as number) : -1;
      expect(sampleFull(logits, banned, s, a)).toBe(sampleSorted(vals, order, 51, banned, s, b));
    }
  });
});

describe('topIndices', () => {
  it('finds the largest values in order, ties by index, skipping one index', () => {
    const v = Float32Array.from([3, 9, 1, 9, 7, -Infinity, 8]);
    expect(Array.from(topIndices(v, 3))).toEqual([1, 3, 6]);
    expect(Array.from(topIndices(v, 3, 3))).toEqual([1, 6, 4]);
    expect(Array.from(topIndices(v, 7))).toEqual([1, 3, 6, 4, 0, 2, 5]);
  });

  it('agrees with a full sort on random rows', () => {
    const gen = Xoshiro128.fromSeed(5);
    const v = new Float32Array(3000).map(() => gen.nextFloat());
    const sorted = Array.from(v.keys()).sort((a, b) => (v[b] as number) - (v[a] as number) || a - b);
    expect(Array.from(topIndices(v, 50))).toEqual(sorted.slice(0, 50));
  });
});

// ---- cases found by mutation testing (npm run mutation -- sampler): each pins a boundary or a path the tests above
// left free.

describe('sampler boundaries', () => {
  it('repetitionBan reads no further than `length`, even when the buffer holds the last id beyond it', () => {
    const buf = Int32Array.from([1, 2, 3, 4, 6, 7, 8, 9, 0, 5, 5]);
    expect(repetitionBan(buf, 10, 10, 1)).toBe(-1);
    expect(repetitionBan(buf, 11, 10, 1)).toBe(5);
  });

  it('draws over more than 64 candidates with a fresh or a reused scratch', () => {
    // 100 equal logits: each id owns 1/100 of [0, 1); u = 0.995 falls in the last one.
    const n = 100;
    const values = new Array(n).fill(0);
    const ids = Array.from({ length: n }, (_, i) => 1000 + i);
    expect(sampleSorted(values, ids, n, -1, base, new Scripted([0.995]))).toBe(1099);
    expect(sampleSorted(values, ids, n, -1, base, new Scripted([0.505]))).toBe(1050);
    const scratch = new SamplerScratch();
    expect(sampleSorted(values.slice(0, 3), ids, 3, -1, base, new Scripted([0.9]), scratch)).toBe(1002);
    expect(sampleSorted(values, ids, n, -1, base, new Scripted([0.995]), scratch)).toBe(1099);
    expect(scratch.probs.length).toBeGreaterThanOrEqual(n);
  });

  it('a draw on the boundary between two candidates belongs to the second (intervals are [a, b))', () => {
    // Equal logits: exactly 1 and 1, total 2; u · total = 1 is the start of the second interval.
    expect(pick([0, 0], [7, 8], 0.5)).toBe(8);
    expect(pick([0, 0], [7, 8], 0.4999)).toBe(7);
    expect(sampleFull(Float32Array.from([0, 0]), -1, base, new Scripted([0.5]))).toBe(1);
    expect(sampleFull(Float32Array.from([0, 0]), -1, base, new Scripted([0.4999]))).toBe(0);
  });

  it('subtracts the best logit before exponentiating, so large logits do not overflow', () => {
    // e^(±1600) overflows; relative to the best they are e^0, e^-1, e^-2 as in the first test.
    expect(pick([800, 799, 798], [10, 11, 12], 0.67)).toBe(11);
    expect(pick([800, 799, 798], [10, 11, 12], 0.911)).toBe(12);
    expect(sampleFull(Float32Array.from([798, 800, 799]), -1, base, new Scripted([0.76]))).toBe(2);
  });

  it('top-p leaves the dropped ids out of the total the draw is scaled by', () => {
    // p = 0.4, 0.3, 0.2, 0.1 (logits ln p); top-p 0.85 drops 0.1 (≤ 0.15), keeps 0.9 → cumulative 0.444, 0.778, 1.
    const v = [Math.log(0.4), Math.log(0.3), Math.log(0.2), Math.log(0.1)];
    const ids = [1, 2, 3, 4];
    expect(pick(v, ids, 0.75, { topP: 0.85 })).toBe(2);
    expect(pick(v, ids, 0.79, { topP: 0.85 })).toBe(3);
    expect(pick(v, ids, 0.43, { topP: 0.85 })).toBe(1);
    expect(pick(v, ids, 0.9999, { topP: 0.85 })).toBe(3);
  });

  it('sampleFull applies top-p and the temperature on the whole-row path, and leaves the banned id out', () => {
    const row = Float32Array.from([Math.log(0.1), Math.log(0.4), Math.log(0.2), Math.log(0.3)]);
    // top-p 0.85 without top-k: id 0 (0.1) goes; kept 0.4, 0.3, 0.2 → a draw of 0.9999 ends at id 2.
    expect(sampleFull(row, -1, { ...base, topP: 0.85 }, new Scripted([0.9999]))).toBe(2);
    expect(sampleFull(row, -1, base, new Scripted([0.05]))).toBe(0);
    // T = 0.5 squares the odds: p ∝ 0.01, 0.16, 0.04, 0.09 → cumulative 0.033, 0.567, 0.7, 1.
    expect(sampleFull(row, -1, { ...base, temperature: 0.5 }, new Scripted([0.6]))).toBe(2);
    expect(sampleFull(row, -1, { ...base, temperature: 0.5 }, new Scripted([0.71]))).toBe(3);
    // A banned id with the best logit takes no share: ids 1 and 2 split the draw equally.
    const banned = Float32Array.from([10, 0, 0]);
    expect(sampleFull(banned, 0, base, new Scripted([0.4]))).toBe(1);
    expect(sampleFull(banned, 0, base, new Scripted([0.6]))).toBe(2);
    expect(() => sampleFull(Float32Array.from([0, Number.NaN, 1]), -1, base, new Scripted([0.5]))).toThrow(
      expect.objectContaining({ code: 'E_ENGINE_FAILED' }),
    );
  });

  it('an empty choice is E_ENGINE_FAILED', () => {
    expect(() => pick([1], [5], 0.5, {}, 5)).toThrow(expect.objectContaining({ code: 'E_ENGINE_FAILED' }));
  });
});

describe('topIndices boundaries', () => {
  it('takes the whole-row path at n ≥ length − 1 and returns exactly n ids, ties by index', () => {
    const v = Float32Array.from([2, 5, 5, 1, 5]);
    expect(Array.from(topIndices(v, 4))).toEqual([1, 2, 4, 0]);
    expect(Array.from(topIndices(v, 5))).toEqual([1, 2, 4, 0, 3]);
    expect(Array.from(topIndices(v, 9))).toEqual([1, 2, 4, 0, 3]);
    expect(Array.from(topIndices(v, 4, 2))).toEqual([1, 4, 0, 3]);
    expect(Array.from(topIndices(v, 3))).toEqual([1, 2, 4]);
    expect(Array.from(topIndices(v, 3, 1))).toEqual([2, 4, 0]);
  });

  it('fills with −∞ values when there are too few finite ones, and refuses NaN', () => {
    const v = Float32Array.from([3, -Infinity, 2, -Infinity, 1, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
    expect(Array.from(topIndices(v, 5))).toEqual([0, 2, 4, 1, 3]);
    expect(() => topIndices(Float32Array.from([1, 2, Number.NaN, 0, 0, 0]), 2)).toThrow(expect.objectContaining({ code: 'E_ENGINE_FAILED' }));
  });
});
