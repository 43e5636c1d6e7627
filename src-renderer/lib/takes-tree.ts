// The take DAG of one clip as a flat, indented list: children under their parent, oldest first.

import type { Take } from '../../src-main/contract';

export interface TakeRow {
  take: Take;
  depth: number;
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
