#!/usr/bin/python3
"""Prints, as JSON, what the reference sentencepiece library does with the shared test strings on any model file:
    PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.sentencepiece.encode_cases MODEL
Output: {"sentencepiece": version, "cases": [...], "ids": [[...]], "decoded": [...], "fuzz": [...], "fuzzIds": [[...]],
"fastIds": [[...]], "fastFuzzIds": [[...]], "pieceCount": n, "special": {"<s>": id, ...},
"promptIds": [{"kind", "input", "ids"}], "spPromptIds": [...], "chat": [{"kind", "input", "text", "ids"}]}:
`ids`/`fuzzIds` from sentencepiece, `fast*` from transformers' fast tokenizer (retake_export.text.hf_fast);
`promptIds` are the prompts of make_prompt_goldens.py assembled with the default settings (transformers-fast, no BOS
per call, the instruction in its own call), `spPromptIds` the same in the sentencepiece mode, and `chat` the 2026
profile's prompts rendered with the tiny pack's chat template (needs python3-jinja2). Used by the tests that check a
tokenizer which is generated, not committed (the tiny pack of tools/export)."""
import json
import os
import sys

import sentencepiece as spm

from ...text import hf_fast, tiny_tokenizer
from .sp_cases import CASES, fuzz_cases
from .make_prompt_goldens import as_ids, chat_cases, prompt_id_cases


def main():
    if len(sys.argv) != 2:
        print('usage: encode_cases.py MODEL', file=sys.stderr)
        return 2
    sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
    fast = hf_fast.from_file(sys.argv[1])
    fuzz = fuzz_cases()
    ids = [sp.encode(c) for c in CASES]
    special = {p: sp.piece_to_id(p) for p in ['<unk>', '<s>', '</s>', '<|EOT|>', '<|BOT|>', '<audio_0>', '<audio_5119>']}
    json.dump({
        'sentencepiece': spm.__version__,
        'pieceCount': sp.get_piece_size(),
        'special': special,
        'cases': CASES,
        'ids': ids,
        'decoded': [sp.decode(i) for i in ids],
        'fuzz': fuzz,
        'fuzzIds': [sp.encode(c) for c in fuzz],
        'fastIds': [fast.encode(c) for c in CASES],
        'fastFuzzIds': [fast.encode(c) for c in fuzz],
        'promptIds': [{'kind': k, 'input': inp, 'ids': as_ids(fast, seg, False)} for k, seg, inp, _ in prompt_id_cases()],
        'spPromptIds': [{'kind': k, 'input': inp, 'ids': as_ids(sp, seg, False)} for k, seg, inp, _ in prompt_id_cases()],
        'chat': chat_cases(fast, tiny_tokenizer.chat_template()),
    }, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
