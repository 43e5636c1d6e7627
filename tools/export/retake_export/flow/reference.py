"""Torch reference outputs of a tiny pack's decoder (flow + HiFT) for the TypeScript tests: one decode of fixed
tokens with a fixed prompt, every intermediate the ONNX graphs and the TypeScript DSP produce, and the random draws
used, in `reference/decoder-reference.safetensors` (+ `.json` with the token lists)."""

from __future__ import annotations

import json
import os
from typing import Dict

import torch

from ..common.safetensors_io import save_file
from ..vocoder.hift import Hift
from .model import Flow, bf16, prompt_condition, reshape_tokens

PROMPT_IDS = [3, 900, 1024 + 5, 1024 + 4000, 1024 + 77, 10, 11, 1024 + 12, 1024 + 13, 1024 + 14, 600, 601, 1024 + 1]
GEN_IDS = [(7 * i) % 1024 if i % 5 < 2 else 1024 + (131 * i) % 4096 for i in range(58)]
SEED = 99


@torch.no_grad()
def write(out: str, flow: Flow, hift: Hift) -> Dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(SEED)
    tp = len(reshape_tokens(PROMPT_IDS))
    prompt_mel = (-5.0 + 2.5 * torch.randn(1, 2 * tp + 3, flow.cfg.mel_bins, generator=g)).clamp(-11.5, 2.0)
    speaker = torch.randn(1, flow.cfg.spk_embed_dim, generator=g) * 0.8
    pairs = torch.tensor([reshape_tokens(PROMPT_IDS) + reshape_tokens(GEN_IDS)], dtype=torch.int64)
    cond_prompt = prompt_condition(prompt_mel, tp, flow.cfg.up_stride, True)
    spks = flow.speaker(bf16(speaker))
    mu = flow.encode(pairs)
    n = mu.shape[2]
    noise = torch.from_numpy(_noise(out, flow)[:, :n].copy()).unsqueeze(0)
    cond = torch.zeros_like(mu)
    cond[:, :, : cond_prompt.shape[1]] = cond_prompt.transpose(1, 2)
    steps: Dict[str, torch.Tensor] = {}

    r = flow.cfg.cfg_rate

    def on_step(i, x2, t2, v):
        if i == 0:
            steps.update({"estimator.step0.x": x2, "estimator.step0.t": t2, "estimator.step0.out": v,
                          "estimator.step0.guided": (1.0 + r) * v[:1] - r * v[1:]})

    mel_full = flow.euler(noise, mu, spks, cond, on_step=on_step)
    mel = mel_full[:, :, cond_prompt.shape[1]:].contiguous()
    n_samples = mel.shape[2] * hift.cfg.samples_per_frame
    phase = torch.rand(1, hift.cfg.nb_harmonics + 1, generator=g)
    nsf_noise = torch.randn(1, n_samples, hift.cfg.nb_harmonics + 1, generator=g)
    f0 = hift.f0_predictor(mel)
    source = hift.source(f0, phase, nsf_noise)
    stft = hift.stft(source)
    real, imag = hift.trunk.spectrum(mel, stft)
    wave = hift.istft(real, imag)
    t = {
        "input.prompt_mel": prompt_mel, "input.speaker": speaker, "flow.tokens": pairs,
        "flow.prompt_cond": cond_prompt, "flow.spks": spks, "flow.mu": mu, "cfm.noise": noise,
        "estimator.step0.mu": torch.cat([mu, torch.zeros_like(mu)]),
        "estimator.step0.spks": torch.cat([spks, torch.zeros_like(spks)]),
        "estimator.step0.cond": torch.cat([cond, torch.zeros_like(cond)]),
        **steps, "flow.mel_full": mel_full, "flow.mel": mel,
        "hift.nsf_phase": phase, "hift.nsf_noise": nsf_noise, "hift.f0": f0, "hift.source": source,
        "hift.source_stft": stft, "hift.real": real, "hift.imag": imag, "hift.waveform": wave,
    }
    ref_dir = os.path.join(out, "reference")
    os.makedirs(ref_dir, exist_ok=True)
    save_file(os.path.join(ref_dir, "decoder-reference.safetensors"), {k: v.contiguous() for k, v in t.items()})
    with open(os.path.join(ref_dir, "decoder-reference.json"), "w", encoding="utf-8") as f:
        json.dump({"description": "torch reference of the tiny pack's decoder (retake_export/flow/reference.py)",
                   "promptIds": PROMPT_IDS, "generatedIds": GEN_IDS, "promptTokenFrames": tp,
                   "tensors": {k: list(v.shape) for k, v in sorted(t.items())}}, f, indent=1)
        f.write("\n")
    return t


def _noise(out: str, flow: Flow):
    import numpy as np

    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
        shape = json.load(f)["components"]["flow"]["noise"]["shape"]
    return np.fromfile(os.path.join(out, "flow_noise.f32"), dtype="<f4").reshape(shape)
