// Layer III Huffman decoding tables: turns the (hlen, hcod) lists of ./tables into two-level lookup tables, built once
// on first use. A lookup reads PRIMARY_BITS bits; a code longer than that continues in a second table sized for the
// longest code sharing its prefix. Each leaf holds the code's whole length and its value, so one lookup (or two)
// decodes a code.

import { COUNT1_A, COUNT1_B, HUFFMAN_PAIRS } from './tables';

/** Bits of the first lookup: covers most codes of every table while keeping the tables small (2^8 entries). */
export const PRIMARY_BITS = 8;

/**
 * A lookup table: entry ≥ 0 is a leaf, (length << 8) | value, where value is x·16 + y for a pair or the 4-bit
 * quadruple; entry < 0 is -((offset << 5) | width) of a second-level table of 2^width entries at `offset`.
 */
export type HuffmanTable = Int32Array;

interface Code {
  len: number;
  code: number;
  value: number;
}

/** Reads one of ./tables' code strings: values in order, each a base-36 length and ceil(len / 4) hex digits. */
function parseCodes(s: string, valueOf: (index: number) => number): Code[] {
  const out: Code[] = [];
  for (let p = 0; p < s.length; ) {
    const len = parseInt(s[p]!, 36);
    const digits = Math.ceil(len / 4);
    const code = parseInt(s.slice(p + 1, p + 1 + digits), 16);
    out.push({ len, code, value: valueOf(out.length) });
    p += 1 + digits;
  }
  return out;
}

function build(codes: Code[]): HuffmanTable {
  const P = PRIMARY_BITS;
  const subWidth = new Map<number, number>();
  for (const c of codes) {
    if (c.len > P) {
      const prefix = c.code >>> (c.len - P);
      subWidth.set(prefix, Math.max(subWidth.get(prefix) ?? 0, c.len - P));
    }
  }
  let size = 1 << P;
  const subOffset = new Map<number, number>();
  for (const [prefix, width] of [...subWidth].sort((a, b) => a[0] - b[0])) {
    subOffset.set(prefix, size);
    size += 1 << width;
  }
  const t = new Int32Array(size).fill(-1);
  for (const [prefix, width] of subWidth) t[prefix] = -((subOffset.get(prefix)! << 5) | width);
  for (const c of codes) {
    const leaf = (c.len << 8) | c.value;
    if (c.len <= P) {
      const first = c.code << (P - c.len);
      for (let i = 0; i < 1 << (P - c.len); i++) t[first + i] = leaf;
    } else {
      const prefix = c.code >>> (c.len - P);
      const width = subWidth.get(prefix)!;
      const rest = c.code & ((1 << (c.len - P)) - 1);
      const first = subOffset.get(prefix)! + (rest << (width - (c.len - P)));
      for (let i = 0; i < 1 << (width - (c.len - P)); i++) t[first + i] = leaf;
    }
  }
  return t;
}

/** Side length n of each big-value table's n × n value grid (Table B.7). */
const TABLE_SIZE: Readonly<Record<number, number>> = { 1: 2, 2: 3, 3: 3, 5: 4, 6: 4, 7: 6, 8: 6, 9: 6, 10: 8, 11: 8, 12: 8, 13: 16, 15: 16, 16: 16, 24: 16 };

let pairTables: (HuffmanTable | null)[] | null = null;
let quadTables: [HuffmanTable, HuffmanTable] | null = null;

/** The code list of one table as ./tables stores it (for the table checks in the unit tests). */
export function pairCodes(table: number): Code[] {
  const n = TABLE_SIZE[table];
  if (!n) return [];
  return parseCodes(HUFFMAN_PAIRS[table]!, (i) => (Math.floor(i / n) << 4) | i % n);
}

export function quadCodes(which: 'A' | 'B'): Code[] {
  return parseCodes(which === 'A' ? COUNT1_A : COUNT1_B, (i) => i);
}

/** Lookup tables for big-value table numbers 0–31; null for 0 (all zero), 4 and 14 (not defined). */
export function bigValueTables(): (HuffmanTable | null)[] {
  if (!pairTables) {
    const base = new Map<number, HuffmanTable>();
    for (const k of Object.keys(TABLE_SIZE)) base.set(Number(k), build(pairCodes(Number(k))));
    pairTables = Array.from({ length: 32 }, (_, t) => (t >= 24 ? base.get(24)! : t >= 16 ? base.get(16)! : (base.get(t) ?? null)));
  }
  return pairTables;
}

/** Lookup tables for count1 tables A (0) and B (1). */
export function count1Tables(): [HuffmanTable, HuffmanTable] {
  quadTables ??= [build(quadCodes('A')), build(quadCodes('B'))];
  return quadTables;
}
