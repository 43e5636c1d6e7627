// A prefix trie over UTF-16 code units, stored as one numeric Map (edge key = node * 65536 + code unit) so that a
// 75k-piece vocabulary costs a few megabytes instead of one Map per node.

export class CodeUnitTrie {
  private readonly edges = new Map<number, number>();
  private readonly values: number[] = [-1];

  get size(): number {
    return this.values.length;
  }

  /** Stores `value` (≥ 0) at `key`; an existing value is kept (the first insertion wins). */
  add(key: string, value: number): void {
    let node = 0;
    for (let i = 0; i < key.length; i++) {
      const edge = node * 65536 + key.charCodeAt(i);
      let next = this.edges.get(edge);
      if (next === undefined) {
        next = this.values.length;
        this.values.push(-1);
        this.edges.set(edge, next);
      }
      node = next;
    }
    if (this.values[node]! < 0) this.values[node] = value;
  }

  /**
   * Calls `hit(end, value)` for every stored key that is a prefix of `text.slice(start)`, shortest first
   * (`end` is the exclusive end index in `text`).
   */
  forEachPrefix(text: string, start: number, hit: (end: number, value: number) => void): void {
    let node = 0;
    for (let i = start; i < text.length; i++) {
      const next = this.edges.get(node * 65536 + text.charCodeAt(i));
      if (next === undefined) return;
      node = next;
      const v = this.values[node]!;
      if (v >= 0) hit(i + 1, v);
    }
  }

  /** The longest stored key that is a prefix of `text.slice(start)`: its end index, or -1. */
  longestPrefix(text: string, start: number): number {
    let node = 0;
    let best = -1;
    for (let i = start; i < text.length; i++) {
      const next = this.edges.get(node * 65536 + text.charCodeAt(i));
      if (next === undefined) break;
      node = next;
      if (this.values[node]! >= 0) best = i + 1;
    }
    return best;
  }
}

/** Length in code units of the code point at `i` (2 for a surrogate pair, else 1). */
export function charLen(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** UTF-8 length in bytes of `s.slice(start, end)` (lone surrogates count 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string, start = 0, end = s.length): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
