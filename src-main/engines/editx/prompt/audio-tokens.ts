// Audio codes as prompt text (EDITX-SPEC.md §3, §4): the 2:3 interleave of vq02 and vq06 codes into mixed codes
// N (vq02 as is, vq06 + 1024), their `<audio_N>` text (no separators; each is one vocabulary entry, id 65536 + N),
// and the parser for codes given by hand (the `--audio-tokens` argument of `retake debug prompt`).

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
