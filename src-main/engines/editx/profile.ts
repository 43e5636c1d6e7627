// The reference profile a pack follows (EDITX-SPEC.md §3, "Two reference profiles"), as the engine applies it around
// the prompt builder (which reads the same profile from the pack's promptEncoding settings): the sampling and the
// length cap of the generate call, the clone speaker name, whether the flow gets bf16 prompt features, and which
// generated ids reach the decoder.
//
// 2025-12 (transformers 4.53.3, tts.py): the pack's generation settings as they are (their defaults are this
//   profile's: temperature 0.7, top-k 50, the repetition guard, 8192 ids), the speaker name hashed from the prompt,
//   and the last generated id dropped unconditionally (`output_ids[:, len(prompt):-1]`: the end id when one ended the
//   run, else the last id sampled before the length limit).
// 2026 (vLLM): temperature only (no top-k, no top-p, no repetition guard), prompt + output capped by vLLM's
//   max_model_len, the speaker named `debug`, bf16 prompt features, and only a trailing end id stripped.

import type { AudioData } from '../../audio/types';
import type { GenerationSettings, PromptProfile } from './pack/manifest';
import type { StopReason } from './lm/decode';
import { cloneSpeakerName, PROFILE_2026_SPEAKER } from './prompt/speaker';

/** vLLM's default max_model_len in the reference's 2026 server: prompt and output ids together (≈ 30 s in + 30 s out). */
export const VLLM_MAX_MODEL_LEN = 3072;

export interface ProfileRules {
  readonly profile: PromptProfile;
  /** The generate call's settings: the pack's, adjusted by the profile. */
  readonly generation: GenerationSettings;
  /** Round the prompt mel and the speaker embedding to bf16 before the flow. */
  readonly bf16Prompt: boolean;
  /** The speaker name of a clone prompt: the prompt wav as loaded (all channels, native rate, before the peak cap). */
  cloneSpeaker(promptText: string, promptAudio: AudioData): string;
  /** The generated ids the decoder sees (before keeping the audio range), from the ids generate() returned (which
   * never include the end id) and why the run stopped. */
  outputIds(ids: readonly number[], stopReason: StopReason): number[];
}

export function profileRules(profile: PromptProfile, pack: GenerationSettings, packBf16Prompt: boolean): ProfileRules {
  if (profile === '2026') {
    return {
      profile,
      generation: {
        ...pack,
        topK: 0,
        topP: 1,
        repetitionWindow: 0,
        // The pack's own limit still applies when it is lower (tests and small machines lower it).
        maxTotalIds: Math.min(pack.maxTotalIds, VLLM_MAX_MODEL_LEN),
      },
      // The 2026 server casts the prompt features to bf16 on every path.
      bf16Prompt: true,
      cloneSpeaker: () => PROFILE_2026_SPEAKER,
      outputIds: (ids) => [...ids],
    };
  }
  return {
    profile,
    generation: { ...pack },
    bf16Prompt: packBf16Prompt,
    cloneSpeaker: cloneSpeakerName,
    // An end id ended the run: generate() left it out already, which is what the slice drops. The length limit ended
    // it: the slice drops the last sampled id.
    outputIds: (ids, stopReason) => (stopReason === 'length' ? ids.slice(0, -1) : [...ids]),
  };
}
