// Token reshape and prompt concatenation (EDITX-SPEC.md §6): the LM's mixed codes (vq02 0..1023, 1024 + vq06 code)
// come in groups of five (2 vq02, 3 vq06 per 120 ms) and become three time steps of (vq02, vq06) pairs over one
// embedding table of 5121 rows: 0..1023 vq02, 1024 the vq02 pad, 1025..5120 vq06. The prompt's and the output's
// codes are reshaped separately (each padded to whole groups) and the prompt's pairs go first, as the reference does.
// (Kept here until the tokenizer's "mixed prompt ids" module lands; both use the same code numbering.)

import { RetakeError } from '../../../contract/errors';

/** vq02 codebook size; also the pad the third time step of each group carries in the vq02 slot. */
export const VQ02_CODES = 1024;
export const VQ06_CODES = 4096;
/** Mixed codes are vq02 codes, then 1024 + vq06 codes. */
export const MIXED_CODES = VQ02_CODES + VQ06_CODES;
/** A vq06 code c (mixed 1024 + c) sits at row 1025 + c of the shared table. */
const VQ06_ROW_SHIFT = 1;
/** The reference pads a partial group with the tail of [0, 0, 0, 1024, 1024, 1024]. */
const PAD_TAIL = [0, 0, 0, VQ02_CODES, VQ02_CODES, VQ02_CODES];

/** Token frames (pairs) that `n` mixed codes make. */
export function tokenFrames(n: number): number {
  return 3 * Math.ceil(n / 5);
}

function check(codes: readonly number[], what: string): void {
  codes.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= MIXED_CODES) {
      throw new RetakeError('E_VALIDATION', `${what} code ${i} is ${c}; audio codes run from 0 to ${MIXED_CODES - 1}.`);
    }
  });
}

/** Pairs of one code sequence, flattened [vq02 row, vq06 row, …] (frames × 2). */
export function reshapeCodes(codes: readonly number[], what = 'audio'): number[] {
  check(codes, what);
  const ids = codes.length % 5 === 0 ? [...codes] : [...codes, ...PAD_TAIL.slice(-(5 - (codes.length % 5)))];
  const out: number[] = [];
  for (let g = 0; g < ids.length; g += 5) {
    const [a, b, c, d, e] = ids.slice(g, g + 5) as [number, number, number, number, number];
    out.push(a, c + VQ06_ROW_SHIFT, b, d + VQ06_ROW_SHIFT, VQ02_CODES, e + VQ06_ROW_SHIFT);
  }
  return out;
}

export interface TokenPairs {
  /** (1, frames, 2) int64, prompt frames first. */
  pairs: BigInt64Array;
  promptFrames: number;
  generatedFrames: number;
}

/** The flow encoder's input: the prompt's pairs, then the output's. */
export function tokenPairs(promptCodes: readonly number[], generatedCodes: readonly number[]): TokenPairs {
  if (generatedCodes.length === 0) throw new RetakeError('E_VALIDATION', 'There are no audio codes to decode.');
  const p = reshapeCodes(promptCodes, 'prompt');
  const g = reshapeCodes(generatedCodes, 'generated');
  const pairs = new BigInt64Array(p.length + g.length);
  p.forEach((v, i) => (pairs[i] = BigInt(v)));
  g.forEach((v, i) => (pairs[p.length + i] = BigInt(v)));
  return { pairs, promptFrames: p.length / 2, generatedFrames: g.length / 2 };
}
