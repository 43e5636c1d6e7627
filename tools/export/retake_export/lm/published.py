"""`lm-published`: a Step1 checkpoint written in the PUBLISHED layout of Step-Audio-EditX (Hugging Face style:
config.json, bf16 safetensors shards + model.safetensors.index.json, tokenizer.model, tokenizer_config.json with
the chat template), for the pack builder's tests and benchmark.

  python3 -m retake_export lm-published --tiny --out DIR [--seed 1234] [--shards 2]
      the tiny test model with the same weights as `lm --tiny-random --seed N` (init_random), so a pack built from
      it must give exactly the tiny pack's logits
  python3 -m retake_export lm-published --full --out DIR [--seed 1234] [--shards 2]
      the published geometry (3.5 B parameters, 7 GB) with random bf16 values, generated and written tensor by tensor
      in pieces (bounded memory); for bench/packs only, not a usable model
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from typing import Dict, Iterator, List, Tuple

import numpy as np
import torch

from ..common.safetensors_io import write_streaming
from ..text import tiny_tokenizer
from .step1 import Step1, Step1Config, init_random, tiny_config

INDEX = "model.safetensors.index.json"
# Pieces of random data generated at once for the full-size checkpoint (values, i.e. 64 MB of bf16).
PIECE = 32 << 20


def hf_config(cfg: Step1Config) -> dict:
    """config.json with the Hugging Face field names that Step1Config.from_hf_config reads."""
    d = {
        "architectures": ["Step1ForCausalLM"],
        "model_type": "step1",
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_layers,
        "num_attention_heads": cfg.num_heads,
        "num_attention_groups": cfg.num_groups,
        "vocab_size": cfg.vocab_size,
        "rms_norm_eps": cfg.rms_norm_eps,
        "torch_dtype": "bfloat16",
    }
    if cfg.head_dim is not None and cfg.head_dim != cfg.hidden_size // cfg.num_heads:
        d["head_dim"] = cfg.head_dim
    return d


def param_specs(cfg: Step1Config) -> List[Tuple[str, List[int]]]:
    """The checkpoint's tensors (names as published) and shapes, in module order, without allocating weights."""
    m = Step1(cfg, dtype=torch.bfloat16, skip_init=True)  # torch.empty: pages never touched
    specs = [(n, list(p.shape)) for n, p in m.named_parameters()]
    del m
    return specs


def shard(specs: List[Tuple[str, List[int]]], shards: int) -> List[List[Tuple[str, List[int]]]]:
    """Splits the tensors, in order, into `shards` runs of about equal bytes (as transformers' max_shard_size does)."""
    sizes = [int(np.prod(s)) * 2 for _, s in specs]
    total = sum(sizes)
    out: List[List[Tuple[str, List[int]]]] = [[] for _ in range(shards)]
    done = 0
    for spec, size in zip(specs, sizes):
        i = min(shards - 1, done * shards // total)
        out[i].append(spec)
        done += size
    return [s for s in out if s]


def write(out: str, cfg: Step1Config, shards: int, fill, log) -> None:
    os.makedirs(out, exist_ok=True)
    specs = param_specs(cfg)
    parts = shard(specs, shards)
    weight_map: Dict[str, str] = {}
    total = 0
    for i, part in enumerate(parts):
        name = f"model-{i + 1:05d}-of-{len(parts):05d}.safetensors"
        size = write_streaming(os.path.join(out, name), [(n, "BF16", s) for n, s in part], fill,
                               metadata={"format": "pt"})
        total += sum(int(np.prod(s)) * 2 for _, s in part)
        weight_map.update({n: name for n, _ in part})
        log(f"  {name}: {len(part)} tensors, {size / 1e9:.3f} GB")
    with open(os.path.join(out, INDEX), "w", encoding="utf-8") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(hf_config(cfg), f, indent=2)
        f.write("\n")
    tok = os.path.join(out, "tokenizer.model")
    tiny_tokenizer.build(tok)  # the real vocabulary layout (74,752 pieces), so the built pack opens
    with open(tiny_tokenizer.TEMPLATE_FILE, encoding="utf-8") as f:
        template = f.read()
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"add_bos_token": False, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                   "chat_template": template, "tokenizer_class": "LlamaTokenizer"}, f, indent=2, ensure_ascii=False)
        f.write("\n")


def tiny_fill(seed: int):
    cfg = tiny_config()
    model = Step1(cfg)
    init_random(model, seed)
    state = {n: p.detach().to(torch.bfloat16).contiguous() for n, p in model.named_parameters()}

    def fill(name: str, dtype: str, shape: List[int]) -> Iterator[bytes]:
        yield state[name].view(torch.int16).numpy().tobytes()

    return cfg, fill


def random_fill(seed: int):
    """Random bf16 bit patterns: sign, exponent 2^-14 .. 2^0 and mantissa uniform, so every value is finite, exact in
    fp16 (no overflow, no subnormal rounding) and cheap to make (no float maths on 3.5 B values)."""
    rng = np.random.default_rng(seed)

    def fill(name: str, dtype: str, shape: List[int]) -> Iterator[bytes]:
        left = int(np.prod(shape))
        while left > 0:
            n = min(left, PIECE)
            r = rng.integers(0, 1 << 16, size=n, dtype=np.uint16)
            exp = 113 + np.minimum((r >> 7) & 0xF, 14).astype(np.uint16)  # bf16 exponent field 113..127
            yield ((r & 0x807F) | (exp << 7)).astype("<u2").tobytes()
            left -= n

    return fill


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export lm-published", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--tiny", action="store_true")
    size.add_argument("--full", action="store_true")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    log = (lambda s: None) if a.quiet else (lambda s: print(s, flush=True))
    out = os.path.abspath(a.out)
    if os.path.isdir(out):
        shutil.rmtree(out)
    if a.tiny:
        cfg, fill = tiny_fill(a.seed)
    else:
        cfg, fill = Step1Config(), random_fill(a.seed)
    log(f"Step1 checkpoint in the published layout ({'tiny' if a.tiny else 'full size, random'}) -> {out}")
    write(out, cfg, max(1, a.shards), fill, log)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
