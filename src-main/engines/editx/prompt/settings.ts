// How the prompt assembly calls the text tokenizer, as model-pack settings (EDITX-SPEC.md §3).
//
// Manifest keys, under `components.textTokenizer` (schema: pack/manifest.ts, TextTokenizerSchema):
//   promptEncoding.tokenizer        "transformers-fast" | "sentencepiece"   default "transformers-fast"
//   promptEncoding.profile          "2025-12" | "2026"                      default by modelRevision
//   promptEncoding.addBos           boolean                                 default false
//   promptEncoding.addDummyPrefix   "model" | "never" | "always"            default "model" (sentencepiece only)
//   promptEncoding.instructionCall  "own" | "joined"                        default "own" (2025-12 profile only)
//   modelRevision                   "YYYY-MM-DD"                            absent: the 2025-12 profile
//   chatTemplate                    the published template                  required by the 2026 profile
//   specialIds.bos / .bot / .eot    integers (required there)               default 1 / 4 / 3 without a component
//
// Why these defaults:
// - tokenizer: the reference encodes with AutoTokenizer, transformers' fast tokenizer converted from tokenizer.model,
//   which ignores the model's normalizer and prepends ▁ per call (text/fast-llama.ts). "sentencepiece" keeps the
//   semantics of the `.model` itself (its normalizer, add_dummy_prefix, and addDummyPrefix overrides).
// - profile: "2025-12" assembles the prompt from one tokenizer call per text run (tts.py, transformers 4.53.3);
//   "2026" renders the chat template over the conversation and tokenizes that one string (the vLLM path), which goes
//   with the weights of 2026-01-29 and later (pack/manifest.ts, defaultPromptProfile).
// - addBos false: the reference writes BOS itself (`[1] + [4] + enc(…)`), and the published chat template renders a
//   single `<s>` before the first turn (transformers then encodes without special tokens); a port's 416-id oracle
//   prompt matches one BOS. The sibling Step-Audio-Chat config has add_bos_token true, hence a setting.
// - instructionCall "own": tts.py encodes the instruction in its own call, so its first piece is `▁Make`; upstream's
//   later training code and the community ports tokenize one string, where it is `Make` ("joined": the `human\n`
//   line and the instruction in one call). The 2026 profile tokenizes everything as one string anyway.

import {
  defaultPromptProfile,
  type ChatTemplate,
  type PromptProfile,
  type TextTokenizerComponent,
  type TokenizerMode,
} from '../pack/manifest';
import type { DummyPrefixMode } from '../text/sentencepiece';

export interface PromptSpecialIds {
  bos: number;
  /** `<|BOT|>`: turn start. */
  bot: number;
  /** `<|EOT|>`: turn end (also the LM's stop id). */
  eot: number;
}

export type InstructionCall = 'own' | 'joined';

export interface PromptEncodingSettings {
  tokenizer: TokenizerMode;
  profile: PromptProfile;
  addBos: boolean;
  addDummyPrefix: DummyPrefixMode;
  instructionCall: InstructionCall;
  specialIds: PromptSpecialIds;
  /** The pack's chat template (the 2026 profile renders it); null when the pack has none. */
  chatTemplate: ChatTemplate | null;
}

export const DEFAULT_PROMPT_ENCODING: Readonly<PromptEncodingSettings> = Object.freeze({
  tokenizer: 'transformers-fast',
  profile: '2025-12',
  addBos: false,
  addDummyPrefix: 'model',
  instructionCall: 'own',
  specialIds: Object.freeze({ bos: 1, bot: 4, eot: 3 }),
  chatTemplate: null,
});

/** The settings of a validated textTokenizer component (absent keys take the defaults; no component: all defaults). */
export function promptEncodingFromManifest(component: TextTokenizerComponent | undefined): PromptEncodingSettings {
  const pe = component?.promptEncoding;
  const ids = component?.specialIds ?? DEFAULT_PROMPT_ENCODING.specialIds;
  return {
    tokenizer: pe?.tokenizer ?? DEFAULT_PROMPT_ENCODING.tokenizer,
    profile: pe?.profile ?? defaultPromptProfile(component?.modelRevision),
    addBos: pe?.addBos ?? DEFAULT_PROMPT_ENCODING.addBos,
    addDummyPrefix: pe?.addDummyPrefix ?? DEFAULT_PROMPT_ENCODING.addDummyPrefix,
    instructionCall: pe?.instructionCall ?? DEFAULT_PROMPT_ENCODING.instructionCall,
    specialIds: { bos: ids.bos, bot: ids.bot, eot: ids.eot },
    chatTemplate: component?.chatTemplate ?? null,
  };
}
