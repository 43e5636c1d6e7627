// The take DAG of one clip as a flat, indented list (children under their parent, oldest first), and which takes go
// on the A and B decks of the audition.

import type { Take } from '../../src-main/contract';

export interface TakeRow {
  take: Take;
  depth: number;
  /** Shown only as the way to a starred take (the list is filtered by star). */
  context?: boolean;
}

/** Depth-first order; a take whose parent is not in the list is shown as a root. */
export function flattenTakes(takes: readonly Take[]): TakeRow[] {
  const ids = new Set(takes.map((t) => t.id));
  const children = new Map<number | null, Take[]>();
  for (const t of takes) {
    const parent = t.parentId !== null && ids.has(t.parentId) ? t.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(t);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.id - b.id);
  const rows: TakeRow[] = [];
  const visited = new Set<number>();
  const walk = (parent: number | null, depth: number) => {
    for (const t of children.get(parent) ?? []) {
      if (visited.has(t.id)) continue;
      visited.add(t.id);
      rows.push({ take: t, depth });
      walk(t.id, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}

/**
 * The rows of starred takes, with the takes they descend from kept (marked `context`) so the tree still reads as a
 * tree; the order and depths are the full tree's.
 */
export function starredRows(rows: readonly TakeRow[]): TakeRow[] {
  const byId = new Map(rows.map((r) => [r.take.id, r.take]));
  const keep = new Set<number>();
  for (const r of rows) {
    if (!r.take.starred) continue;
    let t: Take | undefined = r.take;
    while (t && !keep.has(t.id)) {
      keep.add(t.id);
      t = t.parentId === null ? undefined : byId.get(t.parentId);
    }
  }
  return rows.filter((r) => keep.has(r.take.id)).map((r) => (r.take.starred ? r : { ...r, context: true }));
}

/** The source take a take descends from (the root of its chain). */
export function rootOf(takes: readonly Take[], takeId: number): Take | undefined {
  const byId = new Map(takes.map((t) => [t.id, t]));
  let t = byId.get(takeId);
  const seen = new Set<number>();
  while (t && t.parentId !== null && byId.has(t.parentId) && !seen.has(t.id)) {
    seen.add(t.id);
    t = byId.get(t.parentId);
  }
  return t;
}

/** The two takes the audition compares. */
export interface Decks {
  /** The clip's source take (root of the DAG). */
  a: Take | null;
  /** The take under audition. */
  b: Take | null;
}

/**
 * Decks for a clip: B is the picked take, else the clip's active take; A is B's source. With no take picked and the
 * source active, B is the newest edit of that source (what the user just made), so A/B compares it at once.
 * `takes` must be the clip's own list; with an empty list both decks are empty.
 */
export function decksFor(activeTakeId: number, takes: readonly Take[], pickedTakeId: number | null): Decks {
  if (takes.length === 0) return { a: null, b: null };
  const byId = (id: number | null) => (id === null ? undefined : takes.find((t) => t.id === id));
  const picked = byId(pickedTakeId);
  let b = picked ?? byId(activeTakeId);
  const a = b ? (rootOf(takes, b.id) ?? null) : null;
  if (!picked && b && a && b.id === a.id) {
    const newest = takes.filter((t) => t.kind === 'edit' && rootOf(takes, t.id)?.id === a.id).at(-1);
    if (newest) b = newest;
  }
  return { a, b: b ?? null };
}
