"""transformers' *fast* Llama tokenizer as the reference builds it from `tokenizer.model`, in plain Python.

The reference runs `AutoTokenizer` on the published folder; transformers converts `tokenizer.model` with its
LlamaConverter (legacy=False) into a `tokenizers` pipeline. Neither transformers nor `tokenizers` can be installed
here, so this module re-implements that pipeline from its documented behaviour (written for this project, no code
taken from either library). It is the independent reference our TypeScript tokenizer
(src-main/engines/editx/text/fast-llama.ts) is checked against, and the tokenizer of the tiny pack's reference prompt.

The pipeline, for one call `encode(text)`:
1. Added tokens are cut out of the raw text first: every CONTROL and USER_DEFINED piece of the model (the converter
   adds them all, CONTROL ones as special) plus the unknown piece (transformers registers `unk_token` as a special
   token), matched leftmost-longest. Special tokens are matched too (`split_special_tokens` is off), so `<s>` or
   `<|BOT|>` typed in text become their ids.
2. No normalizer: the model's precompiled charsmap, `remove_extra_whitespaces` and `add_dummy_prefix` are ignored.
3. Metaspace pre-tokenizer (replacement `▁`, prepend_scheme "first", split false) on each stretch of text between
   added tokens: every " " becomes "▁"; a "▁" is prepended only to the stretch that starts the text (offset 0) and
   only when it does not already start with "▁" (so " x" gives "▁x", not "▁▁x"); stretches are not split further.
4. Unigram over each stretch: Viterbi over every vocabulary entry (CONTROL, BYTE, UNUSED pieces included), scores as
   float64 (the first three pieces scored 0.0), path sums in float64, ties to the earliest start then the shortest
   piece; a character no piece starts gets an unknown node scored min(all scores) - 10; adjacent unknowns are fused.
   A fused unknown becomes its UTF-8 bytes as `<0xXX>` pieces when every such piece exists, else id 0.
BOS is added only when asked (LlamaTokenizerFast's add_bos_token; the prompt assembly decides).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from sentencepiece import sentencepiece_model_pb2 as sp_pb2

SPACE = "\u2581"
K_UNK_PENALTY = 10.0  # tokenizers' Unigram: unknown nodes score min_score - 10
UNK_ID = 0  # LlamaConverter.unk_id


class NotUnigram(ValueError):
    pass


class FastLlamaTokenizer:
    def __init__(self, model_bytes: bytes):
        proto = sp_pb2.ModelProto()
        proto.ParseFromString(model_bytes)
        if proto.trainer_spec.model_type != sp_pb2.TrainerSpec.UNIGRAM:
            raise NotUnigram("the fast Llama tokenizer is built from unigram models only")
        P = sp_pb2.ModelProto.SentencePiece
        self.pieces: List[str] = [p.piece for p in proto.pieces]
        self.scores: List[float] = [0.0 if i < 3 else float(p.score) for i, p in enumerate(proto.pieces)]
        self.bos_id = proto.trainer_spec.bos_id
        self.vocab: Dict[str, int] = {}
        for i, piece in enumerate(self.pieces):
            self.vocab[piece] = i  # a later duplicate wins, as in a hash map filled in id order
        self.prefixes = {piece[:k] for piece in self.pieces for k in range(1, len(piece) + 1)}
        self.min_score = min(self.scores)
        self.added: Dict[str, int] = {}
        for p in proto.pieces:
            if p.type in (P.CONTROL, P.USER_DEFINED, P.UNKNOWN):
                self.added[p.piece] = self.vocab[p.piece]
        self.added_lengths = sorted({len(t) for t in self.added}, reverse=True)

    def split_added(self, text: str) -> List[Tuple[int, int, Optional[int]]]:
        """(start, end, id) stretches: id for an added token, None for text between them; empty stretches dropped."""
        out: List[Tuple[int, int, Optional[int]]] = []
        start = i = 0
        while i < len(text):
            hit = next((n for n in self.added_lengths if text[i:i + n] in self.added), 0)
            if hit:
                if i > start:
                    out.append((start, i, None))
                out.append((i, i + hit, self.added[text[i:i + hit]]))
                i += hit
                start = i
            else:
                i += 1
        if start < len(text):
            out.append((start, len(text), None))
        return out

    def encode(self, text: str, add_bos: bool = False) -> List[int]:
        return [i for i, _ in self._encode(text, add_bos)]

    def encode_pieces(self, text: str) -> List[str]:
        return [p for _, p in self._encode(text, False)]

    def _encode(self, text: str, add_bos: bool) -> List[Tuple[int, str]]:
        out: List[Tuple[int, str]] = [(self.bos_id, self.pieces[self.bos_id])] if add_bos else []
        for start, end, tid in self.split_added(text):
            if tid is not None:
                out.append((tid, text[start:end]))
                continue
            seg = text[start:end].replace(" ", SPACE)
            if start == 0 and not seg.startswith(SPACE):
                seg = SPACE + seg
            out += self._unigram(seg)
        return out

    def _unigram(self, s: str) -> List[Tuple[int, str]]:
        n = len(s)
        best = [0.0] * (n + 1)
        start_of: List[Optional[int]] = [None] * (n + 1)
        node_id = [0] * (n + 1)
        unk_score = self.min_score - K_UNK_PENALTY
        for start in range(n):
            base = best[start]
            single = False
            end = start + 1
            while end <= n and s[start:end] in self.prefixes:
                tid = self.vocab.get(s[start:end])
                if tid is not None:
                    cand = self.scores[tid] + base
                    if start_of[end] is None or cand > best[end]:
                        best[end], start_of[end], node_id[end] = cand, start, tid
                    if end == start + 1:
                        single = True
                end += 1
            if not single:
                cand = unk_score + base
                if start_of[start + 1] is None or cand > best[start + 1]:
                    best[start + 1], start_of[start + 1], node_id[start + 1] = cand, start, UNK_ID
        # Backtrack, fusing adjacent unknown nodes into one string.
        strings: List[str] = []
        pending: List[str] = []
        end = n
        while end > 0:
            st = start_of[end]
            if node_id[end] == UNK_ID:
                pending.append(s[st:end])
            else:
                if pending:
                    strings.append("".join(reversed(pending)))
                    pending = []
                strings.append(s[st:end])
            end = st
        if pending:
            strings.append("".join(reversed(pending)))
        strings.reverse()
        out: List[Tuple[int, str]] = []
        for piece in strings:
            tid = self.vocab.get(piece)
            if tid is not None:
                out.append((tid, piece))
                continue
            names = ["<0x%02X>" % b for b in piece.encode("utf-8")]
            if all(name in self.vocab for name in names):
                out += [(self.vocab[name], name) for name in names]
            else:
                out.append((UNK_ID, piece))
        return out


def from_file(path: str) -> FastLlamaTokenizer:
    with open(path, "rb") as f:
        return FastLlamaTokenizer(f.read())
