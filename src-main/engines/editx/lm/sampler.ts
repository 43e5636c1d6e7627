// Next-id choice of the Step1 decode loop, as the reference's transformers generate() call does it (EDITX-SPEC.md §5):
// repetition guard (ban = −∞), then temperature, top-k, top-p, then one draw from the seeded RNG.
// The common path receives the graph's TopK output (candidates sorted by descending logit), so the work here is
// O(k) per id whatever the vocabulary size; the full-vocabulary path serves top-k disabled.

import { RetakeError } from '../../../contract/errors';

/** Uniform floats in [0, 1): the seeded Xoshiro128 of ./rng (or a scripted source in tests). */
export interface RandomSource {
  nextFloat(): number;
}

export interface SamplerSettings {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = no top-k. */
  topK: number;
  topP: number;
  repetitionWindow: number;
  repetitionMaxCount: number;
}

/**
 * The reference's repetition guard (RepetitionAwareLogitsProcessor in the Step-Audio-EditX code: window 10, ratio
 * threshold 0.1, i.e. more than one occurrence): the id banned for the next step, or −1. No guard while the history is
 * shorter than the window, as there.
 */
export function repetitionBan(history: ArrayLike<number>, length: number, window: number, maxCount: number): number {
  if (window <= 0 || length < window) return -1;
  const last = history[length - 1] as number;
  let count = 0;
  for (let i = length - window; i < length; i++) if (history[i] === last) count++;
  return count > maxCount ? last : -1;
}

function invalidLogits(): RetakeError {
  return new RetakeError(
    'E_ENGINE_FAILED',
    'The language model produced invalid numbers (NaN or infinity). The model pack may be damaged, an fp16 graph may have overflowed, or the GPU driver is faulty; try the fp32 variant on the CPU or re-export the pack.',
  );
}

/** Scratch arrays reused between calls (one sampler per decode loop). */
export class SamplerScratch {
  probs = new Float64Array(64);
  ids = new Int32Array(64);
  ensure(n: number): void {
    if (this.probs.length < n) {
      this.probs = new Float64Array(n);
      this.ids = new Int32Array(n);
    }
  }
}

/**
 * Chooses an id from `count` candidates sorted by descending logit (values[i] belongs to ids[i]). The first `topK`
 * candidates other than `banned` take part (all when topK is 0), so `count` must be at least topK + 1 when an id may
 * be banned.
 */
export function sampleSorted(
  values: ArrayLike<number>,
  ids: ArrayLike<number | bigint>,
  count: number,
  banned: number,
  s: SamplerSettings,
  rng: RandomSource,
  scratch: SamplerScratch = new SamplerScratch(),
): number {
  const k = s.topK > 0 ? Math.min(s.topK, count) : count;
  scratch.ensure(k);
  const p = scratch.probs;
  const cid = scratch.ids;
  let n = 0;
  let top = 0;
  for (let i = 0; i < count && n < k; i++) {
    const id = Number(ids[i]);
    if (id === banned) continue;
    const v = values[i] as number;
    if (Number.isNaN(v)) throw invalidLogits();
    if (n === 0) top = v;
    cid[n] = id;
    p[n] = v;
    n++;
  }
  if (n === 0) {
    throw new RetakeError('E_ENGINE_FAILED', 'The language model left no id to choose from (every candidate was banned).');
  }
  // An infinite best logit makes every probability NaN (∞ − ∞), and the draw would fall through to the last candidate;
  // all candidates at −∞ leave nothing to draw. Both mean the run overflowed, not that the model chose.
  if (!Number.isFinite(top)) throw invalidLogits();
  if (s.temperature === 0) return cid[0] as number;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(((p[i] as number) - top) / s.temperature);
    p[i] = e;
    total += e;
  }
  if (s.topP < 1) {
    // transformers' TopPLogitsWarper: drop the least likely ids whose cumulative probability (counted from the least
    // likely up, the id itself included) is at most 1 − topP; the most likely id always stays.
    let tail = 0;
    const limit = (1 - s.topP) * total;
    let kept = n;
    for (let i = n - 1; i >= 1; i--) {
      tail += p[i] as number;
      if (tail <= limit) kept = i;
      else break;
    }
    for (let i = kept; i < n; i++) total -= p[i] as number;
    n = kept;
  }
  const u = rng.nextFloat() * total;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += p[i] as number;
    if (u < acc) return cid[i] as number;
  }
  return cid[n - 1] as number;
}

/** The same choice over a full logits row (top-k disabled, or no graph TopK output). */
export function sampleFull(
  logits: Float32Array,
  banned: number,
  s: SamplerSettings,
  rng: RandomSource,
  scratch: SamplerScratch = new SamplerScratch(),
): number {
  const v = logits.length;
  const k = s.topK > 0 ? Math.min(s.topK, v) : v;
  if (s.temperature === 0 || k < v || s.topP < 1) {
    const want = s.temperature === 0 ? 1 : k;
    const order = topIndices(logits, want, banned);
    const vals = new Float32Array(order.length);
    for (let i = 0; i < order.length; i++) vals[i] = logits[order[i] as number] as number;
    return sampleSorted(vals, order, order.length, -1, { ...s, topK: 0 }, rng, scratch);
  }
  // Plain multinomial over the whole vocabulary.
  let top = -Infinity;
  for (let i = 0; i < v; i++) {
    const x = logits[i] as number;
    if (Number.isNaN(x)) throw invalidLogits();
    if (i !== banned && x > top) top = x;
  }
  if (!Number.isFinite(top)) throw invalidLogits();
  let total = 0;
  for (let i = 0; i < v; i++) if (i !== banned) total += Math.exp(((logits[i] as number) - top) / s.temperature);
  const u = rng.nextFloat() * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < v; i++) {
    if (i === banned) continue;
    acc += Math.exp(((logits[i] as number) - top) / s.temperature);
    last = i;
    if (u < acc) return i;
  }
  return last;
}

/** Indices of the `n` largest values (descending, ties by lower index), skipping `skip`. */
export function topIndices(values: Float32Array, n: number, skip = -1): Int32Array {
  if (n >= values.length - 1) {
    const all: number[] = [];
    for (let i = 0; i < values.length; i++) if (i !== skip) all.push(i);
    all.sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
    return Int32Array.from(all.slice(0, n));
  }
  // Insertion into a sorted window of n: O(V·n) worst case but O(V) in practice, as few values beat the n-th best.
  const idx = new Int32Array(n);
  const val = new Float64Array(n).fill(-Infinity);
  let filled = 0;
  for (let i = 0; i < values.length; i++) {
    if (i === skip) continue;
    const x = values[i] as number;
    if (Number.isNaN(x)) throw invalidLogits();
    if (filled === n && !(x > (val[n - 1] as number))) continue;
    let j = filled < n ? filled++ : n - 1;
    while (j > 0 && x > (val[j - 1] as number)) {
      val[j] = val[j - 1] as number;
      idx[j] = idx[j - 1] as number;
      j--;
    }
    val[j] = x;
    idx[j] = i;
  }
  return idx.subarray(0, filled);
}
