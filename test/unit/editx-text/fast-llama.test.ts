// The transformers-fast tokenizer mode (text/fast-llama.ts) against two references:
// 1. retake_export.text.hf_fast, a Python implementation of the converted tokenizer's pipeline, through the goldens
//    of make_goldens (test/fixtures/editx/sp-goldens.json, `fast` of each unigram model);
// 2. Hugging Face's own JavaScript pipeline (@huggingface/tokenizers, what transformers.js runs) on the tokenizer.json
//    the Llama converter writes (test/helpers/llama-tokenizer-json.ts). That pipeline has the converter's added-token
//    split, Metaspace "first" and Unigram Viterbi, but its Unigram has no byte fallback (unknown characters stay
//    `<unk>`), so it is compared (a) on the original models wherever it emits no `<unk>`, and (b) everywhere on the
//    same models with their byte pieces renamed, where neither side can fall back to bytes.

import { Tokenizer } from '@huggingface/tokenizers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FastLlamaTokenizer } from '../../../src-main/engines/editx/text/fast-llama';
import { SentencePieceTokenizer } from '../../../src-main/engines/editx/text/sentencepiece';
import { parseSpModel } from '../../../src-main/engines/editx/text/sp-model';
import { llamaTokenizerJson } from '../../helpers/llama-tokenizer-json';
import { rewritePieces } from './sp-rewrite';

const FIX = join(__dirname, '../../fixtures/editx');

interface FastGolden {
  ids: number[][];
  pieces: string[][];
  idsWithBos: number[][];
  fuzzIds: number[][];
}
const golden = JSON.parse(readFileSync(join(FIX, 'sp-goldens.json'), 'utf8')) as {
  cases: string[];
  fuzz: string[];
  models: Record<string, { file: string; fast?: FastGolden }>;
};
const UNIGRAM = Object.keys(golden.models).filter((m) => golden.models[m]!.fast);

function hfEncoder(bytes: Uint8Array): (text: string) => number[] {
  const tok = new Tokenizer(llamaTokenizerJson(bytes), {});
  return (text) => tok.encode(text, { add_special_tokens: false }).ids;
}

describe.each(UNIGRAM)('transformers-fast mode against the Python reference: %s', (name) => {
  const g = golden.models[name]!;
  const fast = g.fast!;
  const tok = new FastLlamaTokenizer(parseSpModel(readFileSync(join(FIX, g.file))));

  it('gives the reference ids and pieces on every case', () => {
    golden.cases.forEach((text, i) => {
      expect({ text, ids: tok.encode(text) }).toEqual({ text, ids: fast.ids[i] });
      expect({ text, pieces: tok.encodePieces(text) }).toEqual({ text, pieces: fast.pieces[i] });
    });
    fast.idsWithBos.forEach((ids, i) => expect(tok.encode(golden.cases[i]!, { addBos: true })).toEqual(ids));
  });

  it('gives the reference ids on 200 seeded random strings', () => {
    golden.fuzz.forEach((text, i) => expect({ text, ids: tok.encode(text) }).toEqual({ text, ids: fast.fuzzIds[i] }));
  });
});

describe.each(UNIGRAM)('transformers-fast mode against @huggingface/tokenizers: %s', (name) => {
  const bytes = readFileSync(join(FIX, golden.models[name]!.file));
  const strings = [...golden.cases, ...golden.fuzz];

  it('agrees wherever the library emits no <unk> (its Unigram lacks byte fallback)', () => {
    const ours = new FastLlamaTokenizer(parseSpModel(bytes));
    const theirs = hfEncoder(bytes);
    let compared = 0;
    for (const text of strings) {
      const ref = theirs(text);
      if (ref.includes(0)) continue;
      compared++;
      expect({ text, ids: ours.encode(text) }).toEqual({ text, ids: ref });
    }
    // The fuzz strings often hold rare characters and `<unk>` itself, but the comparison must not quietly shrink to
    // nothing (measured: 114 of 244 strings on uni-identity, 69 on uni-nfkc).
    expect(compared).toBeGreaterThan(strings.length / 4);
  });

  it('agrees on every string once neither side has byte pieces to fall back to', () => {
    const noBytes = rewritePieces(bytes, (p) => (/^<0x[0-9A-F]{2}>$/.test(p) ? { piece: `<byte ${p.slice(3, 5)}>` } : undefined));
    const ours = new FastLlamaTokenizer(parseSpModel(noBytes));
    const theirs = hfEncoder(noBytes);
    let unknowns = 0;
    for (const text of strings) {
      const ref = theirs(text);
      if (ref.includes(0)) unknowns++;
      expect({ text, ids: ours.encode(text) }).toEqual({ text, ids: ref });
    }
    expect(unknowns).toBeGreaterThan(10); // the fused-unknown path was exercised
  });
});

describe('transformers-fast mode: the semantics that set it apart from sentencepiece', () => {
  const bytes = readFileSync(join(FIX, 'sp/uni-identity.model'));
  const fast = new FastLlamaTokenizer(parseSpModel(bytes));
  const sp = SentencePieceTokenizer.fromBytes(bytes);
  const audio0 = sp.pieceToId('<audio_0>');

  it('prepends ▁ once per call, not after a leading added token, not before a leading space', () => {
    expect(fast.encodePieces('<audio_0>abc')[0]).toBe('<audio_0>');
    expect(fast.encodePieces('<audio_0>abc').join('')).toBe('<audio_0>abc');
    expect(sp.encodePieces('<audio_0>abc')[0]).toBe('\u2581');
    expect(fast.encodePieces(' x').join('')).toBe('\u2581x');
    expect(fast.encodePieces('x<audio_0>y').join('')).toBe('\u2581x<audio_0>y');
    expect(fast.encode('')).toEqual([]);
  });

  it('reads special tokens and literal byte-piece names out of running text', () => {
    expect(fast.encode('<|BOT|>')).toEqual([4]);
    expect(fast.encode('a<s>b')).toContain(1);
    expect(sp.encode('a<s>b')).not.toContain(1);
    expect(fast.encodePieces('<audio_0><0x41>')).toEqual(['<audio_0>', '<0x41>']);
    expect(fast.encode('<audio_0><audio_5119>')).toEqual([audio0, audio0 + 5119]);
  });

  it('refuses the dummy-prefix overrides of the sentencepiece mode, and BPE models', () => {
    expect(() => fast.encode('x', { addDummyPrefix: 'never' })).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(fast.encode('x', { addDummyPrefix: 'model' })).toEqual(fast.encode('x'));
    expect(() => new FastLlamaTokenizer(parseSpModel(readFileSync(join(FIX, 'sp/bpe-identity.model'))))).toThrow(
      expect.objectContaining({ code: 'E_ENGINE_UNAVAILABLE', message: expect.stringMatching(/unigram models only/) }),
    );
  });

  it('reads a lone surrogate as U+FFFD', () => {
    expect(fast.encode('a\ud800b')).toEqual(fast.encode('a\ufffdb'));
  });
});
