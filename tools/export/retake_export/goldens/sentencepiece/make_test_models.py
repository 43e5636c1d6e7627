#!/usr/bin/python3
"""Trains the small sentencepiece models the TypeScript tokenizer is tested against.

Run with Debian's interpreter (it has python3-sentencepiece and python3-protobuf):
    PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.sentencepiece.make_test_models
Writes test/fixtures/editx/sp/*.model from retake_export/goldens/sentencepiece/train-text.txt plus the corpus transcripts. Re-running gives the
same files (single-threaded training, no input sampling). After changing the models, regenerate the goldens with
retake_export.goldens.sentencepiece.make_goldens.

Models (all small, < 200 kB):
  uni-identity  unigram, identity normalizer, no whitespace cleanup, byte fallback; the Step-Audio layout in small:
                <unk> <s> </s> <|EOT|> <|BOT|> at ids 0..4, byte pieces, the paralinguistic tags as user-defined
                symbols, and <audio_0>..<audio_5119> appended at the end as user-defined pieces.
  uni-nfkc      unigram, nmt_nfkc normalizer with default whitespace cleanup, no byte fallback (unknown runs merge),
                two pieces marked UNUSED.
  bpe-identity  BPE, identity normalizer, byte fallback, tags and audio tokens as user-defined, UNUSED pieces.
  bpe-nfkc      BPE, nmt_nfkc normalizer, no byte fallback.
"""
import io
import os
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

from ...common.paths import REPO as ROOT
OUT = os.path.join(ROOT, 'test', 'fixtures', 'editx', 'sp')
TAGS = ['[Breathing]', '[Laughter]', '[Surprise-oh]', '[Confirmation-en]', '[Uhm]', '[Surprise-ah]',
        '[Surprise-wa]', '[Sigh]', '[Question-ei]', '[Dissatisfaction-hnn]']
AUDIO = ['<audio_%d>' % n for n in range(5120)]


def training_lines():
    lines = []
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'train-text.txt'), encoding='utf-8') as f:
        lines += [l.rstrip('\n') for l in f if l.strip()]
    tsv = os.path.join(ROOT, '..', 'shared', 'corpus', 'transcripts.tsv')
    if os.path.exists(tsv):
        with open(tsv, encoding='utf-8') as f:
            for row in f:
                parts = row.rstrip('\n').split('\t')
                if len(parts) >= 3 and parts[2].strip():
                    lines.append(parts[2])
    # A few repetitions give the unigram trainer enough sentences to work with.
    return lines * 3


def train(model_type, normalization, byte_fallback, remove_extra, user_defined, vocab_size):
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(training_lines()),
        model_writer=buf,
        model_type=model_type,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name=normalization,
        remove_extra_whitespaces=remove_extra,
        byte_fallback=byte_fallback,
        control_symbols=['<|EOT|>', '<|BOT|>'],
        user_defined_symbols=user_defined,
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        minloglevel=2,
    )
    m = pb.ModelProto()
    m.ParseFromString(buf.getvalue())
    return m


def append_user_defined(m, symbols):
    for s in symbols:
        p = m.pieces.add()
        p.piece = s
        p.score = 0.0
        p.type = pb.ModelProto.SentencePiece.USER_DEFINED


def mark_unused(m, count):
    """Marks the `count` highest-scoring multi-character NORMAL pieces as UNUSED (exercises the skip/re-split paths)."""
    marked = 0
    for p in m.pieces:
        if p.type == pb.ModelProto.SentencePiece.NORMAL and len(p.piece) >= 3 and not p.piece.startswith('\u2581'):
            p.type = pb.ModelProto.SentencePiece.UNUSED
            marked += 1
            if marked == count:
                return


def save(name, m):
    os.makedirs(OUT, exist_ok=True)
    data = m.SerializeToString()
    spm.SentencePieceProcessor(model_proto=data)  # must load
    with open(os.path.join(OUT, name + '.model'), 'wb') as f:
        f.write(data)
    print('%-14s %6d pieces %7d bytes' % (name, len(m.pieces), len(data)))


def main():
    m = train('unigram', 'identity', True, False, TAGS, 900)
    append_user_defined(m, AUDIO)
    save('uni-identity', m)

    m = train('unigram', 'nmt_nfkc', False, True, TAGS, 700)
    mark_unused(m, 2)
    save('uni-nfkc', m)

    m = train('bpe', 'identity', True, False, TAGS, 900)
    mark_unused(m, 3)
    append_user_defined(m, AUDIO)
    save('bpe-identity', m)

    m = train('bpe', 'nmt_nfkc', False, True, [], 600)
    save('bpe-nfkc', m)


if __name__ == '__main__':
    sys.exit(main())
