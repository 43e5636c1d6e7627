"""Checks a pack's text tokenizer before the exporter writes it: the ids the manifest promises must be the ids the
tokenizer gives in the pack's tokenizer mode (the same check the app runs on loading,
src-main/engines/editx/pack/text-tokenizer.ts). The exporter writes packs in the default mode, transformers-fast.

Each mode reads audio tokens out of running text differently: the fast tokenizer matches added tokens (USER_DEFINED
and CONTROL pieces), sentencepiece only USER_DEFINED pieces; otherwise every audio token in a prompt would be split
into other pieces without any error. So: `<audio_0><audio_1024><audio_{count-1}>` must encode (without a dummy
prefix) to exactly [base, base + 1024, base + count - 1], and `<s>`, `<|BOT|>`, `<|EOT|>` must be the pieces at the
manifest's bos, bot and eot ids.
"""

from __future__ import annotations

from typing import Dict, List

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

from ..common.errors import ExportError
from . import hf_fast

SPECIAL_PIECES = (("<s>", "bos"), ("<|BOT|>", "bot"), ("<|EOT|>", "eot"))


def problems(model_bytes: bytes, vocab_size: int, special_ids: Dict[str, int], audio_base: int,
             audio_count: int, mode: str = "transformers-fast") -> List[str]:
    proto = sp_pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    proto.normalizer_spec.add_dummy_prefix = False  # the check is about the pieces, not the leading "▁"
    sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    if mode == "transformers-fast":
        try:
            fast = hf_fast.FastLlamaTokenizer(model_bytes)
        except hf_fast.NotUnigram:
            return ["it is not a unigram model, and the pack's transformers-fast tokenizer mode reproduces unigram "
                    "models only"]
        encode = fast.encode  # the text starts with an added token: no "▁" is prepended
        readable = (sp_pb2.ModelProto.SentencePiece.USER_DEFINED, sp_pb2.ModelProto.SentencePiece.CONTROL)
    else:
        encode = sp.encode
        readable = (sp_pb2.ModelProto.SentencePiece.USER_DEFINED,)
    out: List[str] = []
    if sp.get_piece_size() != vocab_size:
        out.append(f"it has {sp.get_piece_size()} pieces, the manifest says {vocab_size}")
    for piece, key in SPECIAL_PIECES:
        got = sp.piece_to_id(piece)
        if sp.id_to_piece(got) != piece:
            out.append(f"{piece} must be id {special_ids[key]} ({key}) but the tokenizer does not have it")
        elif got != special_ids[key]:
            out.append(f"{piece} must be id {special_ids[key]} ({key}) but the tokenizer has it at {got}")
    last = audio_count - 1
    ns = sorted({0, min(1024, last), last})
    text = "".join(f"<audio_{n}>" for n in ns)
    want = [audio_base + n for n in ns]
    got_ids = encode(text)
    if got_ids != want:
        why = ""
        aid = sp.piece_to_id("<audio_0>")
        if sp.id_to_piece(aid) == "<audio_0>":
            ptype = proto.pieces[aid].type
            if ptype not in readable:
                name = sp_pb2.ModelProto.SentencePiece.Type.Name(ptype)
                need = " or ".join(sp_pb2.ModelProto.SentencePiece.Type.Name(t) for t in readable)
                why = f" (<audio_0> is a {name} piece; audio pieces must be {need} to be read as one token by the {mode} tokenizer)"
        shown = got_ids if len(got_ids) <= 8 else got_ids[:8] + [f"... ({len(got_ids)} ids)"]
        out.append(f"it reads {text!r} as {shown} instead of {want}{why}")
    return out


def check(path: str, vocab_size: int, special_ids: Dict[str, int], audio_base: int, audio_count: int) -> None:
    with open(path, "rb") as f:
        data = f.read()
    try:
        found = problems(data, vocab_size, special_ids, audio_base, audio_count)
    except Exception as e:  # a file sentencepiece cannot load
        raise ExportError(f"{path} is not a sentencepiece model sentencepiece can load ({e})") from e
    if found:
        raise ExportError(f"the tokenizer {path} does not give the ids the pack manifest promises: " + "; ".join(found))
