// Which takes the audition compares: B is the picked take, else the active one; A is B's source; with the source
// active and nothing picked, B is the newest edit of that source.

import { describe, expect, it } from 'vitest';
import { decksFor } from '../../../src-renderer/lib/takes-tree';
import { take } from './fake-core';

const takes = [take(1, 7, null), take(2, 7, 1), take(3, 7, 2), take(4, 7, 1)];
const ids = (d: ReturnType<typeof decksFor>) => [d.a?.id ?? null, d.b?.id ?? null];

describe('audition decks', () => {
  it('compares the newest edit with the source while the source is active and nothing is picked', () => {
    expect(ids(decksFor(1, takes, null))).toEqual([1, 4]);
  });

  it('puts the active edit on B and its source on A', () => {
    expect(ids(decksFor(3, takes, null))).toEqual([1, 3]);
  });

  it('puts a picked take on B, even the source itself', () => {
    expect(ids(decksFor(3, takes, 2))).toEqual([1, 2]);
    expect(ids(decksFor(3, takes, 1))).toEqual([1, 1]);
  });

  it('leaves both decks empty without takes, and puts a lone source on both', () => {
    expect(ids(decksFor(1, [], null))).toEqual([null, null]);
    expect(ids(decksFor(1, [take(1, 7, null)], null))).toEqual([1, 1]);
  });
});
