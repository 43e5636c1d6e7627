// Where the same moment is in another take of a clip: A/B keeps the playhead on the same words. An edit records the
// span it changed (`Take.change.spans`: this take's samples and the parent's they replace), so outside the span a time
// maps one to one (shifted by the length change after it) and inside it proportionally. A take without a recorded
// change (older takes) maps by the share of its length. Two takes are mapped through the take they both descend from.

import type { Take, TakeSpan } from '../../src-main/contract';

function duration(t: Take): number {
  return t.media.durationSec;
}

/** A time of `take` in its parent's time, by its change (seconds; spans are project samples at `rate`). */
export function toParent(take: Take, parent: Take, sec: number, rate: number): number {
  return mapSpans(take.change?.spans ?? null, sec, rate, 'up', duration(take), duration(parent));
}

/** A time of `parent` in the time of its child `take`. */
export function fromParent(take: Take, parent: Take, sec: number, rate: number): number {
  return mapSpans(take.change?.spans ?? null, sec, rate, 'down', duration(parent), duration(take));
}

function mapSpans(spans: readonly TakeSpan[] | null, sec: number, rate: number, dir: 'up' | 'down', fromDur: number, toDur: number): number {
  const clamp = (v: number) => Math.max(0, Math.min(toDur, v));
  if (!spans || spans.length === 0) return fromDur > 0 ? clamp((sec / fromDur) * toDur) : 0;
  // Each span as [from start, from end) → [to start, to end), in seconds, in order.
  const pieces = spans
    .map((s) =>
      dir === 'up'
        ? { a0: s.start / rate, a1: s.end / rate, b0: s.parentStart / rate, b1: s.parentEnd / rate }
        : { a0: s.parentStart / rate, a1: s.parentEnd / rate, b0: s.start / rate, b1: s.end / rate },
    )
    .sort((x, y) => x.a0 - y.a0);
  let offset = 0;
  for (const p of pieces) {
    if (sec < p.a0) return clamp(sec + offset);
    if (sec < p.a1) return clamp(p.b0 + ((sec - p.a0) / (p.a1 - p.a0)) * (p.b1 - p.b0));
    offset = p.b1 - p.a1;
  }
  return clamp(sec + offset);
}

/** The chain from a take up to its root: [take, parent, …, root] (as far as the list holds it). */
export function chainOf(takeId: number, byId: (id: number) => Take | undefined): Take[] {
  const out: Take[] = [];
  const seen = new Set<number>();
  let t = byId(takeId);
  while (t && !seen.has(t.id)) {
    seen.add(t.id);
    out.push(t);
    t = t.parentId === null ? undefined : byId(t.parentId);
  }
  return out;
}

/**
 * The time in take `to` that matches `sec` in take `from` (both of one clip): up from `from` to the take both descend
 * from, then down to `to`. Takes with no common ancestor in the list map by the share of their lengths.
 */
export function mapTakeTime(from: Take, to: Take, sec: number, byId: (id: number) => Take | undefined, rate: number): number {
  if (from.id === to.id) return Math.max(0, Math.min(duration(to), sec));
  const up = chainOf(from.id, byId);
  const down = chainOf(to.id, byId);
  const upIds = new Map(up.map((t, i) => [t.id, i]));
  const meet = down.findIndex((t) => upIds.has(t.id));
  if (meet < 0) return duration(from) > 0 ? Math.max(0, Math.min(duration(to), (sec / duration(from)) * duration(to))) : 0;
  let x = sec;
  const top = upIds.get(down[meet]!.id)!;
  for (let i = 0; i < top; i++) x = toParent(up[i]!, up[i + 1]!, x, rate);
  for (let i = meet - 1; i >= 0; i--) x = fromParent(down[i]!, down[i + 1]!, x, rate);
  return x;
}
