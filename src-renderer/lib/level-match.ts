// Fair comparisons: the gain that plays a take at the loudness of its clip's source take, so A/B and audition compare
// delivery, not level (a louder take otherwise wins). From the takes' stored measurements (BS.1770-4 integrated
// loudness, `Take.level` and a region edit's `change.before/after`), never from the audio in the page.
//
// A region edit is matched on the REGION's change (its own loudness before and after the edit), not on the whole
// take's, whose difference is diluted by the unchanged audio around it: what is compared is the edited words. A chain
// of edits (iterations, or an edit of an edit) adds up its steps.

import type { Take } from '../../src-main/contract';

// Compensation is capped: a near-silent take (a failed edit, a region of breath) would otherwise be lifted by tens of
// dB into the listener's ears. 20 dB covers every level change an edit makes on purpose (shouting, whispering).
export const MAX_MATCH_DB = 20;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The loudness change one edit made (LU): its region's, for a region edit measured on both sides, else the whole take's. */
export function stepChangeLu(take: Take): number | null {
  const before = take.change?.before?.loudnessLufs;
  const after = take.change?.after?.loudnessLufs;
  if (take.change?.requested && finite(before) && finite(after)) return after - before;
  return take.level.vsParentLu;
}

/**
 * How much louder (LU) a take plays than the clip's source take it descends from: the sum of its chain's steps; the
 * whole take's own difference (`level.vsSourceLu`) when a step is unknown; 0 for the source itself.
 */
export function loudnessVsSourceLu(take: Take, byId: (id: number) => Take | undefined): number | null {
  let sum = 0;
  let t: Take | undefined = take;
  const seen = new Set<number>();
  while (t && t.parentId !== null) {
    if (seen.has(t.id)) return take.level.vsSourceLu;
    seen.add(t.id);
    const step = stepChangeLu(t);
    if (step === null) return take.level.vsSourceLu;
    sum += step;
    t = byId(t.parentId);
  }
  // A chain that leaves the list before its source cannot be added up.
  if (!t) return take.level.vsSourceLu;
  return sum;
}

/** The gain (dB) that plays `take` at its source's loudness; null when its loudness is not known. */
export function matchGainDb(take: Take, byId: (id: number) => Take | undefined): number | null {
  const lu = loudnessVsSourceLu(take, byId);
  if (lu === null) return null;
  const g = -lu;
  // −0 reads as "−0.0 dB".
  return Math.max(-MAX_MATCH_DB, Math.min(MAX_MATCH_DB, g)) || 0;
}

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}
