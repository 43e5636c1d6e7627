// The feature front ends of audio/features bound as the decoder's prompt takes them (PromptFrontEnds): what the engine
// and `retake debug decode` compute the prompt mel and the CAM++ fbank with. Tests may pass another binding.

import { campplusFbank, promptMel24k, resampleTorchaudio } from '../../../audio/features';
import type { PromptFrontEnds } from './speaker';

export const PROMPT_FRONT_ENDS: PromptFrontEnds = { promptMel24k, campplusFbank, resampleTorchaudio };
