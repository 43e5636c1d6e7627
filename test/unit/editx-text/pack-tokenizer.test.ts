// The check a pack's text tokenizer passes before use, in the tokenizer mode the pack reads it with: `<audio_N>` read
// as one id at the manifest's base + N, the special tokens at the manifest's ids, the normalizer_spec the manifest
// recorded. Broken tokenizers are made from the tiny pack's good one (./sp-rewrite).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TextTokenizerComponent } from '../../../src-main/engines/editx/pack/manifest';
import { checkPackTokenizer, createTokenizer, tokenizerProblems } from '../../../src-main/engines/editx/pack/text-tokenizer';
import { FastLlamaTokenizer } from '../../../src-main/engines/editx/text/fast-llama';
import { SentencePieceTokenizer } from '../../../src-main/engines/editx/text/sentencepiece';
import { parseSpModel, PieceType } from '../../../src-main/engines/editx/text/sp-model';
import { rewritePieces } from './sp-rewrite';

const MODEL = join(__dirname, '../../fixtures/generated/tiny-pack/tokenizer.model');

function tinyBytes(): Uint8Array {
  if (!existsSync(MODEL)) {
    throw new Error(`${MODEL} is missing: run bash tools/export/run-tests.sh --pack-only first (it generates the tiny pack).`);
  }
  return readFileSync(MODEL);
}

const component: TextTokenizerComponent = {
  kind: 'sentencepiece',
  files: [{ path: 'tokenizer.model', sha256: '0'.repeat(64), bytes: 1 }],
  vocabSize: 74752,
  specialIds: { pad: 0, bos: 1, eos: 2, eot: 3, bot: 4 },
  audioIdBase: 65536,
  audioIdCount: 5120,
};

describe('pack tokenizer check', () => {
  it('accepts the tiny tokenizer, which reads audio tokens as one id each', () => {
    const bytes = tinyBytes();
    // The rewriter itself changes nothing when asked for nothing.
    expect(Buffer.from(rewritePieces(bytes, () => undefined)).equals(Buffer.from(bytes))).toBe(true);
    const tok = SentencePieceTokenizer.fromBytes(bytes);
    expect(tok.encode('<audio_0><audio_5119>', { addDummyPrefix: 'never' })).toEqual([65536, 70655]);
    expect(tokenizerProblems(tok, component)).toEqual([]);
    expect(() => checkPackTokenizer(tok, component, 'tokenizer.model')).not.toThrow();
  });

  it('accepts the tiny tokenizer in the transformers-fast mode too, and its recorded normalizer_spec', () => {
    const tok = createTokenizer(parseSpModel(tinyBytes()), 'transformers-fast');
    expect(tok).toBeInstanceOf(FastLlamaTokenizer);
    const spec = { name: 'nmt_nfkc', addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true, precompiledCharsmap: true };
    expect(tokenizerProblems(tok, { ...component, normalizerSpec: spec })).toEqual([]);
    expect(tokenizerProblems(tok, { ...component, normalizerSpec: { ...spec, name: 'identity', precompiledCharsmap: false } })).toEqual([
      'its normalizer_spec has name "nmt_nfkc", precompiledCharsmap true but the manifest records "identity", false',
    ]);
  });

  it('reads CONTROL audio pieces as single ids in the transformers-fast mode (added tokens), NORMAL ones not', () => {
    const control = rewritePieces(tinyBytes(), (p) => (p.startsWith('<audio_') ? { type: PieceType.CONTROL } : undefined));
    expect(tokenizerProblems(createTokenizer(parseSpModel(control), 'transformers-fast'), component)).toEqual([]);
    const normal = rewritePieces(tinyBytes(), (p) => (p.startsWith('<audio_') ? { type: PieceType.NORMAL } : undefined));
    const problems = tokenizerProblems(createTokenizer(parseSpModel(normal), 'transformers-fast'), component);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /\(<audio_0> is a NORMAL piece; audio pieces must be USER_DEFINED or CONTROL to be read as one token by the transformers-fast tokenizer\)$/,
    );
  });

  it('refuses audio pieces marked CONTROL in the sentencepiece mode, which text would split into bytes', () => {
    const broken = rewritePieces(tinyBytes(), (p) => (p.startsWith('<audio_') ? { type: PieceType.CONTROL } : undefined));
    const tok = SentencePieceTokenizer.fromBytes(broken);
    expect(tok.pieceToId('<audio_0>')).toBe(65536); // still at its id: only the type is wrong
    expect(() => checkPackTokenizer(tok, component, 'tokenizer.model of the pack')).toThrow(
      expect.objectContaining({
        code: 'E_ENGINE_UNAVAILABLE',
        message: expect.stringMatching(
          /^The text tokenizer tokenizer\.model of the pack does not match its manifest entry: it reads "<audio_0><audio_1024><audio_5119>" as \[.*\(\d+ ids\)\] instead of \[65536, 66560, 70655\] \(<audio_0> is a CONTROL piece; audio pieces must be USER_DEFINED to be read as one token by the sentencepiece tokenizer\)\. Re-export/,
        ),
      }),
    );
  });

  it('refuses special tokens away from the manifest ids', () => {
    const swapped = rewritePieces(tinyBytes(), (p) =>
      p === '<|BOT|>' ? { piece: '<|EOT|>' } : p === '<|EOT|>' ? { piece: '<|BOT|>' } : p === '<s>' ? { piece: '<bos>' } : undefined,
    );
    expect(tokenizerProblems(SentencePieceTokenizer.fromBytes(swapped), component)).toEqual([
      '<s> must be id 1 (specialIds.bos) but the tokenizer does not have it',
      '<|BOT|> must be id 4 (specialIds.bot) but the tokenizer has it at 3',
      '<|EOT|> must be id 3 (specialIds.eot) but the tokenizer has it at 4',
    ]);
  });

  it('refuses a manifest whose audio base or vocabulary size is not the tokenizer’s', () => {
    const tok = SentencePieceTokenizer.fromBytes(tinyBytes());
    expect(tokenizerProblems(tok, { ...component, vocabSize: 74753 })).toEqual([
      'it has 74752 pieces, the manifest says 74753',
    ]);
    const shifted = tokenizerProblems(tok, { ...component, audioIdBase: 65535 });
    expect(shifted).toHaveLength(1);
    expect(shifted[0]).toMatch(/as \[65536, 66560, 70655\] instead of \[65535, 66559, 70654\]$/);
  });
});
