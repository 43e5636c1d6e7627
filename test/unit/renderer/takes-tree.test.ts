import { describe, expect, it } from 'vitest';
import type { Take } from '../../../src-main/contract';
import { flattenTakes, rootOf } from '../../../src-renderer/lib/takes-tree';

function take(id: number, parentId: number | null): Take {
  return {
    id,
    clipId: 1,
    parentId,
    kind: parentId === null ? 'source' : 'edit',
    pending: false,
    name: `t${id}`,
    starred: false,
    engine: null,
    engineVersion: null,
    packHash: null,
    task: null,
    option: null,
    iteration: null,
    seed: null,
    textBefore: null,
    textAfter: null,
    params: {},
    metrics: null,
    deltas: null,
    deltasVsSource: null,
    level: { lufs: null, vsParentLu: null, vsSourceLu: null },
    change: null,
    jobId: null,
    createdAt: '2026-01-01T00:00:00Z',
    media: {
      hash: 'h',
      format: 'wav',
      sampleRate: 48000,
      channels: 1,
      frames: 48000,
      durationSec: 1,
      originalName: null,
      url: '/media/h.wav',
    },
  };
}

describe('take DAG as an indented list', () => {
  it('puts children under their parent, depth first, oldest first', () => {
    const takes = [take(5, 2), take(1, null), take(3, 1), take(2, 1), take(4, 3)];
    expect(flattenTakes(takes).map((r) => [r.take.id, r.depth])).toEqual([
      [1, 0],
      [2, 1],
      [5, 2],
      [3, 1],
      [4, 2],
    ]);
  });

  it('shows a take whose parent is missing as a root, and survives a cycle', () => {
    expect(flattenTakes([take(7, 99), take(1, null)]).map((r) => [r.take.id, r.depth])).toEqual([
      [1, 0],
      [7, 0],
    ]);
    const cyc = [take(1, 2), take(2, 1)];
    expect(flattenTakes(cyc)).toEqual([]);
    expect(rootOf(cyc, 1)?.id).toBeDefined();
  });

  it('finds the source take of any take', () => {
    const takes = [take(1, null), take(2, 1), take(3, 2), take(4, null), take(5, 4)];
    expect(rootOf(takes, 3)?.id).toBe(1);
    expect(rootOf(takes, 5)?.id).toBe(4);
    expect(rootOf(takes, 1)?.id).toBe(1);
    expect(rootOf(takes, 42)).toBeUndefined();
  });
});
