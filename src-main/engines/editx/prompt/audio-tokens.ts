// Audio codes as prompt text (EDITX-SPEC.md §3, §4): the 2:3 interleave of vq02 and vq06 codes into mixed codes
// N (vq02 as is, vq06 + 1024), their `<audio_N>` text (no separators; each is one vocabulary entry, id 65536 + N),
// their LM ids, the decoder's reshape of mixed codes into time-aligned pairs (§6), and the parser for codes given by
// hand (the `--audio-tokens` argument of `retake debug prompt`).

import { RetakeError } from '../../../contract/errors';

export const VQ02_CODES = 1024;
export const VQ06_CODES = 4096;
/** Mixed codes run 0..5119: vq02 codes, then vq06 codes offset by 1024. */
export const AUDIO_CODE_COUNT = VQ02_CODES + VQ06_CODES;
/** Token id of `<audio_0>`. */
export const AUDIO_ID_BASE = 65536;

/**
 * Groups of 2 vq02 + 3 vq06 codes, `vq02, vq02, vq06+1024, vq06+1024, vq06+1024`, as many as both streams fill;
 * leftovers are dropped.
 */
export function interleaveAudioCodes(vq02: ArrayLike<number>, vq06: ArrayLike<number>): number[] {
  const groups = Math.min(Math.floor(vq06.length / 3), Math.floor(vq02.length / 2));
  const out: number[] = [];
  const check = (c: number, max: number, name: string) => {
    if (!Number.isInteger(c) || c < 0 || c >= max) {
      throw new RetakeError('E_INTERNAL', `A ${name} code ${c} is outside 0..${max - 1}. Please report this bug.`);
    }
    return c;
  };
  for (let g = 0; g < groups; g++) {
    out.push(check(vq02[2 * g]!, VQ02_CODES, 'vq02'), check(vq02[2 * g + 1]!, VQ02_CODES, 'vq02'));
    for (let k = 0; k < 3; k++) out.push(VQ02_CODES + check(vq06[3 * g + k]!, VQ06_CODES, 'vq06'));
  }
  return out;
}

/** LM token ids of mixed codes: 65536 + N. */
export function audioTokenIds(codes: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= AUDIO_CODE_COUNT) {
      throw new RetakeError('E_INTERNAL', `Audio code ${c} is outside 0..${AUDIO_CODE_COUNT - 1}. Please report this bug.`);
    }
    out.push(AUDIO_ID_BASE + c);
  }
  return out;
}

/** The decoder's padding entry of its shared embedding table (between vq02 0..1023 and vq06 1025..5120). */
export const DECODER_PAD = 1024;
/** The tail a mixed sequence is padded with to a whole group of 5: `[0, 0, 0, 1024, 1024, 1024][-pad:]`. */
const DECODER_GROUP_PAD = [0, 0, 0, VQ02_CODES, VQ02_CODES, VQ02_CODES];

/**
 * The flow decoder's input for mixed codes (EDITX-SPEC.md §6, the reference's `_reshape`): padded to a multiple of 5
 * with the tail of DECODER_GROUP_PAD; each group `a b c d e` becomes three time steps `(a, c')`, `(b, d')`,
 * `(1024, e')` with x' = x − 1024 + 1025 (vq06 codes move past the pad entry). Returns the two columns, 3 per group.
 * Used for the prompt audio's own codes (prepended by the flow) and for the LM's output codes alike.
 */
export function decoderTokenPairs(mixed: ArrayLike<number>): { vq02: Int32Array; vq06: Int32Array } {
  const seq = Array.from(mixed);
  for (const c of seq) {
    if (!Number.isInteger(c) || c < 0 || c >= AUDIO_CODE_COUNT) {
      throw new RetakeError('E_INTERNAL', `Audio code ${c} is outside 0..${AUDIO_CODE_COUNT - 1}. Please report this bug.`);
    }
  }
  const rest = seq.length % 5;
  if (rest > 0) seq.push(...DECODER_GROUP_PAD.slice(DECODER_GROUP_PAD.length - (5 - rest)));
  const groups = seq.length / 5;
  const vq02 = new Int32Array(3 * groups);
  const vq06 = new Int32Array(3 * groups);
  // x − 1024 + 1025: mixed vq06 codes (1024..5119) land on 1025..5120, after the pad entry. The reference applies it
  // to whatever stands in the slot, padding included (1024 → 1025).
  const shift = (x: number): number => x + 1;
  for (let g = 0; g < groups; g++) {
    const [a, b, c, d, e] = seq.slice(5 * g, 5 * g + 5) as [number, number, number, number, number];
    vq02.set([a, b, DECODER_PAD], 3 * g);
    vq06.set([shift(c), shift(d), shift(e)], 3 * g);
  }
  return { vq02, vq06 };
}

/** `<audio_N>` for every mixed code, concatenated. */
export function audioTokenText(codes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= AUDIO_CODE_COUNT) {
      throw new RetakeError('E_INTERNAL', `Audio code ${c} is outside 0..${AUDIO_CODE_COUNT - 1}. Please report this bug.`);
    }
    s += `<audio_${c}>`;
  }
  return s;
}

/**
 * Mixed codes from text a user typed, in either form:
 * - the token text itself: `<audio_12><audio_1030>` (whitespace between tokens is ignored);
 * - numbers separated by commas and/or whitespace: `12, 1030 1031`. Numbers 0..5119 are mixed codes; numbers
 *   65536..70655 are token ids and stand for code id − 65536.
 * The empty string gives no codes.
 */
export function parseAudioTokens(input: string): number[] {
  const s = input.trim();
  if (s.length === 0) return [];
  const bad = (what: string) =>
    new RetakeError(
      'E_VALIDATION',
      `Audio tokens must be "<audio_N>" tokens or comma-separated codes 0..${AUDIO_CODE_COUNT - 1} (or token ids ${AUDIO_ID_BASE}..${AUDIO_ID_BASE + AUDIO_CODE_COUNT - 1}); ${what}.`,
    );
  const codes: number[] = [];
  if (s.startsWith('<')) {
    const re = /\s*<audio_(\d+)>/y;
    let pos = 0;
    while (pos < s.length) {
      re.lastIndex = pos;
      const m = re.exec(s);
      if (!m) throw bad(`"${s.slice(pos, pos + 20)}" is not an <audio_N> token`);
      const n = Number(m[1]);
      if (n >= AUDIO_CODE_COUNT) throw bad(`<audio_${m[1]}> is out of range`);
      codes.push(n);
      pos = re.lastIndex;
    }
    return codes;
  }
  for (const part of s.split(/[\s,]+/)) {
    if (part.length === 0) continue;
    if (!/^\d+$/.test(part)) throw bad(`"${part}" is not a number`);
    const n = Number(part);
    if (n < AUDIO_CODE_COUNT) codes.push(n);
    else if (n >= AUDIO_ID_BASE && n < AUDIO_ID_BASE + AUDIO_CODE_COUNT) codes.push(n - AUDIO_ID_BASE);
    else throw bad(`${part} is out of range`);
  }
  return codes;
}
