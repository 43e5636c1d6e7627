// The flow encoder's input (EDITX-SPEC.md §6): the prompt's and the output's mixed codes, each reshaped into
// time-aligned (vq02, vq06) pairs by the tokenizer's decoderTokenPairs (the reference's `_reshape`: padded to whole
// groups separately), prompt first, as one (1, frames, 2) int64 tensor.

import { RetakeError } from '../../../contract/errors';
import { AUDIO_CODE_COUNT, decoderTokenPairs } from '../prompt/audio-tokens';

/** Token frames (pairs) that `n` mixed codes make: three per started group of five. */
export function tokenFrames(n: number): number {
  return 3 * Math.ceil(n / 5);
}

export interface TokenPairs {
  /** (1, frames, 2) int64, prompt frames first. */
  pairs: BigInt64Array;
  promptFrames: number;
  generatedFrames: number;
}

function check(codes: readonly number[], what: string): void {
  codes.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= AUDIO_CODE_COUNT) {
      throw new RetakeError('E_VALIDATION', `${what} code ${i} is ${c}; audio codes run from 0 to ${AUDIO_CODE_COUNT - 1}.`);
    }
  });
}

export function tokenPairs(promptCodes: readonly number[], generatedCodes: readonly number[]): TokenPairs {
  if (generatedCodes.length === 0) throw new RetakeError('E_VALIDATION', 'There are no audio codes to decode.');
  check(promptCodes, 'prompt');
  check(generatedCodes, 'generated');
  const p = decoderTokenPairs(promptCodes);
  const g = decoderTokenPairs(generatedCodes);
  const frames = p.vq02.length + g.vq02.length;
  const pairs = new BigInt64Array(2 * frames);
  let i = 0;
  for (const part of [p, g]) {
    for (let t = 0; t < part.vq02.length; t++) {
      pairs[i++] = BigInt(part.vq02[t] as number);
      pairs[i++] = BigInt(part.vq06[t] as number);
    }
  }
  return { pairs, promptFrames: p.vq02.length, generatedFrames: g.vq02.length };
}
