"""The EditX flow (EDITX-SPEC.md §6) in torch, written from the spec: dual-codebook embedding, upsampling conformer
encoder, speaker projection, DiT estimator, and the Euler loop with classifier-free guidance. Module and parameter
names are the published checkpoint's (`flow.pt`), so loading is a name-for-name copy (checkpoint.py).

Offline decoding only: one utterance, full attention, no padding (the reference's masks are all ones there)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class FlowConfig:
    vocab_size: int = 5121
    d_model: int = 512           # encoder width = embedding width (two halves of d_model / 2)
    mel_bins: int = 80
    spk_embed_dim: int = 192
    enc_heads: int = 8           # from pos_bias_u's shape in a checkpoint
    enc_linear_units: int = 2048
    enc_blocks: int = 6
    enc_up_blocks: int = 4
    pre_lookahead: int = 3
    up_stride: int = 2
    dit_hidden: int = 512
    dit_depth: int = 16
    dit_heads: int = 8
    dit_head_dim: int = 64
    dit_mlp_ratio: float = 4.0
    dit_freq_dim: int = 256      # timestep sinusoid width
    cfg_rate: float = 0.7
    n_timesteps: int = 10
    noise_frames: int = 30000    # the reference's buffer: 600 s at 50 frames/s

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)


def tiny_config() -> FlowConfig:
    return FlowConfig(d_model=32, enc_heads=2, enc_linear_units=64, enc_blocks=2, enc_up_blocks=2, dit_hidden=64,
                      dit_depth=2, dit_heads=2, dit_head_dim=32, noise_frames=4000)


def config_from_yaml(flow: Dict[str, Any]) -> FlowConfig:
    """FlowConfig from the `flow` node of cosyvoice.yaml (hyperyaml.load)."""
    enc = flow["encoder"]
    dec = flow["decoder"]
    est = dec["estimator"]
    if enc.get("input_size", flow["input_size"]) != enc["output_size"]:
        raise ValueError("encoder input_size must equal output_size (its second embed takes the encoder's width)")
    return FlowConfig(
        vocab_size=int(flow.get("vocab_size", 5121)),
        d_model=int(enc["output_size"]),
        mel_bins=int(flow.get("output_size", 80)),
        spk_embed_dim=int(flow.get("spk_embed_dim", 192)),
        enc_heads=int(enc.get("attention_heads", 4)),
        enc_linear_units=int(enc.get("linear_units", 2048)),
        enc_blocks=int(enc.get("num_blocks", 6)),
        enc_up_blocks=int(enc.get("num_up_blocks", 4)),
        pre_lookahead=int(enc.get("pre_lookahead_len", 3)),
        up_stride=int(enc.get("up_stride", 2)),
        dit_hidden=int(est.get("hidden_size", 256)),
        dit_depth=int(est.get("depth", 28)),
        dit_heads=int(est.get("num_heads", 8)),
        dit_head_dim=int(est.get("head_dim", 64)),
        dit_mlp_ratio=float(est.get("mlp_ratio", 4.0)),
        cfg_rate=float(dec.get("inference_cfg_rate", 0.7)),
    )


# ----------------------------------------------------------------------------------------------------- encoder

def rel_positions(length: int, d: int, like: torch.Tensor) -> torch.Tensor:
    """ESPnet relative positional encoding for `length` frames: (1, 2*length - 1, d), row r standing for the relative
    position length - 1 - r (from +(length-1) down to -(length-1)); sin on even, cos on odd channels."""
    pos = torch.arange(length - 1, -length, -1, dtype=torch.float32, device=like.device).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32, device=like.device) * -(math.log(10000.0) / d))
    ang = pos * div
    return torch.stack([torch.sin(ang), torch.cos(ang)], dim=-1).reshape(1, 2 * length - 1, d).to(like.dtype)


class LinearEmbed(nn.Module):
    """Linear + LayerNorm, then ×√d and the relative positions (`embed` and `up_embed`)."""

    def __init__(self, d: int):
        super().__init__()
        self.out = nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d, eps=1e-5))
        self.d = d

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.out(x) * math.sqrt(self.d)
        return x, rel_positions(x.shape[1], self.d, x)


class RelSelfAttention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.linear_q = nn.Linear(d, d)
        self.linear_k = nn.Linear(d, d)
        self.linear_v = nn.Linear(d, d)
        self.linear_out = nn.Linear(d, d)
        self.linear_pos = nn.Linear(d, d, bias=False)
        self.pos_bias_u = nn.Parameter(torch.zeros(heads, self.dk))
        self.pos_bias_v = nn.Parameter(torch.zeros(heads, self.dk))

    def forward(self, x: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        q = self.linear_q(x).view(b, t, self.h, self.dk)
        k = self.linear_k(x).view(b, t, self.h, self.dk).transpose(1, 2)
        v = self.linear_v(x).view(b, t, self.h, self.dk).transpose(1, 2)
        p = self.linear_pos(pos).view(pos.shape[0], -1, self.h, self.dk).transpose(1, 2)  # (1, h, 2t-1, dk)
        ac = torch.matmul((q + self.pos_bias_u).transpose(1, 2), k.transpose(-2, -1))       # (b, h, t, t)
        bd = torch.matmul((q + self.pos_bias_v).transpose(1, 2), p.transpose(-2, -1))       # (b, h, t, 2t-1)
        # Score of query i against key j uses the row for relative position i - j, i.e. column t-1-i+j: a left pad
        # by one column and a reshape shift each row by one more than the previous.
        bd = torch.cat([bd.new_zeros(b, self.h, t, 1), bd], dim=-1).view(b, self.h, 2 * t, t)
        bd = bd[:, :, 1:].reshape(b, self.h, t, 2 * t - 1)[:, :, :, :t]
        att = torch.softmax((ac + bd) / math.sqrt(self.dk), dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, self.h * self.dk)
        return self.linear_out(y)


class FeedForward(nn.Module):
    def __init__(self, d: int, units: int):
        super().__init__()
        self.w_1 = nn.Linear(d, units)
        self.w_2 = nn.Linear(units, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w_2(F.silu(self.w_1(x)))


class EncoderLayer(nn.Module):
    """Pre-norm self-attention + feed-forward; no convolution module, no macaron FFN (spec, audited)."""

    def __init__(self, d: int, heads: int, units: int):
        super().__init__()
        self.self_attn = RelSelfAttention(d, heads)
        self.feed_forward = FeedForward(d, units)
        # eps 1e-12: the reference's encoder-layer norms (the embeds and the final norm use 1e-5)
        self.norm_mha = nn.LayerNorm(d, eps=1e-12)
        self.norm_ff = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.norm_mha(x), pos)
        return x + self.feed_forward(self.norm_ff(x))


class PreLookahead(nn.Module):
    """Right-pad by the look-ahead, conv k = look-ahead + 1, leaky ReLU (slope 0.01), left-pad 2, conv k3, residual."""

    def __init__(self, d: int, lookahead: int):
        super().__init__()
        self.lookahead = lookahead
        self.conv1 = nn.Conv1d(d, d, lookahead + 1)
        self.conv2 = nn.Conv1d(d, d, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.pad(x.transpose(1, 2), (0, self.lookahead))
        y = F.pad(F.leaky_relu(self.conv1(y), 0.01), (2, 0))
        return self.conv2(y).transpose(1, 2) + x


class Upsample(nn.Module):
    """Nearest ×stride, left-pad 2·stride, conv k = 2·stride + 1."""

    def __init__(self, d: int, stride: int):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv1d(d, d, 2 * stride + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (b, t, d) -> (b, stride·t, d)
        b, t, d = x.shape
        y = x.transpose(1, 2).unsqueeze(-1).expand(b, d, t, self.stride).reshape(b, d, t * self.stride)
        return self.conv(F.pad(y, (2 * self.stride, 0))).transpose(1, 2)


class FlowEncoder(nn.Module):
    def __init__(self, cfg: FlowConfig):
        super().__init__()
        d = cfg.d_model
        self.embed = LinearEmbed(d)
        self.pre_lookahead_layer = PreLookahead(d, cfg.pre_lookahead)
        self.encoders = nn.ModuleList(EncoderLayer(d, cfg.enc_heads, cfg.enc_linear_units)
                                      for _ in range(cfg.enc_blocks))
        self.up_layer = Upsample(d, cfg.up_stride)
        self.up_embed = LinearEmbed(d)
        self.up_encoders = nn.ModuleList(EncoderLayer(d, cfg.enc_heads, cfg.enc_linear_units)
                                         for _ in range(cfg.enc_up_blocks))
        self.after_norm = nn.LayerNorm(d, eps=1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, pos = self.embed(x)
        x = self.pre_lookahead_layer(x)
        for layer in self.encoders:
            x = layer(x, pos)
        x, pos = self.up_embed(self.up_layer(x))
        for layer in self.up_encoders:
            x = layer(x, pos)
        return self.after_norm(x)


class DualCodebookEmbedding(nn.Module):
    """One table for both codebooks; a (vq02, vq06') pair becomes the concatenation of its two rows."""

    def __init__(self, vocab: int, d: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d // 2)

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:  # (b, t, 2) int64 -> (b, t, d)
        return torch.cat([self.embedding(pairs[..., 0]), self.embedding(pairs[..., 1])], dim=-1)


# ------------------------------------------------------------------------------------------------------- DiT

def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale) + shift


def plain_norm(x: torch.Tensor, n: int) -> torch.Tensor:
    """LayerNorm without affine parameters, eps 1e-6 (spec). The unit scale is explicit: torch 1.13 exports an
    affine-less layer_norm with an empty scale input, which the ONNX checker rejects."""
    return F.layer_norm(x, (n,), torch.ones(n, dtype=x.dtype), torch.zeros(n, dtype=x.dtype), eps=1e-6)


class TimestepEmbedder(nn.Module):
    def __init__(self, hidden: int, freq_dim: int):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def forward(self, t: torch.Tensor) -> torch.Tensor:  # (b,) -> (b, hidden)
        half = self.freq_dim // 2
        # t scaled by 1000; frequencies 10000^(-i/half); cos first, then sin (spec, audited)
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
        args = (t * 1000.0)[:, None] * freqs[None].to(t.dtype)
        return self.mlp(torch.cat([torch.cos(args), torch.sin(args)], dim=-1))


class DiTAttention(nn.Module):
    def __init__(self, hidden: int, heads: int, head_dim: int):
        super().__init__()
        self.h, self.hd = heads, head_dim
        inner = heads * head_dim
        self.to_q = nn.Linear(hidden, inner)
        self.to_k = nn.Linear(hidden, inner)
        self.to_v = nn.Linear(hidden, inner)
        self.q_norm = nn.LayerNorm(head_dim, eps=1e-5)
        self.k_norm = nn.LayerNorm(head_dim, eps=1e-5)
        self.proj = nn.Linear(inner, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        q = self.q_norm(self.to_q(x).view(b, t, self.h, self.hd).transpose(1, 2))
        k = self.k_norm(self.to_k(x).view(b, t, self.h, self.hd).transpose(1, 2))
        v = self.to_v(x).view(b, t, self.h, self.hd).transpose(1, 2)
        att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.hd), dim=-1)
        return self.proj(torch.matmul(att, v).transpose(1, 2).reshape(b, t, self.h * self.hd))


