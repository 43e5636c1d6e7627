import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../../../src-main/engines/editx/lm/rng';

describe('Xoshiro128', () => {
  it('reproduces xoshiro128** from state (1, 2, 3, 4)', () => {
    // Worked by hand from the algorithm: out = rotl(s1·5, 7)·9, then the xor/shift state update.
    // Step 1: rotl(10, 7)·9 = 1280·9. Step 2: s1 became 2 ^ 2 = 0. Step 3: s1 = 1029, rotl(5145, 7)·9.
    const r = new Xoshiro128([1, 2, 3, 4]);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('gives the same stream for the same seed and another for another seed', () => {
    const a = Xoshiro128.fromSeed(42);
    const b = Xoshiro128.fromSeed(42);
    const c = Xoshiro128.fromSeed(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('accepts every safe integer seed and rejects the rest', () => {
    expect(() => Xoshiro128.fromSeed(0)).not.toThrow();
    expect(() => Xoshiro128.fromSeed(Number.MAX_SAFE_INTEGER)).not.toThrow();
    expect(() => Xoshiro128.fromSeed(-1)).toThrow(RangeError);
    expect(() => Xoshiro128.fromSeed(1.5)).toThrow(RangeError);
    expect(() => new Xoshiro128([0, 0, 0, 0])).toThrow(RangeError);
  });

  it('spreads floats over [0, 1)', () => {
    const r = Xoshiro128.fromSeed(7);
    const bins = new Array<number>(10).fill(0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 20000; i++) {
      const x = r.nextFloat();
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      bins[Math.floor(x * 10)]! += 1;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    for (const n of bins) expect(Math.abs(n - 2000)).toBeLessThan(200);
  });
});
