"""The vq02 encoder: FunASR's Paraformer streaming encoder (SANM, `SANMEncoderChunkOpt`) written from EDITX-SPEC.md §4
and our reading of its streaming path, as one chunk step with explicit caches — the form the ONNX graph takes.

One step takes the L new LFR+CMVN frames of a chunk (L = 1..4 in the reference's run) and the state the previous
step left, and returns the encoder output of those L frames and the new state:

  x = feats · √d + sinusoid(positions offset+1 … offset+L, depth = input size)
  xs = [overlap ; x]                   overlap: the previous step's last `right` frames of xs (zeros at the start)
  per block:  h = norm1(xs); q, k, v = split(linear_q_k_v(h)); heads of width d/H
              attention over [cache ; k], [cache ; v] (no mask) + FSMN memory (depthwise conv over v, zero-padded on
              both sides, no cache) + v
              xs = xs + that (the first block, whose input is wider than d, has no residual)
              xs = xs + w_2(relu(w_1(norm2(xs))))
              cache ← last look_back·stride rows of [cache ; k, v of all but the last `right` rows of xs]
  out = after_norm(xs)[last L rows]

Module and tensor names are those of the published FunASR checkpoint (`encoder.` + the names below), so loading is a
name-for-name copy: `encoders0.0.*` (the block reading the 560-dim input) and `encoders.{0..n-2}.*`, each with
`self_attn.linear_q_k_v.{weight,bias}`, `self_attn.linear_out.{weight,bias}`, `self_attn.fsmn_block.weight`,
`feed_forward.w_1.{weight,bias}`, `feed_forward.w_2.{weight,bias}`, `norm1.{weight,bias}`, `norm2.{weight,bias}`
(13 each), plus `after_norm.{weight,bias}`: 50 × 13 + 2 = 652 for the published model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..common.errors import ExportError

# The published checkpoint's prefix for the encoder's tensors (the Paraformer model's `encoder` attribute).
PREFIX = "encoder."
# FunASR's LayerNorm subclass sets eps 1e-12 (ESPnet's default), not torch's 1e-5.
LAYER_NORM_EPS = 1e-12


@dataclass
class EncoderConfig:
    input_size: int = 560  # 80 mel bins × LFR m 7
    output_size: int = 512
    attention_heads: int = 4
    linear_units: int = 2048
    num_blocks: int = 50
    kernel_size: int = 11
    sanm_shift: int = 0
    # The reference's streaming call (tokenizer.py): chunk_size [0, 4, 5] = no left pad, 4 new LFR frames (240 ms) per
    # chunk, 5 frames of overlap carried into the next chunk; attention looks back 4 chunks.
    chunk_size: List[int] = field(default_factory=lambda: [0, 4, 5])
    look_back: int = 4

    @property
    def overlap(self) -> int:
        return self.chunk_size[0] + self.chunk_size[2]

    @property
    def cache_rows(self) -> int:
        return self.look_back * self.chunk_size[1]

    @property
    def head_dim(self) -> int:
        return self.output_size // self.attention_heads

    def to_json(self) -> Dict:
        return asdict(self)

    def validate(self) -> None:
        if self.output_size % self.attention_heads:
            raise ExportError(f"encoder output_size {self.output_size} is not divisible by {self.attention_heads} heads")
        if self.num_blocks < 1 or self.kernel_size < 1 or self.look_back < 1:
            raise ExportError(f"encoder settings out of range: {self.to_json()}")
        if self.chunk_size[0] != 0:
            raise ExportError(f"chunk_size {self.chunk_size}: only a zero left pad is implemented (the reference's)")


def tiny_config() -> EncoderConfig:
    """The published structure at a size for tests (the same as the upstream goldens')."""
    return EncoderConfig(output_size=64, attention_heads=4, linear_units=256, num_blocks=4)


def position_encoding(positions: torch.Tensor, depth: int) -> torch.Tensor:
    """Sinusoids [sin | cos] at timescales 10000^(-i/(depth/2 − 1)), i < depth/2, for float positions (L,), in float32
    as the reference computes them."""
    inc = torch.log(torch.tensor([10000.0], dtype=torch.float32)) / (depth / 2 - 1)
    inv = torch.exp(torch.arange(depth // 2, dtype=torch.float32) * -inc)
    t = positions.to(torch.float32)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1)


class SanmAttention(nn.Module):
    def __init__(self, cfg: EncoderConfig, in_size: int):
        super().__init__()
        d = cfg.output_size
        self.heads = cfg.attention_heads
        self.head_dim = cfg.head_dim
        self.linear_q_k_v = nn.Linear(in_size, 3 * d)
        self.linear_out = nn.Linear(d, d)
        self.fsmn_block = nn.Conv1d(d, d, cfg.kernel_size, groups=d, bias=False)
        left = (cfg.kernel_size - 1) // 2 + cfg.sanm_shift
        self.pad = (left, cfg.kernel_size - 1 - left)

    def forward(self, h: torch.Tensor, cache_k: torch.Tensor, cache_v: torch.Tensor, keep: int):
        """h (1, T, in); cache_k/v (H, P, dh). Returns (attention + FSMN memory) (1, T, d) and the new cache rows."""
        T = h.shape[1]
        d = self.heads * self.head_dim
        qkv = self.linear_q_k_v(h)
        q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
        qh = q[0].reshape(T, self.heads, self.head_dim).transpose(0, 1)  # (H, T, dh)
        kh = k[0].reshape(T, self.heads, self.head_dim).transpose(0, 1)
        vh = v[0].reshape(T, self.heads, self.head_dim).transpose(0, 1)
        k_all = torch.cat([cache_k, kh], dim=1)
        v_all = torch.cat([cache_v, vh], dim=1)
        new_k = torch.cat([cache_k, kh[:, :keep]], dim=1)
        new_v = torch.cat([cache_v, vh[:, :keep]], dim=1)
        scores = torch.matmul(qh * self.head_dim ** -0.5, k_all.transpose(1, 2))
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v_all)  # (H, T, dh)
        att = self.linear_out(ctx.transpose(0, 1).reshape(1, T, d))
        mem = self.fsmn_block(F.pad(v.transpose(1, 2), self.pad)).transpose(1, 2) + v
        return att + mem, new_k, new_v


class FeedForward(nn.Module):
    def __init__(self, d: int, units: int):
        super().__init__()
        self.w_1 = nn.Linear(d, units)
        self.w_2 = nn.Linear(units, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w_2(torch.relu(self.w_1(x)))


class SanmBlock(nn.Module):
    def __init__(self, cfg: EncoderConfig, in_size: int):
        super().__init__()
        self.residual = in_size == cfg.output_size
        self.self_attn = SanmAttention(cfg, in_size)
        self.feed_forward = FeedForward(cfg.output_size, cfg.linear_units)
        self.norm1 = nn.LayerNorm(in_size, eps=LAYER_NORM_EPS)
        self.norm2 = nn.LayerNorm(cfg.output_size, eps=LAYER_NORM_EPS)

    def forward(self, x, cache_k, cache_v, keep: int):
        a, new_k, new_v = self.self_attn(self.norm1(x), cache_k, cache_v, keep)
        x = x + a if self.residual else a
        x = x + self.feed_forward(self.norm2(x))
        return x, new_k, new_v


class ParaformerEncoder(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.encoders0 = nn.ModuleList([SanmBlock(cfg, cfg.input_size)])
        self.encoders = nn.ModuleList([SanmBlock(cfg, cfg.output_size) for _ in range(cfg.num_blocks - 1)])
        self.after_norm = nn.LayerNorm(cfg.output_size, eps=LAYER_NORM_EPS)

    def blocks(self) -> List[SanmBlock]:
        return list(self.encoders0) + list(self.encoders)

    def initial_state(self) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(offset (1,) int64, overlap (1, right, input), cache (blocks, 2, heads, 0, head_dim)) before the first chunk."""
        c = self.cfg
        return (torch.zeros(1, dtype=torch.int64), torch.zeros(1, c.overlap, c.input_size),
                torch.zeros(c.num_blocks, 2, c.attention_heads, 0, c.head_dim))

    def forward(self, feats: torch.Tensor, offset: torch.Tensor, overlap: torch.Tensor, cache: torch.Tensor):
        """One chunk step: feats (1, L, input), offset (1,) int64 = frames fed before, overlap (1, right, input),
        cache (blocks, 2, heads, P, head_dim) with P ≤ look_back·stride.
        Returns enc (1, L, d), new offset, new overlap, new cache."""
        c = self.cfg
        L = feats.shape[1]
        positions = offset.to(torch.float32) + torch.arange(1, L + 1, dtype=torch.float32)
        x = feats * (c.output_size ** 0.5) + position_encoding(positions, c.input_size)[None]
        xs = torch.cat([overlap, x], dim=1)
        new_overlap = xs[:, xs.shape[1] - c.overlap:]
        keep = xs.shape[1] - c.chunk_size[2]
        rows = []
        for i, block in enumerate(self.blocks()):
            xs, k, v = block(xs, cache[i, 0], cache[i, 1], keep)
            rows.append(torch.stack([k[:, -c.cache_rows:], v[:, -c.cache_rows:]], dim=0))
        enc = self.after_norm(xs)[:, xs.shape[1] - L:]
        return enc, offset + L, new_overlap, torch.stack(rows, dim=0)

    @torch.no_grad()
    def run_chunks(self, chunks: List[torch.Tensor]) -> List[torch.Tensor]:
        """Every chunk (L_i, input) in turn from the initial state; the encoder rows of each."""
        offset, overlap, cache = self.initial_state()
        outs = []
        for ch in chunks:
            enc, offset, overlap, cache = self(ch[None], offset, overlap, cache)
            outs.append(enc[0])
        return outs


def expected_tensors(cfg: EncoderConfig) -> Dict[str, Tuple[int, ...]]:
    """The published checkpoint's encoder tensor names (with PREFIX) and shapes for cfg."""
    model = ParaformerEncoder(cfg)
    return {PREFIX + k: tuple(v.shape) for k, v in model.state_dict().items()}


def check_tensors(cfg: EncoderConfig, found: Dict[str, Tuple[int, ...]], source: str) -> List[str]:
    """Raises ExportError naming every missing, unexpected (under PREFIX) and misshaped tensor. Tensors outside PREFIX
    (a full Paraformer checkpoint also holds the decoder and predictor) are not the tokenizer's: their names are
    returned so the caller can say they were left out."""
    expected = expected_tensors(cfg)
    ours = {k: v for k, v in found.items() if k.startswith(PREFIX)}
    others = sorted(k for k in found if not k.startswith(PREFIX))
    missing = sorted(set(expected) - set(ours))
    unexpected = sorted(set(ours) - set(expected))
    misshaped = [f"{n}: checkpoint {list(ours[n])}, model {list(expected[n])}"
                 for n in sorted(set(ours) & set(expected)) if tuple(ours[n]) != expected[n]]
    if missing or unexpected or misshaped:
        parts = [f"{source} does not match the Paraformer encoder of {cfg.num_blocks} blocks, d {cfg.output_size}, "
                 f"{cfg.attention_heads} heads, FFN {cfg.linear_units}, kernel {cfg.kernel_size} "
                 f"({len(expected)} tensors expected, {len(ours)} found under '{PREFIX}'):"]
        if missing:
            parts.append(f"missing ({len(missing)}): " + ", ".join(missing))
        if unexpected:
            parts.append(f"unexpected ({len(unexpected)}): " + ", ".join(unexpected))
        if misshaped:
            parts.append(f"misshaped ({len(misshaped)}): " + "; ".join(misshaped))
        raise ExportError("\n  ".join(parts))
    return others


def load_encoder(cfg: EncoderConfig, tensors: Dict[str, torch.Tensor], source: str) -> Tuple[ParaformerEncoder, List[str]]:
    """A ParaformerEncoder holding `tensors` (published names) in float32; and the names outside the encoder."""
    others = check_tensors(cfg, {k: tuple(v.shape) for k, v in tensors.items()}, source)
    model = ParaformerEncoder(cfg)
    model.load_state_dict({k[len(PREFIX):]: v.to(torch.float32) for k, v in tensors.items() if k.startswith(PREFIX)})
    return model.eval(), others


def init_random(model: nn.Module, seed: int) -> None:
    """Deterministic weights: matrices N(0, 1/fan_in), LayerNorm gains 1 ± 0.2, biases ±0.1 — non-trivial gains and
    biases, so a swapped or dropped tensor shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("bias"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
            elif p.dim() == 1:
                p.copy_(1 + torch.randn(p.shape, generator=g) * 0.2)
            else:
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(int(torch.tensor(p.shape[1:]).prod())))
