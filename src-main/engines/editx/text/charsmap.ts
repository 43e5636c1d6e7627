// The precompiled character map of a sentencepiece normalizer (e.g. `nmt_nfkc`): a darts-clone double-array trie
// over UTF-8 byte sequences whose values point into a block of NUL-terminated replacement strings.
// Blob layout: uint32 LE trie size in bytes, the trie (uint32 LE units), then the replacement strings.

import { RetakeError } from '../../../contract/errors';

export interface CharsmapMatch {
  /** Bytes of input consumed by the longest rule. */
  length: number;
  /** Its replacement, UTF-8 bytes (may be empty: the rule deletes the input). */
  replacement: Uint8Array;
}

export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;

  constructor(blob: Uint8Array) {
    const bad = (why: string) =>
      new RetakeError('E_ENGINE_UNAVAILABLE', `The tokenizer model's normalization rules are damaged (${why}). Reinstall the model pack.`);
    if (blob.length <= 4) throw bad('blob too short');
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize + 4 > blob.length || trieSize % 4 !== 0) throw bad('trie size out of range');
    const units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < units.length; i++) units[i] = view.getUint32(4 + i * 4, true);
    this.units = units;
    this.normalized = blob.slice(4 + trieSize);
  }

  /**
   * Longest rule matching a prefix of `input` from `start` (darts-clone `commonPrefixSearch`, keeping the longest
   * hit, as sentencepiece does), or null when no rule applies.
   */
  longestMatch(input: Uint8Array, start: number): CharsmapMatch | null {
    const u = this.units;
    // darts-clone unit layout: label = unit & (bit31 | 0xff); has_leaf = bit 8; value = unit & 0x7fffffff;
    // offset = (unit >>> 10) << ((unit & (1 << 9)) >>> 6).
    const offset = (unit: number) => (unit >>> 10) << ((unit & 0x200) >>> 6);
    let nodePos = 0;
    const root = u[0];
    if (root === undefined) return null;
    nodePos ^= offset(root);
    let bestLen = 0;
    let bestValue = -1;
    for (let i = start; i < input.length; i++) {
      const c = input[i]!;
      nodePos ^= c;
      const unit = u[nodePos];
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== c) break;
      nodePos ^= offset(unit);
      if ((unit >>> 8) & 1) {
        const leaf = u[nodePos];
        if (leaf === undefined) break;
        bestLen = i + 1 - start;
        bestValue = leaf & 0x7fffffff;
      }
    }
    if (bestLen === 0) return null;
    let end = bestValue;
    while (end < this.normalized.length && this.normalized[end] !== 0) end++;
    return { length: bestLen, replacement: this.normalized.subarray(bestValue, end) };
  }
}
