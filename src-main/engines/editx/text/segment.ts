// The two segmentation algorithms of sentencepiece, over an already normalized string:
// - unigram: Viterbi best path over all vocabulary pieces (the reference's optimized encoder, including its score
//   arithmetic: piece scores are float32, path sums are compared in double and stored as float32), user-defined
//   pieces scored `bytes * maxScore - 0.1` so that they always win, one unknown node per uncovered character scored
//   `minScore - 10`;
// - BPE: repeated merge of the adjacent pair whose merged piece has the highest score (ties: leftmost), user-defined
//   symbols frozen, merges through UNUSED pieces re-split into their parts.
// Both return (piece, id) pairs; byte fallback and unknown merging happen in the tokenizer.

import { PieceType } from './sp-model';
import { charLen, utf8Length, type CodeUnitTrie } from './trie';

export type Segment = [piece: string, id: number];

export interface Vocab {
  pieces: readonly string[];
  scores: Float32Array;
  types: Uint8Array;
  unkId: number;
  /** NORMAL, USER_DEFINED and UNUSED pieces (the ones text can match). */
  matchable: ReadonlyMap<string, number>;
  /** The reference's `PieceToId`: CONTROL, UNKNOWN and BYTE pieces first, then the matchable ones, else unk. */
  pieceToId(piece: string): number;
  userDefined: CodeUnitTrie | null;
}

export class UnigramSegmenter {
  private readonly trie: CodeUnitTrie;
  private readonly pathScore: Float64Array;
  private readonly unkScore: number;

  constructor(
    private readonly vocab: Vocab,
    trie: CodeUnitTrie,
  ) {
    this.trie = trie;
    let min = 3.4028234663852886e38; // FLT_MAX
    let max = 1.1754943508222875e-38; // FLT_MIN: the reference starts its maximum here, so it never goes below it
    for (let i = 0; i < vocab.types.length; i++) {
      if (vocab.types[i] === PieceType.NORMAL) {
        min = Math.min(min, vocab.scores[i]!);
        max = Math.max(max, vocab.scores[i]!);
      }
    }
    // kUnkPenalty = 10 (float arithmetic in the reference).
    this.unkScore = Math.fround(min - 10);
    this.pathScore = new Float64Array(vocab.types.length);
    for (let i = 0; i < vocab.types.length; i++) {
      this.pathScore[i] =
        vocab.types[i] === PieceType.USER_DEFINED
          ? Math.fround(utf8Length(vocab.pieces[i]!) * max) - 0.1
          : vocab.scores[i]!;
    }
  }

  segment(s: string): Segment[] {
    const n = s.length;
    if (n === 0) return [];
    const best = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const ids = new Int32Array(n + 1);
    const { types, unkId } = this.vocab;
    const pathScore = this.pathScore;
    for (let start = 0; start < n; ) {
      const cl = charLen(s, start);
      const base = best[start]!;
      let hasSingle = false;
      this.trie.forEachPrefix(s, start, (end, id) => {
        if (types[id] === PieceType.UNUSED) return;
        const cand = pathScore[id]! + base;
        if (from[end] === -1 || cand > best[end]!) {
          best[end] = Math.fround(cand);
          from[end] = start;
          ids[end] = id;
        }
        if (end - start === cl) hasSingle = true;
      });
      if (!hasSingle) {
        const end = start + cl;
        const cand = Math.fround(this.unkScore + base);
        if (from[end] === -1 || cand > best[end]!) {
          best[end] = cand;
          from[end] = start;
          ids[end] = unkId;
        }
      }
      start += cl;
    }
    const out: Segment[] = [];
    for (let end = n; end > 0; ) {
      const start = from[end]!;
      out.push([s.slice(start, end), ids[end]!]);
      end = start;
    }
    return out.reverse();
  }
}

interface Pair {
  left: number;
  right: number;
  score: number;
  size: number;
}

/** Max-heap on score, then on the smaller left index. */
class PairHeap {
  private readonly items: Pair[] = [];
  private static before(a: Pair, b: Pair): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  get length(): number {
    return this.items.length;
  }
  push(p: Pair): void {
    const a = this.items;
    a.push(p);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!PairHeap.before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }
  pop(): Pair | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && PairHeap.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && PairHeap.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export class BpeSegmenter {
  constructor(private readonly vocab: Vocab) {}

  segment(s: string): Segment[] {
    if (s.length === 0) return [];
    const { matchable, scores, types } = this.vocab;
    const starts: number[] = [];
    const lens: number[] = [];
    const freeze: boolean[] = [];
    for (let i = 0; i < s.length; ) {
      const end = this.vocab.userDefined ? this.vocab.userDefined.longestPrefix(s, i) : -1;
      const len = end > i ? end - i : charLen(s, i);
      starts.push(i);
      lens.push(len);
      freeze.push(end > i);
      i += len;
    }
    const count = starts.length;
    const prev = new Int32Array(count);
    const next = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < count ? i + 1 : -1;
    }
    const heap = new PairHeap();
    const revMerge = new Map<string, [string, string]>();
    const maybeAdd = (left: number, right: number) => {
      if (left === -1 || right === -1 || freeze[left] || freeze[right]) return;
      const piece = s.slice(starts[left]!, starts[left]! + lens[left]! + lens[right]!);
      const id = matchable.get(piece);
      if (id === undefined) return;
      heap.push({ left, right, score: scores[id]!, size: piece.length });
      if (types[id] === PieceType.UNUSED) {
        revMerge.set(piece, [
          s.slice(starts[left]!, starts[left]! + lens[left]!),
          s.slice(starts[right]!, starts[right]! + lens[right]!),
        ]);
      }
    };
    for (let i = 1; i < count; i++) maybeAdd(i - 1, i);
    while (heap.length > 0) {
      const top = heap.pop()!;
      const l = top.left;
      const r = top.right;
      if (lens[l] === 0 || lens[r] === 0 || lens[l]! + lens[r]! !== top.size) continue;
      lens[l] = lens[l]! + lens[r]!;
      next[l] = next[r]!;
      if (next[r]! >= 0) prev[next[r]!] = l;
      lens[r] = 0;
      maybeAdd(prev[l]!, l);
      maybeAdd(l, next[l]!);
    }
    const out: Segment[] = [];
    const resegment = (w: string) => {
      const id = this.vocab.pieceToId(w);
      if (types[id] !== PieceType.UNUSED) {
        out.push([w, id]);
        return;
      }
      const parts = revMerge.get(w);
      if (!parts) {
        out.push([w, id]);
        return;
      }
      resegment(parts[0]);
      resegment(parts[1]);
    };
    for (let i = 0; i !== -1; i = next[i]!) resegment(s.slice(starts[i]!, starts[i]! + lens[i]!));
    return out;
  }
}
