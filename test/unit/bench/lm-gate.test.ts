// The LM benchmark's pass/fail rule: our runner's own overhead, and its time per id against the BEST baseline of the
// same run (the one it compares worst against), not against any baseline or none.
import { describe, expect, it } from 'vitest';
import { MAX_RATIO_TO_BEST, gate, type Cell } from '../../../bench/lm/gate';

const contexts = [100, 1000, 4000];
function table(rows: Record<string, [number, number][]>): Map<string, Map<number, Cell>> {
  return new Map(
    Object.entries(rows).map(([name, cells]) => [name, new Map(cells.map(([inside, outside], i) => [contexts[i]!, { inside, outside }]))]),
  );
}
const baselines = {
  'append-copied': [[1.05, 0.026], [1.25, 0.02], [1.97, 0.023]] as [number, number][],
  'present-preallocated': [[1.14, 0.027], [1.32, 0.021], [2.96, 0.036]] as [number, number][],
};
const total = ([i, o]: [number, number]) => i + o;

describe('LM benchmark gate', () => {
  it('passes the recorded run (ours within noise of the best baseline) and names that baseline', () => {
    const ours: [number, number][] = [[1.193, 0.024], [1.346, 0.022], [2.128, 0.029]];
    const g = gate(table({ ours, ...baselines }), contexts);
    expect(g).toMatchObject({ overheadOk: true, flatOk: true, vsBestOk: true, ok: true });
    expect(g.best!.name).toBe('append-copied');
    const expected = Math.cbrt(ours.map((c, i) => total(c) / total(baselines['append-copied'][i]!)).reduce((a, b) => a * b, 1));
    expect(g.best!.ratio).toBeCloseTo(expected, 9);
    expect(g.best!.perContext[0]).toBeCloseTo(total(ours[0]!) / total(baselines['append-copied'][0]!), 9);
  });

  it('fails a runner 2.5× slower than every baseline even though its own overhead is small and flat', () => {
    const slow = baselines['append-copied'].map(([i, o]): [number, number] => [2.5 * i, 2.5 * o]);
    const g = gate(table({ ours: slow, ...baselines }), contexts);
    expect(g.overheadOk && g.flatOk).toBe(true);
    expect(g.best!.ratio).toBeCloseTo(2.5, 6);
    expect(g.vsBestOk).toBe(false);
    expect(g.ok).toBe(false);
  });

  it('compares with the best baseline, not the slowest: faster than one but too slow for the other fails', () => {
    // 1.3 × append-copied everywhere, yet faster than present-preallocated at 4000.
    const ours = baselines['append-copied'].map(([i, o]): [number, number] => [1.3 * i, 1.3 * o]);
    expect(total(ours[2]!)).toBeLessThan(total(baselines['present-preallocated'][2]!));
    const g = gate(table({ ours, ...baselines }), contexts);
    expect(g.best!.name).toBe('append-copied');
    expect(g.ok).toBe(false);
    // Exactly at the limit passes; just over it fails.
    const at = (f: number) => baselines['append-copied'].map(([i, o]): [number, number] => [f * i, f * o]);
    expect(gate(table({ ours: at(MAX_RATIO_TO_BEST), ...baselines }), contexts).vsBestOk).toBe(true);
    expect(gate(table({ ours: at(MAX_RATIO_TO_BEST * 1.001), ...baselines }), contexts).vsBestOk).toBe(false);
  });

  it('averages over contexts: one unlucky cell does not fail an otherwise equal runner', () => {
    const ours = baselines['append-copied'].map(([i, o], k): [number, number] => (k === 1 ? [1.4 * i, o] : [i, o]));
    expect(gate(table({ ours, ...baselines }), contexts).vsBestOk).toBe(true);
  });

  it('still applies the overhead and flatness rules, and passes alone when no baseline ran', () => {
    expect(gate(table({ ours: [[1, 0.06], [1, 0.02], [1, 0.02]] }), contexts).overheadOk).toBe(false);
    expect(gate(table({ ours: [[1, 0.01], [1, 0.01], [2, 0.045]] }), contexts).flatOk).toBe(false);
    const alone = gate(table({ ours: [[1, 0.01], [1, 0.01], [1, 0.012]] }), contexts);
    expect(alone).toMatchObject({ ok: true, best: null });
    expect(() => gate(table({ 'append-copied': baselines['append-copied'] }), contexts)).toThrow(/no measurements of our runner/);
    expect(() => gate(table({ ours: [[1, 0.01]] }), contexts)).toThrow(/context 1000/);
  });
});
