"""The HiFT vocoder (EDITX-SPEC.md §6) in torch, written from the spec: F0 predictor, neural-source-filter source
(9 sines), source STFT, the upsampling trunk with source fusion, and the ISTFT. Parameter names are the published
`hift.pt`'s with weight norm folded into plain `weight` tensors (checkpoint.py folds `weight_g`/`weight_v` pairs).

The ONNX graphs cover the F0 predictor and the trunk (mel + source STFT → spectrum); the source and both STFTs stay
in TypeScript (src-main/engines/editx/vocoder/), for which `source` and `istft` here are the torch references."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class HiftConfig:
    mel_bins: int = 80
    base_channels: int = 512
    nb_harmonics: int = 8           # sines = harmonics + 1 (the fundamental)
    sample_rate: int = 24000
    nsf_alpha: float = 0.1          # sine amplitude
    nsf_sigma: float = 0.003        # noise std in voiced samples
    nsf_voiced_threshold: float = 10.0
    upsample_rates: List[int] = field(default_factory=lambda: [8, 5, 3])
    upsample_kernel_sizes: List[int] = field(default_factory=lambda: [16, 11, 7])
    n_fft: int = 16
    hop: int = 4
    resblock_kernel_sizes: List[int] = field(default_factory=lambda: [3, 7, 11])
    resblock_dilation_sizes: List[List[int]] = field(default_factory=lambda: [[1, 3, 5]] * 3)
    source_resblock_kernel_sizes: List[int] = field(default_factory=lambda: [7, 7, 11])
    source_resblock_dilation_sizes: List[List[int]] = field(default_factory=lambda: [[1, 3, 5]] * 3)
    lrelu_slope: float = 0.1
    audio_limit: float = 0.99
    f0_channels: int = 512
    magnitude_limit: float = 100.0  # the reference clips exp(log-magnitude) here before the ISTFT
    post_lrelu_slope: float = 0.01  # the leaky ReLU before conv_post is called without a slope (torch default)

    @property
    def samples_per_frame(self) -> int:
        return int(math.prod(self.upsample_rates)) * self.hop

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)


def tiny_config() -> HiftConfig:
    return HiftConfig(base_channels=16, f0_channels=16)


def config_from_yaml(hift: Dict[str, Any]) -> HiftConfig:
    istft = hift.get("istft_params", {})
    f0 = hift.get("f0_predictor", {})
    d = HiftConfig()
    return HiftConfig(
        mel_bins=int(hift.get("in_channels", d.mel_bins)),
        base_channels=int(hift.get("base_channels", d.base_channels)),
        nb_harmonics=int(hift.get("nb_harmonics", d.nb_harmonics)),
        sample_rate=int(hift.get("sampling_rate", d.sample_rate)),
        nsf_alpha=float(hift.get("nsf_alpha", d.nsf_alpha)),
        nsf_sigma=float(hift.get("nsf_sigma", d.nsf_sigma)),
        nsf_voiced_threshold=float(hift.get("nsf_voiced_threshold", d.nsf_voiced_threshold)),
        upsample_rates=[int(x) for x in hift.get("upsample_rates", d.upsample_rates)],
        upsample_kernel_sizes=[int(x) for x in hift.get("upsample_kernel_sizes", d.upsample_kernel_sizes)],
        n_fft=int(istft.get("n_fft", d.n_fft)),
        hop=int(istft.get("hop_len", d.hop)),
        resblock_kernel_sizes=[int(x) for x in hift.get("resblock_kernel_sizes", d.resblock_kernel_sizes)],
        resblock_dilation_sizes=[[int(y) for y in x] for x in hift.get("resblock_dilation_sizes",
                                                                        d.resblock_dilation_sizes)],
        source_resblock_kernel_sizes=[int(x) for x in hift.get("source_resblock_kernel_sizes",
                                                               d.source_resblock_kernel_sizes)],
        source_resblock_dilation_sizes=[[int(y) for y in x] for x in hift.get("source_resblock_dilation_sizes",
                                                                               d.source_resblock_dilation_sizes)],
        lrelu_slope=float(hift.get("lrelu_slope", d.lrelu_slope)),
        audio_limit=float(hift.get("audio_limit", d.audio_limit)),
        f0_channels=int(f0.get("cond_channels", d.f0_channels)),
    )


class Snake(nn.Module):
    """x + sin²(αx)/α per channel (α + 1e-9 in the denominator, as the reference guards it)."""

    def __init__(self, c: int):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.alpha.view(1, -1, 1)
        return x + (1.0 / (a + 1e-9)) * torch.sin(x * a) ** 2


class ResBlock(nn.Module):
    def __init__(self, c: int, k: int, dilations: List[int]):
        super().__init__()
        self.convs1 = nn.ModuleList(nn.Conv1d(c, c, k, dilation=d, padding=(k * d - d) // 2) for d in dilations)
        self.convs2 = nn.ModuleList(nn.Conv1d(c, c, k, padding=(k - 1) // 2) for _ in dilations)
        self.activations1 = nn.ModuleList(Snake(c) for _ in dilations)
        self.activations2 = nn.ModuleList(Snake(c) for _ in dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c1, c2, a1, a2 in zip(self.convs1, self.convs2, self.activations1, self.activations2):
            x = x + c2(a2(c1(a1(x))))
        return x


class F0Predictor(nn.Module):
    """5 × (conv k3 + ELU), linear → 1, |·|: F0 in Hz per mel frame. Conv indices 0, 2, 4, 6, 8 as in the checkpoint."""

    def __init__(self, mel: int, c: int):
        super().__init__()
        self.condnet = nn.ModuleDict({str(2 * i): nn.Conv1d(mel if i == 0 else c, c, 3, padding=1) for i in range(5)})
        self.classifier = nn.Linear(c, 1)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:  # (b, mel, T) -> (b, T)
        x = mel
        for i in range(5):
            x = F.elu(self.condnet[str(2 * i)](x))
        return torch.abs(self.classifier(x.transpose(1, 2)).squeeze(-1))


class SourceMerge(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.l_linear = nn.Linear(n, 1)


class HiftTrunk(nn.Module):
    """mel (b, mel, T) + source STFT (b, n_fft + 2, spf/hop·T + 1) → log-magnitude and phase rows (conv_post)."""

    def __init__(self, cfg: HiftConfig):
        super().__init__()
        self.cfg = cfg
        c = cfg.base_channels
        self.conv_pre = nn.Conv1d(cfg.mel_bins, c, 7, padding=3)
        self.ups = nn.ModuleList(
            nn.ConvTranspose1d(c // 2 ** i, c // 2 ** (i + 1), k, u, padding=(k - u) // 2)
            for i, (u, k) in enumerate(zip(cfg.upsample_rates, cfg.upsample_kernel_sizes)))
        # Source branch i meets the trunk after upsample stage i: its stride is the product of the later stages.
        strides = [int(math.prod(cfg.upsample_rates[i + 1:])) for i in range(len(cfg.upsample_rates))]
        self.source_downs = nn.ModuleList(
            nn.Conv1d(cfg.n_fft + 2, c // 2 ** (i + 1), 1) if u == 1
            else nn.Conv1d(cfg.n_fft + 2, c // 2 ** (i + 1), 2 * u, u, padding=u // 2)
            for i, u in enumerate(strides))
        self.source_resblocks = nn.ModuleList(
            ResBlock(c // 2 ** (i + 1), k, d)
            for i, (k, d) in enumerate(zip(cfg.source_resblock_kernel_sizes, cfg.source_resblock_dilation_sizes)))
        self.resblocks = nn.ModuleList(
            ResBlock(c // 2 ** (i + 1), k, d)
            for i in range(len(cfg.upsample_rates))
            for k, d in zip(cfg.resblock_kernel_sizes, cfg.resblock_dilation_sizes))
        self.conv_post = nn.Conv1d(c // 2 ** len(cfg.upsample_rates), cfg.n_fft + 2, 7, padding=3)

    def forward(self, mel: torch.Tensor, s_stft: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        nk = len(cfg.resblock_kernel_sizes)
        x = self.conv_pre(mel)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, cfg.lrelu_slope))
            if i == len(self.ups) - 1:
                x = torch.cat([x[:, :, 1:2], x], dim=2)  # ReflectionPad1d((1, 0))
            x = x + self.source_resblocks[i](self.source_downs[i](s_stft))
            x = sum(self.resblocks[i * nk + j](x) for j in range(nk)) / nk
        return self.conv_post(F.leaky_relu(x, cfg.post_lrelu_slope))

    def spectrum(self, mel: torch.Tensor, s_stft: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Real and imaginary parts (b, n_fft/2 + 1, frames) handed to the ISTFT: magnitude exp(row) clipped at the
        limit, phase sin(row), then magnitude·cos(phase) and magnitude·sin(phase) as the reference forms them."""
        y = self.forward(mel, s_stft)
        nb = self.cfg.n_fft // 2 + 1
        mag = torch.clamp(torch.exp(y[:, :nb]), max=self.cfg.magnitude_limit)
        phase = torch.sin(y[:, nb:])
        return mag * torch.cos(phase), mag * torch.sin(phase)


