// How the prompt assembly calls the text tokenizer, as a model-pack setting (EDITX-SPEC.md §3 "(verify)").
//
// Manifest keys, under `components.textTokenizer` (schema: pack/manifest.ts, TextTokenizerSchema):
//   promptEncoding.addBos          boolean                         default false
//   promptEncoding.addDummyPrefix  "model" | "never" | "always"    default "model"
//   specialIds.bos / .bot / .eot   integers (required there)       default 1 / 4 / 3 without a component
//
// Why these defaults: the reference builds every prompt as `[1] + [4] + enc(…) + [3] + …`, writing BOS itself, and
// the chat template published with the weights renders a single `<s>` before the first turn; so `enc` adds no BOS.
// `enc` is the tokenizer's own encode, so the dummy `▁` prefix is whatever the tokenizer model says ("model"): the
// published tokenizer is Llama-style (add_dummy_prefix true), and the clone turn's `enc("\n" + text)[len(enc("\n")):]`
// exists precisely to drop that prefix from the target text.

import type { TextTokenizerComponent } from '../pack/manifest';
import type { DummyPrefixMode } from '../text/sentencepiece';

export interface PromptSpecialIds {
  bos: number;
  /** `<|BOT|>`: turn start. */
  bot: number;
  /** `<|EOT|>`: turn end (also the LM's stop id). */
  eot: number;
}

export interface PromptEncodingSettings {
  addBos: boolean;
  addDummyPrefix: DummyPrefixMode;
  specialIds: PromptSpecialIds;
}

export const DEFAULT_PROMPT_ENCODING: Readonly<PromptEncodingSettings> = Object.freeze({
  addBos: false,
  addDummyPrefix: 'model',
  specialIds: Object.freeze({ bos: 1, bot: 4, eot: 3 }),
});

/** The settings of a validated textTokenizer component (absent keys take the defaults; no component: all defaults). */
export function promptEncodingFromManifest(component: TextTokenizerComponent | undefined): PromptEncodingSettings {
  const pe = component?.promptEncoding;
  const ids = component?.specialIds ?? DEFAULT_PROMPT_ENCODING.specialIds;
  return {
    addBos: pe?.addBos ?? DEFAULT_PROMPT_ENCODING.addBos,
    addDummyPrefix: pe?.addDummyPrefix ?? DEFAULT_PROMPT_ENCODING.addDummyPrefix,
    specialIds: { bos: ids.bos, bot: ids.bot, eot: ids.eot },
  };
}
