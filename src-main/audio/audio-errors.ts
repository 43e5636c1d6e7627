// Error construction shared by the audio readers: every message names the file (or says "the audio" when the caller
// gave no name) and ends with what the user can do about it.

import { RetakeError } from '../contract/errors';
import type { ErrorCode } from '../contract/errors';

/** `"name"` in quotes, or a neutral phrase when no name is known. */
export function fileLabel(name?: string): string {
  return name ? `"${name}"` : 'the audio';
}

export function audioError(code: ErrorCode, name: string | undefined, problem: string, advice: string): RetakeError {
  return new RetakeError(code, `Cannot read ${fileLabel(name)}: ${problem}. ${advice}`, name ? { file: name } : undefined);
}

export const ADVICE_REEXPORT = 'Export or copy it again from its source, then import the new copy.';
export const ADVICE_CHOOSE = 'Choose a recording in WAV, FLAC, MP3 or Ogg Vorbis format instead.';
export const ADVICE_CONVERT = 'Convert it to WAV, FLAC, MP3 or Ogg Vorbis and import that instead.';