class Hift(nn.Module):
    def __init__(self, cfg: HiftConfig):
        super().__init__()
        self.cfg = cfg
        self.f0_predictor = F0Predictor(cfg.mel_bins, cfg.f0_channels)
        self.m_source = SourceMerge(cfg.nb_harmonics + 1)
        self.trunk = HiftTrunk(cfg)

    # The trunk's tensors sit at the top level of the checkpoint (conv_pre, ups, …): expose them under those names.
    def checkpoint_state(self) -> Dict[str, torch.Tensor]:
        out = {}
        for k, v in self.state_dict().items():
            out[k[len("trunk."):] if k.startswith("trunk.") else k] = v
        return out

    def load_checkpoint_state(self, state: Dict[str, torch.Tensor]) -> None:
        own = {("trunk." + k if not k.startswith(("f0_predictor.", "m_source.")) else k): v for k, v in state.items()}
        self.load_state_dict(own, strict=True)

    def window(self) -> torch.Tensor:
        n = self.cfg.n_fft  # periodic Hann
        return 0.5 - 0.5 * torch.cos(2 * math.pi * torch.arange(n, dtype=torch.float64) / n)

    def source(self, f0: torch.Tensor, phase_draw: torch.Tensor, noise_draw: torch.Tensor) -> torch.Tensor:
        """Neural-source-filter excitation from frame F0 (1, T), as the reference's SineGen2 + merge: F0 repeated to
        samples; harmonic k's per-sample phase increment (k·f0/sr mod 1) is averaged to frame rate (linear, ×1/spf),
        summed, scaled back by spf and interpolated linearly to samples; sine amplitude alpha, silenced where
        unvoiced; additive Gaussian noise (sigma voiced, alpha/3 unvoiced); merged by linear n → 1 + tanh.
        phase_draw (1, n) uniform [0, 1) (the fundamental's is ignored); noise_draw (1, samples, n) standard normal."""
        cfg = self.cfg
        spf = cfg.samples_per_frame
        n = cfg.nb_harmonics + 1
        f0s = f0.repeat_interleave(spf, dim=1).unsqueeze(-1)  # (1, L, 1)
        fn = f0s * torch.arange(1, n + 1, dtype=torch.float32)
        rad = (fn / cfg.sample_rate) % 1
        ini = phase_draw.clone()
        ini[:, 0] = 0
        rad[:, 0, :] = rad[:, 0, :] + ini
        down = F.interpolate(rad.transpose(1, 2), scale_factor=1 / spf, mode="linear").transpose(1, 2)
        phase = torch.cumsum(down, dim=1) * 2 * math.pi
        phase = F.interpolate(phase.transpose(1, 2) * spf, scale_factor=spf, mode="linear").transpose(1, 2)
        sines = torch.sin(phase) * cfg.nsf_alpha
        uv = (f0s > cfg.nsf_voiced_threshold).float()
        noise = (uv * cfg.nsf_sigma + (1 - uv) * cfg.nsf_alpha / 3) * noise_draw
        merged = torch.tanh(self.m_source.l_linear(sines * uv + noise))  # (1, L, 1)
        return merged.transpose(1, 2)

    def stft(self, x: torch.Tensor) -> torch.Tensor:
        """(1, 1, L) → (1, n_fft + 2, L/hop + 1): real rows then imaginary rows, centered (reflect), Hann."""
        spec = torch.stft(x.squeeze(1), self.cfg.n_fft, self.cfg.hop, self.cfg.n_fft, window=self.window().float(),
                          center=True, pad_mode="reflect", return_complex=True)
        return torch.cat([spec.real, spec.imag], dim=1)

    def istft(self, real: torch.Tensor, imag: torch.Tensor) -> torch.Tensor:
        y = torch.istft(torch.complex(real, imag), self.cfg.n_fft, self.cfg.hop, self.cfg.n_fft,
                        window=self.window().float(), center=True)
        return torch.clamp(y, -self.cfg.audio_limit, self.cfg.audio_limit)

    @torch.no_grad()
    def inference(self, mel: torch.Tensor, phase_draw: torch.Tensor, noise_draw: torch.Tensor) -> Dict[str, torch.Tensor]:
        f0 = self.f0_predictor(mel)
        s = self.source(f0, phase_draw, noise_draw)
        re, im = self.trunk.spectrum(mel, self.stft(s))
        return {"f0": f0, "source": s, "waveform": self.istft(re, im)}


def init_random(model: Hift, seed: int) -> None:
    """Deterministic random weights for tiny packs (the trunk's output is shifted down so the tiny pack makes audio
    at a sane level instead of a clamped square wave)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "alpha":
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            elif leaf == "bias":
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
            else:
                fan_in = int(torch.tensor(p.shape[1:]).prod()) if p.dim() > 1 else p.shape[0]
                if isinstance(_module_of(model, name), nn.ConvTranspose1d):
                    fan_in = p.shape[0] * p.shape[2]
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
        model.trunk.conv_post.bias[: model.cfg.n_fft // 2 + 1] -= 4.0
        model.f0_predictor.classifier.weight.mul_(60.0)
        model.f0_predictor.classifier.bias.fill_(100.0)


def _module_of(model: nn.Module, pname: str) -> nn.Module:
    m = model
    for part in pname.split(".")[:-1]:
        m = getattr(m, part) if not isinstance(m, (nn.ModuleList, nn.ModuleDict)) else m[part if isinstance(m, nn.ModuleDict) else int(part)]
    return m
