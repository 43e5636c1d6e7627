import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { Xoshiro128 } from '../../../src-main/engines/editx/lm/rng';
import type { RandomSource, SamplerSettings } from '../../../src-main/engines/editx/lm/sampler';
import { repetitionBan, sampleFull, sampleSorted, topIndices } from '../../../src-main/engines/editx/lm/sampler';

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
