"""Builds the tiny pack's `tokenizer.model`: a valid sentencepiece unigram model with the real id layout.

The published tokenizer (Llama-style, 74,752 pieces, byte fallback) cannot be downloaded here, so the tests use one
with the same shape: a small unigram vocabulary trained on a short mixed English/Chinese text, rearranged so that
  0 <unk> (the pad id of the LM config), 1 <s>, 2 </s>, 3 <|EOT|>, 4 <|BOT|>, 5..260 the 256 byte pieces <0x00>..<0xFF>,
  then the trained pieces, <reserved_N> control pieces up to 65535,
  65536 + N: <audio_N> (user-defined, so "<audio_12>" inside text is one piece) for N in 0..5119,
  <reserved_N> control pieces up to 74751.
The normalizer is deliberately NOT Llama's: nmt_nfkc rules (a precompiled charsmap), whitespace cleanup
(remove_extra_whitespaces) and a dummy "▁" prefix. The reference's fast tokenizer ignores all three and sentencepiece
applies them, so tests on this tokenizer tell the two tokenizer modes apart (full-width letters, runs of spaces,
newlines, which nmt_nfkc turns into spaces).
"""

from __future__ import annotations

import os
import tempfile
from typing import List

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

VOCAB_SIZE = 74752
AUDIO_BASE = 65536
AUDIO_COUNT = 5120
SPECIAL = ["<unk>", "<s>", "</s>", "<|EOT|>", "<|BOT|>"]

# Training text written for this tool: prompt-like English, everyday Chinese, the spec's instruction phrases.
_TEXT = """system
human
assistant
As a highly skilled audio editing and tuning specialist, you excel in interpreting user instructions.
Make the following audio more happy. The text corresponding to the audio is: the weather is nice today.
Make the following audio more whisper style. The text corresponding to the audio is: please close the door.
Remove any emotion in the following audio and the reference text is: we will meet again tomorrow.
Remove any speaking styles in the following audio and the reference text is: thank you very much.
Remove any noise from the given audio while preserving the voice content clearly.
Remove any silent portions from the given audio while preserving the voice content clearly.
Add some non-verbal sounds to make the audio more natural, the new text is : Great[Laughter], thanks.
Generate audio with the following timbre, prosody and speaking style
speaker name: clone_0123456789abcdef
speaker prompt text:
speaker audio tokens:
[speaker_start] [speaker_end] [Breathing] [Laughter] [Sigh] [Uhm] [Surprise-oh] [Confirmation-en]
The quick brown fox jumps over the lazy dog near the river bank.
She sells sea shells by the sea shore, and the shells she sells are surely sea shells.
I just finished the big project and I feel so relieved; everything seems easier now.
Could you please speak a little slower? I can't follow when you talk that fast.
The meeting starts at 9:30 in room 204, so don't be late again!
Numbers like 12, 345 and 6789 are split into single digits.
What a wonderful feeling, he said, smiling at the bright morning sky.
Happy, angry, sad, surprised, excited, gentle, serious, child, older, radio, news, story.
今天天气真好，我们去公园散步吧。
我觉得这个计划大概是可行的，不过还需要再仔细考虑一下。
上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。
请把门关上，外面的风太大了。
他说话的声音很温柔，让人感觉很舒服。
这个周末我们一起去看电影好不好？
谢谢你的帮助，我真的非常感激。
明天早上九点在会议室开会，请不要迟到。
她笑着说：“没关系，我们再试一次。”
音频编辑需要耐心和细心。
北京、上海、广州和深圳都是大城市。
我今天有点累，想早点休息。
"""


def _train_base(workdir: str) -> sp_pb2.ModelProto:
    text_path = os.path.join(workdir, "text.txt")
    with open(text_path, "w", encoding="utf-8") as f:
        f.write(_TEXT)
    prefix = os.path.join(workdir, "base")
    spm.SentencePieceTrainer.train(
        input=text_path,
        model_prefix=prefix,
        model_type="unigram",
        vocab_size=600,
        hard_vocab_limit=False,
        character_coverage=1.0,
        byte_fallback=True,
        split_digits=True,
        normalization_rule_name="nmt_nfkc",
        add_dummy_prefix=True,
        remove_extra_whitespaces=True,
        allow_whitespace_only_pieces=True,
        num_threads=1,
        minloglevel=2,
    )
    proto = sp_pb2.ModelProto()
    with open(prefix + ".model", "rb") as f:
        proto.ParseFromString(f.read())
    return proto


def build(out_path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = _train_base(tmp)
    P = sp_pb2.ModelProto.SentencePiece
    normal = [p for p in base.pieces if p.type == P.NORMAL]
    min_score = min(p.score for p in normal)

    pieces: List[sp_pb2.ModelProto.SentencePiece] = []

    def add(piece: str, score: float, type_: int) -> None:
        sp = P()
        sp.piece = piece
        sp.score = score
        sp.type = type_
        pieces.append(sp)

    add("<unk>", 0.0, P.UNKNOWN)
    for s in SPECIAL[1:]:
        add(s, 0.0, P.CONTROL)
    for b in range(256):
        add(f"<0x{b:02X}>", 0.0, P.BYTE)
    for p in normal:
        add(p.piece, p.score, P.NORMAL)
    reserved = 0
    while len(pieces) < AUDIO_BASE:
        add(f"<reserved_{reserved}>", 0.0, P.CONTROL)
        reserved += 1
    for n in range(AUDIO_COUNT):
        add(f"<audio_{n}>", 0.0, P.USER_DEFINED)
    while len(pieces) < VOCAB_SIZE:
        add(f"<reserved_{reserved}>", 0.0, P.CONTROL)
        reserved += 1
    assert min_score < 0

    model = sp_pb2.ModelProto()
    model.CopyFrom(base)
    del model.pieces[:]
    model.pieces.extend(pieces)
    ts = model.trainer_spec
    ts.vocab_size = VOCAB_SIZE
    ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = 0, 1, 2, -1
    ts.byte_fallback = True
    ts.model_prefix = ""
    del ts.input[:]
    ns = model.normalizer_spec  # as trained: nmt_nfkc with its charsmap, whitespace cleanup, dummy prefix
    assert ns.name == "nmt_nfkc" and ns.precompiled_charsmap and ns.remove_extra_whitespaces and ns.add_dummy_prefix
    data = model.SerializeToString()
    sp = spm.SentencePieceProcessor(model_proto=data)  # refuse to write a model sentencepiece cannot load
    assert sp.get_piece_size() == VOCAB_SIZE
    assert sp.piece_to_id("<audio_0>") == AUDIO_BASE and sp.piece_to_id("<|BOT|>") == 4
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "wb") as f:
        f.write(data)


TEMPLATE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_chat_template.jinja")


def chat_template() -> dict:
    """The tiny pack's chatTemplate entry: tiny_chat_template.jinja through the same reader as a published
    tokenizer_config.json, with the special-token strings of this tokenizer."""
    from .component import chat_template_from_config

    with open(TEMPLATE_FILE, encoding="utf-8") as f:
        config = {"chat_template": f.read(), "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    return chat_template_from_config(config, TEMPLATE_FILE)


if __name__ == "__main__":
    import sys

    build(sys.argv[1] if len(sys.argv) > 1 else "tokenizer.model")
