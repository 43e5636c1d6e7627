// How the prompt assembly calls the text tokenizer, as a model-pack setting (EDITX-SPEC.md §3 "(verify)").
//
// Manifest keys (all optional), under `components.textTokenizer`:
//   promptEncoding.addBos          boolean                         default false
//   promptEncoding.addDummyPrefix  "model" | "never" | "always"    default "model"
//   specialIds.bos / .bot / .eot   integers                        default 1 / 4 / 3
//
// Why these defaults: the reference builds every prompt as `[1] + [4] + enc(…) + [3] + …`, writing BOS itself, and
// the chat template published with the weights renders a single `<s>` before the first turn; so `enc` adds no BOS.
// `enc` is the tokenizer's own encode, so the dummy `▁` prefix is whatever the tokenizer model says ("model"): the
// published tokenizer is Llama-style (add_dummy_prefix true), and the clone turn's `enc("\n" + text)[len(enc("\n")):]`
// exists precisely to drop that prefix from the target text.

import { RetakeError } from '../../../contract/errors';
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

function invalid(key: string, expected: string): RetakeError {
  return new RetakeError(
    'E_ENGINE_UNAVAILABLE',
    `The model pack manifest has an invalid components.textTokenizer.${key} (expected ${expected}). Reinstall the model pack.`,
  );
}

function obj(x: unknown): Record<string, unknown> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** The settings of a parsed pack manifest; absent keys take the defaults, malformed ones are an error. */
export function promptEncodingFromManifest(manifest: unknown): PromptEncodingSettings {
  const tt = obj(obj(obj(manifest)?.['components'])?.['textTokenizer']);
  const pe = obj(tt?.['promptEncoding']);
  const ids = obj(tt?.['specialIds']);
  const out: PromptEncodingSettings = {
    addBos: DEFAULT_PROMPT_ENCODING.addBos,
    addDummyPrefix: DEFAULT_PROMPT_ENCODING.addDummyPrefix,
    specialIds: { ...DEFAULT_PROMPT_ENCODING.specialIds },
  };
  if (pe?.['addBos'] !== undefined) {
    if (typeof pe['addBos'] !== 'boolean') throw invalid('promptEncoding.addBos', 'true or false');
    out.addBos = pe['addBos'];
  }
  if (pe?.['addDummyPrefix'] !== undefined) {
    const v = pe['addDummyPrefix'];
    if (v !== 'model' && v !== 'never' && v !== 'always') {
      throw invalid('promptEncoding.addDummyPrefix', '"model", "never" or "always"');
    }
    out.addDummyPrefix = v;
  }
  for (const k of ['bos', 'bot', 'eot'] as const) {
    const v = ids?.[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalid(`specialIds.${k}`, 'a token id');
    out.specialIds[k] = v;
  }
  return out;
}