class CausalConv(nn.Conv1d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (b, c, t), left-padded by k - 1
        return super().forward(F.pad(x, (self.kernel_size[0] - 1, 0)))


class ConvBlock(nn.Module):
    """Causal conv k3 → LayerNorm → Mish → causal conv k3, on (b, t, c). Indices 1, 3, 6 as in the checkpoint."""

    def __init__(self, c: int):
        super().__init__()
        self.block = nn.ModuleDict({"1": CausalConv(c, c, 3), "3": nn.LayerNorm(c, eps=1e-5), "6": CausalConv(c, c, 3)})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block["1"](x.transpose(1, 2)).transpose(1, 2)
        y = F.mish(self.block["3"](y))
        return self.block["6"](y.transpose(1, 2)).transpose(1, 2)


class Mlp(nn.Module):
    def __init__(self, hidden: int, ratio: float):
        super().__init__()
        self.fc1 = nn.Linear(hidden, int(hidden * ratio))
        self.fc2 = nn.Linear(int(hidden * ratio), hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


def ada_ln(hidden: int, n: int) -> nn.Sequential:
    """SiLU → Linear(hidden, n·hidden): the checkpoint's `adaLN_modulation.1`."""
    return nn.Sequential(nn.SiLU(), nn.Linear(hidden, n * hidden))


class DiTBlock(nn.Module):
    def __init__(self, cfg: FlowConfig):
        super().__init__()
        h = cfg.dit_hidden
        self.attn = DiTAttention(h, cfg.dit_heads, cfg.dit_head_dim)
        self.conv = ConvBlock(h)
        self.mlp = Mlp(h, cfg.dit_mlp_ratio)
        self.adaLN_modulation = ada_ln(h, 9)
        self.h = h

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        sh_a, sc_a, g_a, sh_m, sc_m, g_m, sh_c, sc_c, g_c = self.adaLN_modulation(c).chunk(9, dim=-1)
        x = x + g_a * self.attn(modulate(plain_norm(x, self.h), sh_a, sc_a))
        x = x + g_c * self.conv(modulate(plain_norm(x, self.h), sh_c, sc_c))
        return x + g_m * self.mlp(modulate(plain_norm(x, self.h), sh_m, sc_m))


class FinalLayer(nn.Module):
    def __init__(self, hidden: int, out: int):
        super().__init__()
        self.adaLN_modulation = ada_ln(hidden, 2)
        self.linear = nn.Linear(hidden, out)
        self.h = hidden

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=-1)
        return self.linear(modulate(plain_norm(x, self.h), shift, scale))


class DiT(nn.Module):
    """Velocity estimator: [x, mu, speaker repeated, cond] (4 × mel bins) → velocity (mel bins), per frame."""

    def __init__(self, cfg: FlowConfig):
        super().__init__()
        self.t_embedder = TimestepEmbedder(cfg.dit_hidden, cfg.dit_freq_dim)
        self.in_proj = nn.Linear(4 * cfg.mel_bins, cfg.dit_hidden)
        self.blocks = nn.ModuleList(DiTBlock(cfg) for _ in range(cfg.dit_depth))
        self.final_layer = FinalLayer(cfg.dit_hidden, cfg.mel_bins)

    def forward(self, x: torch.Tensor, mu: torch.Tensor, t: torch.Tensor, spks: torch.Tensor,
                cond: torch.Tensor) -> torch.Tensor:
        """x, mu, cond (b, mel, T); t (b,); spks (b, mel) -> (b, mel, T)"""
        c = self.t_embedder(t).unsqueeze(1)
        s = spks.unsqueeze(-1).expand(-1, -1, x.shape[-1])
        h = self.in_proj(torch.cat([x, mu, s, cond], dim=1).transpose(1, 2))
        for blk in self.blocks:
            h = blk(h, c)
        return self.final_layer(h, c).transpose(1, 2)


class CFM(nn.Module):
    def __init__(self, cfg: FlowConfig):
        super().__init__()
        self.estimator = DiT(cfg)


# ------------------------------------------------------------------------------------------------------ flow

def time_grid(n_steps: int) -> torch.Tensor:
    """t = 1 − cos(linspace(0, 1, n + 1) · π/2), in float32 as the reference computes it."""
    lin = torch.linspace(0, 1, n_steps + 1, dtype=torch.float32)
    return 1 - torch.cos(lin * 0.5 * torch.pi)


class Flow(nn.Module):
    def __init__(self, cfg: FlowConfig):
        super().__init__()
        self.cfg = cfg
        self.input_embedding = DualCodebookEmbedding(cfg.vocab_size, cfg.d_model)
        self.spk_embed_affine_layer = nn.Linear(cfg.spk_embed_dim, cfg.mel_bins)
        self.encoder = FlowEncoder(cfg)
        self.encoder_proj = nn.Linear(cfg.d_model, cfg.mel_bins)
        self.decoder = CFM(cfg)

    def encode(self, pairs: torch.Tensor) -> torch.Tensor:
        """(1, T, 2) token pairs → mu (1, mel, up_stride·T)."""
        return self.encoder_proj(self.encoder(self.input_embedding(pairs.clamp(min=0)))).transpose(1, 2)

    def speaker(self, embedding: torch.Tensor) -> torch.Tensor:
        """(1, 192) CAM++ embedding → (1, mel): L2-normalized, then the affine layer."""
        return self.spk_embed_affine_layer(F.normalize(embedding, dim=1))

    def euler(self, noise: torch.Tensor, mu: torch.Tensor, spks: torch.Tensor, cond: torch.Tensor,
              steps: Optional[int] = None, on_step=None) -> torch.Tensor:
        """Euler integration over the cosine grid with classifier-free guidance: each step runs the estimator on a
        batch of 2 (conditional; mu, speaker and cond zeroed) and uses (1 + r)·v_c − r·v_u."""
        grid = time_grid(steps or self.cfg.n_timesteps)
        r = self.cfg.cfg_rate
        x = noise
        t = grid[0:1]
        dt = grid[1] - grid[0]
        mu2 = torch.cat([mu, torch.zeros_like(mu)])
        spk2 = torch.cat([spks, torch.zeros_like(spks)])
        cond2 = torch.cat([cond, torch.zeros_like(cond)])
        for step in range(1, len(grid)):
            v = self.decoder.estimator(torch.cat([x, x]), mu2, torch.cat([t, t]), spk2, cond2)
            if on_step is not None:
                on_step(step - 1, torch.cat([x, x]), torch.cat([t, t]), v)
            vc, vu = v[:1], v[1:]
            x = x + dt * ((1.0 + r) * vc - r * vu)
            t = t + dt
            if step < len(grid) - 1:
                dt = grid[step + 1] - t
        return x

    @torch.no_grad()
    def inference(self, pairs: torch.Tensor, prompt_frames: int, prompt_mel: torch.Tensor, embedding: torch.Tensor,
                  noise: torch.Tensor) -> torch.Tensor:
        """pairs (1, T, 2) = prompt pairs then generated pairs; prompt_mel (1, 2·prompt_frames, mel) already resized;
        noise (1, mel, ≥ 2T). Returns the generated part of the mel (1, mel, 2·(T − prompt_frames))."""
        mu = self.encode(pairs)
        n = mu.shape[2]
        cond = torch.zeros_like(mu)
        cond[:, :, : prompt_mel.shape[1]] = prompt_mel.transpose(1, 2)
        mel = self.euler(noise[:, :, :n], mu, self.speaker(embedding), cond)
        return mel[:, :, prompt_mel.shape[1]:]


def reshape_tokens(mixed: List[int]) -> List[Tuple[int, int]]:
    """Mixed ids (vq02 0..1023, 1024 + vq06) → time-aligned pairs (EDITX-SPEC §6): pad to a multiple of 5 with the
    tail of [0, 0, 0, 1024, 1024, 1024]; each group a b c d e → (a, c'), (b, d'), (1024, e'), x' = x − 1024 + 1025."""
    ids = list(mixed)
    if len(ids) % 5:
        ids += [0, 0, 0, 1024, 1024, 1024][-(5 - len(ids) % 5):]
    out: List[Tuple[int, int]] = []
    for g in range(0, len(ids), 5):
        a, b, c, d, e = ids[g:g + 5]
        out += [(a, c + 1), (b, d + 1), (1024, e + 1)]
    return out


def init_random(model: nn.Module, seed: int) -> None:
    """Deterministic random weights for tiny packs: matrices ~ N(0, 1/fan_in), biases and position biases small,
    norms near 1, adaLN halved (keeps the 10-step integration in a sane range)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf.startswith("pos_bias"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
            elif leaf == "bias":
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
            elif p.dim() == 1:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            elif "embedding" in name:
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                fan_in = int(torch.tensor(p.shape[1:]).prod()) if p.dim() > 1 else p.shape[0]
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
            if "adaLN_modulation" in name and leaf == "weight":
                p.mul_(0.5)


def bf16(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.bfloat16).float()


def nearest_indices(n_in: int, n_out: int, bf16_arith: bool) -> torch.Tensor:
    """Source frame of each output frame for torch's nearest resize (`F.interpolate(mode="nearest", size=n_out)`):
    floor(i · scale) capped at n_in − 1, scale = n_in / n_out. The reference resizes the prompt mel after rounding it
    to bf16, and torch then computes the scale in bf16 too: bf16(bf16(n_in) / bf16(n_out)) (measured on torch 1.13
    against 107 size pairs), which picks other frames than the float32 scale for many sizes (e.g. 20 → 18)."""
    if bf16_arith:
        scale = bf16(bf16(torch.tensor(float(n_in))) / bf16(torch.tensor(float(n_out))))
    else:
        scale = torch.tensor(n_in / n_out, dtype=torch.float32)
    src = torch.floor(torch.arange(n_out, dtype=torch.float32) * scale).long()
    return torch.clamp(src, max=n_in - 1)


def prompt_condition(mel: torch.Tensor, token_frames: int, up: int = 2, bf16_prompt: bool = True) -> torch.Tensor:
    """The prompt mel (1, n, mel) resized (nearest) to up × prompt token frames, as the flow's `cond` prefix; with
    bf16_prompt, rounded to bf16 first and resized with torch's bf16 index arithmetic, as the reference does."""
    x = bf16(mel) if bf16_prompt else mel
    return x[:, nearest_indices(x.shape[1], up * token_frames, bf16_prompt)]
