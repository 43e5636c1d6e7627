"""Step1, the language model of Step-Audio-EditX, written from EDITX-SPEC.md section 5.

Owns the torch reference used by the exporter and by the parity tests: pre-norm decoder, RMSNorm, grouped-query
attention with the square-root ALiBi bias, SwiGLU MLP, untied head. Sizes come from Step1Config, so the same code
builds the published 3.5 B model and the tiny random test model.

The KV cache is time-major and batch 1: one (T, groups, head_dim) tensor per layer for keys and one for values. A
prefix of a time-major buffer is contiguous, which lets the TypeScript runner feed a view of a preallocated
full-capacity buffer as the past and receive the new rows straight into that buffer (see README.md, "Graph I/O").
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn


@dataclasses.dataclass
class Step1Config:
    vocab_size: int = 74752
    hidden_size: int = 3072
    intermediate_size: int = 8192
    num_layers: int = 32
    num_heads: int = 48
    num_groups: int = 4
    # None means hidden_size // num_heads (64 in the published model). The tiny test model keeps the real 48/4 head
    # layout on a 64-wide residual, so its heads are narrower than hidden_size // num_heads would allow.
    head_dim: Optional[int] = None
    rms_norm_eps: float = 1e-5
    # Slope rule of the square-root ALiBi bias (EDITX-SPEC.md section 5, marked verify). "step": n = largest power
    # of two <= heads, slopes (2^(-8/n))^k for k = 1..n, then (2^(-4/n))^k for odd k for the remaining heads. The
    # same rule appears in the public vLLM Step1 model and in community ports of the published modeling code.
    # "explicit" takes alibi_slopes as given.
    alibi_slope_rule: str = "step"
    alibi_slopes: Optional[List[float]] = None
    bos_id: int = 1
    eos_id: int = 3
    pad_id: int = 0

    @property
    def dim_head(self) -> int:
        return self.head_dim if self.head_dim is not None else self.hidden_size // self.num_heads

    @property
    def heads_per_group(self) -> int:
        return self.num_heads // self.num_groups

    def validate(self) -> None:
        if self.num_heads % self.num_groups != 0:
            raise ValueError(f"num_heads {self.num_heads} is not a multiple of num_groups {self.num_groups}")
        if self.head_dim is None and self.hidden_size % self.num_heads != 0:
            raise ValueError(f"hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}")
        if self.alibi_slope_rule == "explicit":
            if self.alibi_slopes is None or len(self.alibi_slopes) != self.num_heads:
                raise ValueError("alibi_slope_rule 'explicit' needs alibi_slopes with one value per head")
        elif self.alibi_slope_rule != "step":
            raise ValueError(f"unknown alibi_slope_rule {self.alibi_slope_rule!r} (use 'step' or 'explicit')")

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["head_dim"] = self.dim_head
        d["alibi_slopes"] = alibi_slopes(self)
        return d

    @staticmethod
    def from_json(d: dict) -> "Step1Config":
        fields = {f.name for f in dataclasses.fields(Step1Config)}
        return Step1Config(**{k: v for k, v in d.items() if k in fields})

    @staticmethod
    def from_hf_config(d: dict) -> "Step1Config":
        """Reads the config.json shipped next to the published checkpoint (Hugging Face field names)."""
        cfg = Step1Config(
            vocab_size=int(d["vocab_size"]),
            hidden_size=int(d["hidden_size"]),
            intermediate_size=int(d["intermediate_size"]),
            num_layers=int(d["num_hidden_layers"]),
            num_heads=int(d["num_attention_heads"]),
            num_groups=int(d.get("num_attention_groups", d.get("num_key_value_heads"))),
            rms_norm_eps=float(d.get("rms_norm_eps", 1e-5)),
            # Absent in the published config (hidden_size // heads); the tiny test model's narrower heads need it.
            head_dim=int(d["head_dim"]) if d.get("head_dim") is not None else None,
        )
        cfg.validate()
        return cfg


def tiny_config() -> Step1Config:
    """2 layers on a 64-wide residual with the real vocabulary and the real 48 query heads / 4 KV groups.

    48 heads of 64 cannot fit a 64-wide model, so the heads are 8 wide (q projection 64 -> 384). Keeping 48 heads
    keeps the non-power-of-two slope rule (the part of the spec marked verify) under test.
    """
    return Step1Config(hidden_size=64, intermediate_size=192, num_layers=2, num_heads=48, num_groups=4, head_dim=8)


def alibi_slopes(cfg: Step1Config) -> List[float]:
    if cfg.alibi_slope_rule == "explicit":
        assert cfg.alibi_slopes is not None
        return [float(s) for s in cfg.alibi_slopes]
    n_heads = cfg.num_heads
    n = 2 ** int(math.floor(math.log2(n_heads)))
    slopes = [(2.0 ** (-8.0 / n)) ** k for k in range(1, n + 1)]
    slopes += [(2.0 ** (-4.0 / n)) ** k for k in range(1, 2 * (n_heads - n), 2)]
    return slopes


def alibi_bias(cfg: Step1Config, slopes: Sequence[float], past_len, new_len, device=None) -> torch.Tensor:
    """Step1.alibi_bias for any holder of the config (the layer-by-layer references use it without a Step1)."""
    s = torch.tensor(list(slopes), dtype=torch.float32, device=device).reshape(cfg.num_groups, cfg.heads_per_group, 1, 1)
    q_pos = torch.arange(new_len, device=device) + past_len
    k_pos = torch.arange(past_len + new_len, device=device)
    dist = (q_pos.unsqueeze(1) - k_pos.unsqueeze(0)).to(torch.float32)  # (S, T)
    bias = -s * torch.sqrt(torch.clamp(dist, min=0.0))
    return bias.masked_fill(dist < 0, float("-inf"))


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float, dtype=None):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size, dtype=dtype))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Mean square in fp32 whatever the model dtype, as the published modeling code does.
        var = x.float().pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(var + self.eps).to(x.dtype) * self.weight


class Attention(nn.Module):
    def __init__(self, cfg: Step1Config, dtype=None):
        super().__init__()
        d = cfg.dim_head
        self.cfg = cfg
        self.q_proj = nn.Linear(cfg.hidden_size, cfg.num_heads * d, bias=False, dtype=dtype)
        self.k_proj = nn.Linear(cfg.hidden_size, cfg.num_groups * d, bias=False, dtype=dtype)
        self.v_proj = nn.Linear(cfg.hidden_size, cfg.num_groups * d, bias=False, dtype=dtype)
        self.o_proj = nn.Linear(cfg.num_heads * d, cfg.hidden_size, bias=False, dtype=dtype)

    def forward(
        self, x: torch.Tensor, past_k: torch.Tensor, past_v: torch.Tensor, bias: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (1, S, hidden); past (P, G, D); bias (G, Hpg, S, P+S) fp32. Returns out, new_k (S, G, D), new_v."""
        cfg = self.cfg
        g, hpg, d = cfg.num_groups, cfg.heads_per_group, cfg.dim_head
        s = x.shape[1]
        q = self.q_proj(x).reshape(s, g, hpg, d)
        new_k = self.k_proj(x).reshape(s, g, d)
        new_v = self.v_proj(x).reshape(s, g, d)
        k = torch.cat([past_k, new_k], dim=0)  # (T, G, D)
        v = torch.cat([past_v, new_v], dim=0)
        # Query head h = g * Hpg + i reads KV group g = h // Hpg. Heads are grouped by reshape into one batched
        # matmul per group; expanding the keys with repeat_interleave instead broke decode in onnxruntime
        # (DESIGN.md, measured facts).
        qg = q.permute(1, 2, 0, 3).reshape(g, hpg * s, d)  # (G, Hpg*S, D)
        kt = k.permute(1, 2, 0)  # (G, D, T)
        scores = torch.matmul(qg.float(), kt.float()) * (1.0 / math.sqrt(d))  # fp32 (G, Hpg*S, T)
        scores = scores.reshape(g, hpg, s, -1) + bias
        probs = torch.softmax(scores, dim=-1).reshape(g, hpg * s, -1).to(x.dtype)
        out = torch.matmul(probs, v.permute(1, 0, 2))  # (G, Hpg*S, D)
        out = out.reshape(g, hpg, s, d).permute(2, 0, 1, 3).reshape(1, s, g * hpg * d)
        return self.o_proj(out), new_k, new_v


