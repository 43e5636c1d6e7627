"""The fp16 range check the exporter runs before writing an fp16 graph.

The fp16 graph keeps its residual stream and MLP activations in fp16, whose largest finite value is 65,504; weights
are checked for that range when they are converted, but activations can only be checked by running the model. So a
few calibration prompts go through the torch model in fp32 (layer by layer, each layer upcast on its own when the
model is held in bf16, so a 3.5 B checkpoint needs one layer's fp32 copy at a time), recording per layer the largest
|x| of the residual stream (after the attention and after the MLP) and of the SwiGLU product silu(gate(x)) * up(x)
(the input of down_proj, the largest intermediate of the MLP). Any value above FP16_ACTIVATION_LIMIT refuses fp16.
"""

from __future__ import annotations

import copy
import math
import random
from typing import Dict, List, Optional

import torch

from ..common.errors import ExportError
from .step1 import Step1

# Half of fp16's largest finite value (65,504): a 2x margin for prompts that drive activations further than the
# calibration prompts do.
FP16_ACTIVATION_LIMIT = 3.0e4

# Calibration text (prompt-like English and Chinese, as in the edit prompts of EDITX-SPEC.md section 3).
_TEXTS = [
    "system\nAs a highly skilled audio editing and tuning specialist, you excel in interpreting user instructions.\n",
    "human\nMake the following audio more happy. The text corresponding to the audio is: 今天天气真好，我们去公园散步吧。\n\n",
    "human\nRemove any noise from the given audio while preserving the voice content clearly.\n\n",
]


def calibration_prompts(vocab_size: int, audio_base: int, audio_count: int, tokenizer_path: Optional[str] = None,
                        seed: int = 0) -> List[List[int]]:
    """Edit-style prompts: BOS, turn start, text, then a run of audio tokens (what real prompts are mostly made of).
    Text goes through the tokenizer when there is one, else it is random ids below the audio range."""
    rng = random.Random(seed)
    encode = None
    if tokenizer_path:
        import sentencepiece as spm

        encode = spm.SentencePieceProcessor(model_file=tokenizer_path).encode
    text_top = max(6, min(audio_base, vocab_size))
    prompts = []
    for i, text in enumerate(_TEXTS):
        ids = encode(text) if encode else [rng.randrange(5, text_top) for _ in range(48)]
        audio = [audio_base + rng.randrange(audio_count) for _ in range(100 + 50 * i)]
        prompt = [1, 4] + ids + audio + [3, 4]
        prompts.append([t for t in prompt if t < vocab_size])
    return prompts


def _amax(t: torch.Tensor) -> float:
    v = t.detach().abs().max()
    return float(v) if bool(torch.isfinite(v)) else math.inf


@torch.no_grad()
def activation_maxima(model: Step1, prompts: List[List[int]]) -> Dict[str, List[float]]:
    cfg = model.cfg
    n = cfg.num_layers
    residual = [0.0] * n
    swiglu = [0.0] * n
    all_fp32 = all(p.dtype == torch.float32 for p in model.parameters())
    past = torch.zeros(0, cfg.num_groups, cfg.dim_head, dtype=torch.float32)
    for ids in prompts:
        x = model.model.embed_tokens(torch.tensor([ids], dtype=torch.int64)).float()
        bias = model.alibi_bias(0, len(ids))
        for i, layer in enumerate(model.model.layers):
            lay = layer if all_fp32 else copy.deepcopy(layer).float()
            seen: Dict[str, float] = {}
            hooks = [
                # The input of the second norm is the residual stream after the attention.
                lay.post_attention_layernorm.register_forward_pre_hook(lambda m, a: seen.__setitem__("mid", _amax(a[0]))),
                lay.mlp.down_proj.register_forward_pre_hook(lambda m, a: seen.__setitem__("glu", _amax(a[0]))),
            ]
            try:
                x, _, _ = lay(x, past, past, bias)
            finally:
                for h in hooks:
                    h.remove()
            residual[i] = max(residual[i], seen["mid"], _amax(x))
            swiglu[i] = max(swiglu[i], seen["glu"])
            if lay is not layer:
                del lay
    return {"residual": residual, "swiglu": swiglu}


def check_fp16(model: Step1, prompts: List[List[int]], limit: float = FP16_ACTIVATION_LIMIT) -> dict:
    """The manifest record of the check; raises ExportError when an activation exceeds `limit`."""
    m = activation_maxima(model, prompts)
    over = [f"layer {i} {what} reaches {v:.4g}" for what in ("residual", "swiglu")
            for i, v in enumerate(m[what]) if not v <= limit]
    if over:
        raise ExportError(
            f"fp16 would overflow: on {len(prompts)} calibration prompts run in fp32, " + ", ".join(over[:6])
            + (f" (and {len(over) - 6} more)" if len(over) > 6 else "")
            + f"; the fp16 graph accepts activations up to {limit:.0f} (fp16 holds 65,504). "
            "Export the fp32 variant instead: --dtypes fp32")
    sig = lambda v: float(f"{v:.4g}")  # noqa: E731
    return {"limit": limit, "prompts": len(prompts), "ids": sum(len(p) for p in prompts),
            "residual": [sig(v) for v in m["residual"]], "swiglu": [sig(v) for v in m["swiglu"]]}
