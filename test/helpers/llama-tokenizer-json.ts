// Test helper: the `tokenizer.json` that transformers' LlamaConverter (legacy=False, transformers 4.53) writes for a
// sentencepiece unigram `.model`, so that Hugging Face's own JavaScript tokenizer pipeline (@huggingface/tokenizers,
// the one transformers.js runs) can serve as an independent reference for our fast-tokenizer mode.
//
// What the converter produces, field by field:
// - model: Unigram, vocab = every piece with its score (the first three scored 0.0), unk_id 0, byte_fallback true;
// - added_tokens: every CONTROL (special) and USER_DEFINED (not special) piece, normalized false, no strip options;
//   plus `<unk>` as a special token, which LlamaTokenizerFast registers from its unk_token;
// - normalizer: none; pre_tokenizer: Metaspace "▁", prepend_scheme "first", split false;
// - decoder: Replace ▁→" ", ByteFallback, Fuse, Strip one leading space; no post-processor (LlamaTokenizerFast adds
//   its BOS template at load time; the tests encode without special tokens).

import { parseSpModel, PieceType } from '../../src-main/engines/editx/text/sp-model';

export function llamaTokenizerJson(modelBytes: Uint8Array): Record<string, unknown> {
  const model = parseSpModel(modelBytes);
  const added: Record<string, unknown>[] = [];
  model.pieces.forEach((p, id) => {
    if (p.type === PieceType.CONTROL || p.type === PieceType.USER_DEFINED || p.type === PieceType.UNKNOWN) {
      added.push({
        id,
        content: p.piece,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: p.type !== PieceType.USER_DEFINED,
      });
    }
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false },
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'Unigram',
      unk_id: 0,
      vocab: model.pieces.map((p, i) => [p.piece, i < 3 ? 0 : p.score]),
      byte_fallback: true,
    },
  };
}