class MLP(nn.Module):
    def __init__(self, cfg: Step1Config, dtype=None):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False, dtype=dtype)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False, dtype=dtype)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, cfg: Step1Config, dtype=None):
        super().__init__()
        self.self_attn = Attention(cfg, dtype)
        self.mlp = MLP(cfg, dtype)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, dtype)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, dtype)

    def forward(self, x, past_k, past_v, bias):
        a, new_k, new_v = self.self_attn(self.input_layernorm(x), past_k, past_v, bias)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, new_k, new_v


class Decoder(nn.Module):
    def __init__(self, cfg: Step1Config, dtype=None):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size, dtype=dtype)
        self.layers = nn.ModuleList([Layer(cfg, dtype) for _ in range(cfg.num_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, dtype)


class Step1(nn.Module):
    """Module names follow the published checkpoint: model.embed_tokens, model.layers.N.self_attn.q_proj, …, lm_head."""

    def __init__(self, cfg: Step1Config, dtype=None, skip_init: bool = False):
        """skip_init leaves the weights uninitialised (for loading a checkpoint: a 3.5 B random init takes minutes)."""
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        saved = (nn.Linear.reset_parameters, nn.Embedding.reset_parameters)
        if skip_init:
            nn.Linear.reset_parameters = lambda self: None  # type: ignore[assignment]
            nn.Embedding.reset_parameters = lambda self: None  # type: ignore[assignment]
        try:
            self.model = Decoder(cfg, dtype)
            self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False, dtype=dtype)
        finally:
            nn.Linear.reset_parameters, nn.Embedding.reset_parameters = saved
        # Not a buffer: Module.to(dtype) would round the slopes to the model dtype, and the bias must be fp32.
        self.slopes = alibi_slopes(cfg)

    def alibi_bias(self, past_len, new_len) -> torch.Tensor:
        """Bias (G, Hpg, S, T) = -slope_h * sqrt(i - j) for key j <= query i, -inf above the diagonal (fp32).

        The lengths are sizes of the inputs, so under ONNX tracing they stay symbolic.
        """
        return alibi_bias(self.cfg, self.slopes, past_len, new_len, self.lm_head.weight.device)

    def forward(self, input_ids: torch.Tensor, past: Sequence[torch.Tensor]):
        """input_ids (1, S) int64; past = [k0, v0, k1, v1, …], each (P, G, D) in the model dtype.

        Returns logits of the last position (1, vocab) in fp32 and [new_k0, new_v0, …], each (S, G, D).
        """
        s = input_ids.shape[1]
        p = past[0].shape[0]
        bias = self.alibi_bias(p, s)
        x = self.model.embed_tokens(input_ids)
        new: List[torch.Tensor] = []
        for i, layer in enumerate(self.model.layers):
            x, nk, nv = layer(x, past[2 * i], past[2 * i + 1], bias)
            new += [nk, nv]
        h = self.model.norm(x[:, -1, :])
        return self.lm_head(h).float(), new

    def empty_past(self, dtype=None) -> List[torch.Tensor]:
        dtype = dtype or self.lm_head.weight.dtype
        c = self.cfg
        dev = self.lm_head.weight.device
        return [torch.zeros(0, c.num_groups, c.dim_head, dtype=dtype, device=dev) for _ in range(2 * c.num_layers)]

    @torch.no_grad()
    def full_logits(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits of every position of ids (1, T) without a cache: the plain reference used by the tests."""
        out = []
        past = self.empty_past()
        for t in range(ids.shape[1]):
            logits, new = self.forward(ids[:, t : t + 1], past)
            past = [torch.cat([a, b], 0) for a, b in zip(past, new)]
            out.append(logits)
        return torch.cat(out, 0)


def init_random(model: Step1, seed: int) -> None:
    """Deterministic random weights whose logits are peaked enough that greedy paths are well separated.

    Every value is rounded to bf16 (the published checkpoint's dtype), so the fp16 export carries the same weights
    as the fp32 one up to fp16 subnormals.
    """
    gen = torch.Generator().manual_seed(seed)
    cfg = model.cfg
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                v = 1.0 + 0.1 * torch.randn(p.shape, generator=gen)
            elif name == "model.embed_tokens.weight":
                v = torch.randn(p.shape, generator=gen)
            elif name == "lm_head.weight":
                v = torch.randn(p.shape, generator=gen) * (4.0 / math.sqrt(cfg.hidden_size))
            else:
                v = torch.randn(p.shape, generator=gen) * (1.0 / math.sqrt(p.shape[1]))
            p.copy_(v.to(torch.bfloat16).float())


def load_config_file(path: str) -> Step1Config:
    with open(path, "r", encoding="utf-8") as f:
        d = json.load(f)
    if "num_hidden_layers" in d:
        return Step1Config.from_hf_config(d)
    return Step1Config.from_json(d)
