"""Deterministic random Step1 weights that can be produced one tensor (or a few rows of one) at a time.

The full-size model (3.5 B weights, 14 GB in fp32) never fits in memory here, so its exporter and its fp32 reference
ask for each checkpoint tensor when they need it and get the same numbers every time: rows are drawn in chunks of
CHUNK_ROWS, each chunk from its own numpy generator seeded with (seed, crc32 of the tensor name, chunk index). The
distribution is init_random's (step1.py): norms 1 + 0.1·N(0,1), embedding N(0,1), lm_head 4/sqrt(hidden)·N(0,1),
other matrices N(0,1)/sqrt(in); every value rounded to bf16, the published checkpoint's dtype.
"""

from __future__ import annotations

import math
import zlib
from typing import Dict, Tuple

import numpy as np

from .step1 import Step1Config

CHUNK_ROWS = 1024


def checkpoint_shapes(cfg: Step1Config) -> Dict[str, Tuple[int, ...]]:
    """The published tensor names and (out, in) shapes (EDITX-SPEC.md section 5), in checkpoint order."""
    d, h, f = cfg.dim_head, cfg.hidden_size, cfg.intermediate_size
    shapes: Dict[str, Tuple[int, ...]] = {"model.embed_tokens.weight": (cfg.vocab_size, h)}
    for i in range(cfg.num_layers):
        p = f"model.layers.{i}."
        shapes.update({
            p + "input_layernorm.weight": (h,),
            p + "self_attn.q_proj.weight": (cfg.num_heads * d, h),
            p + "self_attn.k_proj.weight": (cfg.num_groups * d, h),
            p + "self_attn.v_proj.weight": (cfg.num_groups * d, h),
            p + "self_attn.o_proj.weight": (h, cfg.num_heads * d),
            p + "post_attention_layernorm.weight": (h,),
            p + "mlp.gate_proj.weight": (f, h),
            p + "mlp.up_proj.weight": (f, h),
            p + "mlp.down_proj.weight": (h, f),
        })
    shapes["model.norm.weight"] = (h,)
    shapes["lm_head.weight"] = (cfg.vocab_size, h)
    return shapes


def round_bf16(x: np.ndarray) -> np.ndarray:
    """float32 -> nearest bf16 value (ties to even), kept as float32."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return rounded.view(np.float32)


class RandomWeights:
    def __init__(self, cfg: Step1Config, seed: int):
        self.cfg = cfg
        self.seed = seed
        self.shapes = checkpoint_shapes(cfg)

    def _draw(self, name: str, chunk: int, rows: int, cols: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, zlib.crc32(name.encode()), chunk])
        z = rng.standard_normal((rows, cols), dtype=np.float32)
        if name.endswith("norm.weight"):
            v = 1.0 + 0.1 * z
        elif name == "model.embed_tokens.weight":
            v = z
        elif name == "lm_head.weight":
            v = z * np.float32(4.0 / math.sqrt(self.cfg.hidden_size))
        else:
            v = z * np.float32(1.0 / math.sqrt(cols))
        return round_bf16(v.astype(np.float32))

    def rows(self, name: str, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop) of a 2-D tensor (out, in)."""
        out_rows, cols = self.shapes[name]
        stop = min(stop, out_rows)
        parts = []
        for c in range(start // CHUNK_ROWS, -(-stop // CHUNK_ROWS)):
            lo = c * CHUNK_ROWS
            block = self._draw(name, c, min(CHUNK_ROWS, out_rows - lo), cols)
            parts.append(block[max(start, lo) - lo:min(stop, lo + CHUNK_ROWS) - lo])
        return np.concatenate(parts, axis=0)

    def tensor(self, name: str) -> np.ndarray:
        shape = self.shapes[name]
        if len(shape) == 1:
            return self._draw(name, 0, 1, shape[0])[0]
        return self.rows(name, 0, shape[0])
