// The feature front ends of audio/features bound as the tokenizers take them (TokenizerFrontEnd): what the engine and
// `retake debug tokens` tokenize with. Tests may pass another binding to AudioTokenizer.open.

import { kaldiFbank, lfrCmvn, preprocess16k, whisperLogMel } from '../../../audio/features';
import type { TokenizerFrontEnd } from './tokenize';

export const AUDIO_FEATURES_FRONT_END: TokenizerFrontEnd = {
  preprocess16k,
  kaldiFbank: (samples16k) => kaldiFbank(samples16k),
  lfrCmvn,
  whisperLogMel,
};
