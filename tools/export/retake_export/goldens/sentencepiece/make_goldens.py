#!/usr/bin/python3
"""Writes test/fixtures/editx/sp-goldens.json: what the reference sentencepiece library (Debian python3-sentencepiece)
does with the test models of make_test_models.py on a fixed set of strings: ids, pieces, normalized text, decoded
text, the same with BOS and with the dummy prefix switched off, decoding of hand-made id lists, and a summary of each
parsed ModelProto. For the unigram models also the ids and pieces of transformers' fast Llama tokenizer built from the
same file (retake_export.text.hf_fast, the reference's tokenizer mode). The TypeScript tokenizer tests compare
against this file.

    PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.sentencepiece.make_goldens
"""
import json
import os
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

from ...text import hf_fast
from .sp_cases import CASES, fuzz_cases

from ...common.paths import REPO as ROOT
SP_DIR = os.path.join(ROOT, 'test', 'fixtures', 'editx', 'sp')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'editx', 'sp-goldens.json')
MODELS = ['uni-identity', 'uni-nfkc', 'bpe-identity', 'bpe-nfkc']


def with_dummy_prefix(proto_bytes, value):
    m = pb.ModelProto()
    m.ParseFromString(proto_bytes)
    m.normalizer_spec.add_dummy_prefix = value
    return spm.SentencePieceProcessor(model_proto=m.SerializeToString())


def proto_summary(m):
    t, n = m.trainer_spec, m.normalizer_spec
    return {
        'pieceCount': len(m.pieces),
        # Every piece below id 1100 (the trained part; the appended audio pieces are checked by count and a sample).
        'pieces': [p.piece for p in m.pieces[:1100]],
        'scores': [p.score for p in m.pieces[:1100]],
        'types': [p.type for p in m.pieces],
        'trainerSpec': {
            'modelType': t.model_type, 'vocabSize': t.vocab_size, 'byteFallback': t.byte_fallback,
            'unkId': t.unk_id, 'bosId': t.bos_id, 'eosId': t.eos_id, 'padId': t.pad_id,
            'unkPiece': t.unk_piece, 'bosPiece': t.bos_piece, 'eosPiece': t.eos_piece, 'padPiece': t.pad_piece,
            'unkSurface': t.unk_surface, 'treatWhitespaceAsSuffix': t.treat_whitespace_as_suffix,
        },
        'normalizerSpec': {
            'name': n.name, 'charsmapBytes': len(n.precompiled_charsmap), 'addDummyPrefix': n.add_dummy_prefix,
            'removeExtraWhitespaces': n.remove_extra_whitespaces, 'escapeWhitespaces': n.escape_whitespaces,
        },
    }


def main():
    fuzz = fuzz_cases()
    out = {'generator': 'retake_export.goldens.sentencepiece.make_goldens', 'sentencepiece': spm.__version__, 'cases': CASES, 'fuzz': fuzz,
           'models': {}}
    for name in MODELS:
        path = os.path.join(SP_DIR, name + '.model')
        with open(path, 'rb') as f:
            data = f.read()
        sp = spm.SentencePieceProcessor(model_proto=data)
        m = pb.ModelProto()
        m.ParseFromString(data)
        ids = [sp.encode(c) for c in CASES]
        no_dummy = with_dummy_prefix(data, False)
        dummy = with_dummy_prefix(data, True)
        extra_ids = [
            [sp.bos_id()] + sp.encode('Hello world'),
            [sp.bos_id(), sp.piece_to_id('<|BOT|>')] + sp.encode(' leading space kept?'),
            sp.encode('Hello') + [sp.eos_id()] + sp.encode(' again'),
            [sp.unk_id()] + sp.encode('x') + [sp.unk_id(), sp.unk_id()],
        ]
        if m.trainer_spec.byte_fallback:
            b = lambda v: sp.piece_to_id('<0x%02X>' % v)  # noqa: E731
            extra_ids += [
                [b(0xE4), b(0xBD), b(0xA0)] + sp.encode('ok'),  # a complete 3-byte character
                [b(0xE4), b(0xBD)] + sp.encode('cut'),  # truncated sequence
                [b(0xFF), b(0x41), b(0xC0), b(0x80)],  # invalid lead bytes, an overlong form
                [b(0xF0), b(0x9F), b(0x98), b(0x80), b(0x0A)],  # emoji then newline
                [b(0x20)] + sp.encode('x'),  # a space from a byte piece
                [b(0xED), b(0xA0), b(0x80)],  # an encoded surrogate (invalid in UTF-8)
            ]
        out['models'][name] = {
            'file': 'sp/%s.model' % name,
            'proto': proto_summary(m),
            'ids': ids,
            'pieces': [sp.encode(c, out_type=str) for c in CASES],
            'decoded': [sp.decode(i) for i in ids],
            'idsWithBos': [sp.encode(c, add_bos=True) for c in CASES[:8]],
            'idsWithEos': [sp.encode(c, add_eos=True) for c in CASES[:8]],
            'idsNoDummyPrefix': [no_dummy.encode(c) for c in CASES],
            'idsDummyPrefix': [dummy.encode(c) for c in CASES],
            'decodeExtra': [{'ids': i, 'text': sp.decode(i)} for i in extra_ids],
            'fuzzIds': [sp.encode(c) for c in fuzz],
            'fuzzDecoded': [sp.decode(sp.encode(c)) for c in fuzz],
        }
        if m.trainer_spec.model_type == pb.TrainerSpec.UNIGRAM:
            fast = hf_fast.FastLlamaTokenizer(data)
            out['models'][name]['fast'] = {
                'ids': [fast.encode(c) for c in CASES],
                'pieces': [fast.encode_pieces(c) for c in CASES],
                'idsWithBos': [fast.encode(c, add_bos=True) for c in CASES[:8]],
                'fuzzIds': [fast.encode(c) for c in fuzz],
            }
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')
    print('wrote %s (%d bytes)' % (os.path.relpath(OUT, ROOT), os.path.getsize(OUT)))


if __name__ == '__main__':
    sys.exit(main())
