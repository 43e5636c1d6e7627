"""Exports the EditX flow as a model-pack component: the encoder (dual-codebook embedding + upsampling conformer +
projection to mu), the DiT estimator (batch of 2 for classifier-free guidance), the speaker projection, the fixed
flow-matching noise buffer, and the speaker encoder (CAM++; a stand-in of the same I/O in tiny packs).

  python3 -m retake_export flow --tiny-random [--out DIR] [--seed N]
  python3 -m retake_export flow --checkpoint COSYVOICE_DIR --out PACK_DIR [--noise FILE.safetensors[:TENSOR]]

COSYVOICE_DIR is the published `CosyVoice-300M-25Hz/` folder (cosyvoice.yaml, flow.pt, campplus.onnx); settings the
spec marks (verify) are read from its cosyvoice.yaml into the manifest. See tools/export/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from torch import nn

from ..common import manifest as pack_manifest
from ..common import onnx_export
from ..common.errors import ExportError
from ..common.paths import DEFAULT_TINY_PACK, REPO
from ..common.safetensors_io import SafetensorsFile
from .checkpoint import load_flow
from .model import Flow, FlowConfig, init_random, time_grid, tiny_config

# The published speaker encoder (EDITX-SPEC.md §6): it ships as ONNX and is copied as is.
CAMPPLUS = {"path": "campplus.onnx", "sha256": "a6ac6a63997761ae2997373e2ee1c47040854b4b759ea41ec48e4e42df0f4d73",
            "bytes": 28303423}
NOISE_SEED = 0

# How our runner splits long decodes (see src-main/engines/editx/decoder/): not model settings, defaults for the pack.
FLOW_RUNTIME = {"maxWindowFrames": 2000, "overlapTokenFrames": 12, "crossfadeFrames": 16}


def manifest_config(cfg: FlowConfig) -> Dict[str, Any]:
    return {
        "vocabSize": cfg.vocab_size, "dModel": cfg.d_model, "melBins": cfg.mel_bins, "spkEmbedDim": cfg.spk_embed_dim,
        "encoderHeads": cfg.enc_heads, "encoderLinearUnits": cfg.enc_linear_units, "encoderBlocks": cfg.enc_blocks,
        "encoderUpBlocks": cfg.enc_up_blocks, "preLookahead": cfg.pre_lookahead, "upStride": cfg.up_stride,
        "ditHidden": cfg.dit_hidden, "ditDepth": cfg.dit_depth, "ditHeads": cfg.dit_heads,
        "ditHeadDim": cfg.dit_head_dim, "ditMlpRatio": cfg.dit_mlp_ratio,
    }


class _Encoder(nn.Module):
    def __init__(self, flow: Flow):
        super().__init__()
        self.flow = flow

    def forward(self, pairs):
        return self.flow.encode(pairs)


class _GuidedEstimator(nn.Module):
    """One Euler step's velocity with classifier-free guidance: the DiT runs on a batch of 2 — the conditional inputs,
    and the same x and t with mu, speaker and cond zeroed — and returns (1 + r)·v_c − r·v_u, in the reference's
    float32 order. The batch is formed inside the graph, so each step moves one copy of x, mu and cond in and one
    velocity out (half the host↔device traffic of a batch-2 interface on a GPU, and no duplication in JavaScript)."""

    def __init__(self, flow: Flow):
        super().__init__()
        self.est = flow.decoder.estimator
        self.rate = flow.cfg.cfg_rate

    def forward(self, x, mu, t, spks, cond):
        v = self.est(torch.cat([x, x]), torch.cat([mu, torch.zeros_like(mu)]), torch.cat([t, t]),
                     torch.cat([spks, torch.zeros_like(spks)]), torch.cat([cond, torch.zeros_like(cond)]))
        return (1.0 + self.rate) * v[:1] - self.rate * v[1:]


class _Speaker(nn.Module):
    def __init__(self, flow: Flow):
        super().__init__()
        self.flow = flow

    def forward(self, embedding):
        return self.flow.speaker(embedding)


class CampplusStandIn(nn.Module):
    """Stand-in for the published CAM++ in tiny packs: the same I/O ((1, frames, 80) float32 fbank → (1, 192)), a
    mean over time and two layers. Not a speaker model."""

    def __init__(self, seed: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.a = nn.Linear(80, 64)
        self.b = nn.Linear(64, 192)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) / (8.0 if p.dim() > 1 else 20.0))

    def forward(self, feats):
        return self.b(torch.tanh(self.a(feats.mean(dim=1)))) * 4.0


def _graph(out: str, name: str, io: Dict[str, Any]) -> Dict[str, Any]:
    return {"files": [pack_manifest.file_entry(out, name)], **io}


def export_graphs(flow: Flow, out: str, log) -> Dict[str, Any]:
    cfg = flow.cfg
    m = cfg.mel_bins
    pairs = torch.tensor([[(5, 1025), (6, 2000), (1024, 3000), (7, 1030), (8, 1031), (1024, 1032)]], dtype=torch.int64)
    enc = onnx_export.export(_Encoder(flow), [pairs], os.path.join(out, "flow_encoder.onnx"), ["tokens"], ["mu"],
                             {"tokens": {1: "token_frames"}, "mu": {2: "frames"}}, "editx.flow.encoder", cfg.to_json())
    n = 12
    args = [torch.randn(1, m, n), torch.randn(1, m, n), torch.tensor([0.1]), torch.randn(1, m), torch.randn(1, m, n)]
    est = onnx_export.export(_GuidedEstimator(flow), args, os.path.join(out, "flow_estimator.onnx"),
                             ["x", "mu", "t", "spks", "cond"], ["velocity"],
                             {k: {2: "frames"} for k in ("x", "mu", "cond", "velocity")}, "editx.flow.estimator",
                             cfg.to_json())
    spk = onnx_export.export(_Speaker(flow), [torch.randn(1, cfg.spk_embed_dim)], os.path.join(out, "flow_speaker.onnx"),
                             ["embedding"], ["speaker"], {}, "editx.flow.speaker", cfg.to_json())
    graphs = {"encoder": _graph(out, "flow_encoder.onnx", enc), "estimator": _graph(out, "flow_estimator.onnx", est),
              "speaker": _graph(out, "flow_speaker.onnx", spk)}
    for k, g in graphs.items():
        log(f"  flow {k}: {g['files'][0]['bytes'] / 1e6:.2f} MB")
    return graphs


def draw_noise(cfg: FlowConfig, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(1, cfg.mel_bins, cfg.noise_frames, generator=g)


def read_noise(spec: str) -> torch.Tensor:
    path, _, name = spec.partition(":")
    with SafetensorsFile(path) as f:
        name = name or "cfm.noise"
        if name not in f.keys():
            raise ExportError(f"{path}: no tensor {name!r}")
        t = f.get(name).float()
    return t.reshape(1, t.shape[-2], t.shape[-1])


def write_noise(out: str, noise: torch.Tensor, seed: Optional[int]) -> Dict[str, Any]:
    rel = "flow_noise.f32"
    arr = noise.reshape(noise.shape[-2], noise.shape[-1]).contiguous().numpy().astype("<f4")
    with open(os.path.join(out, rel), "wb") as f:
        f.write(arr.tobytes())
    entry = {"file": pack_manifest.file_entry(out, rel), "dtype": "float32", "shape": list(arr.shape)}
    if seed is not None:
        entry["seed"] = seed
    return entry


def settings(cfg: FlowConfig, yaml_root: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    grid = time_grid(cfg.n_timesteps)
    s = {
        # baked into the estimator graph (its guided output); recorded here and in the graph's metadata
        "cfgRate": cfg.cfg_rate,
        "timesteps": cfg.n_timesteps,
        # float32 values exactly as torch computes the grid, so the runner feeds the estimator the same t
        "timeGrid": [float(x) for x in grid],
        "tokenMelRatio": cfg.up_stride,
        "bf16Prompt": True,
        "settingsFrom": "cosyvoice.yaml" if yaml_root is not None else "EDITX-SPEC.md defaults (tiny pack)",
    }
    return s


def prompt_mel_settings(yaml_root: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    # EDITX-SPEC.md §6 "Mel"; the published cosyvoice.yaml's mel_conf overrides when present
    mc = dict(n_fft=1920, num_mels=80, sampling_rate=24000, hop_size=480, win_size=1920, fmin=0, fmax=8000,
              center=False)
    if yaml_root is not None and isinstance(yaml_root.get("mel_conf"), dict):
        mc.update({k: v for k, v in yaml_root["mel_conf"].items() if k in mc})
    return {"sampleRate": int(mc["sampling_rate"]), "nFft": int(mc["n_fft"]), "hop": int(mc["hop_size"]),
            "win": int(mc["win_size"]), "melBins": int(mc["num_mels"]), "fmin": float(mc["fmin"]),
            "fmax": float(mc["fmax"]) if mc["fmax"] is not None else None, "center": bool(mc["center"])}


def speaker_encoder_component(out: str, source_dir: Optional[str], seed: int, log) -> Dict[str, Any]:
    base = {"kind": "campplus", "published": CAMPPLUS,
            "fbank": {"sampleRate": 16000, "melBins": 80, "window": "povey", "dither": 0, "meanSubtract": True}}
    if source_dir is None:
        path = os.path.join(out, "campplus_standin.onnx")
        io = onnx_export.export(CampplusStandIn(seed), [torch.randn(1, 50, 80)], path, ["input"], ["output"],
                                {"input": {0: "batch", 1: "frames"}, "output": {0: "batch"}},
                                "editx.speaker.standin", {"seed": seed})
        log("  campplus_standin.onnx: tiny stand-in with the published I/O (not a speaker model)")
        return {**base, "standIn": True, "files": [pack_manifest.file_entry(out, "campplus_standin.onnx")], **io}
    src = os.path.join(source_dir, "campplus.onnx")
    if not os.path.isfile(src):
        raise ExportError(f"{source_dir}: no campplus.onnx (the published speaker encoder, {CAMPPLUS['bytes']} bytes)")
    h = hashlib.sha256()
    with open(src, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != CAMPPLUS["sha256"] or os.path.getsize(src) != CAMPPLUS["bytes"]:
        raise ExportError(f"{src}: sha256 {h.hexdigest()} / {os.path.getsize(src)} bytes is not the published "
                          f"campplus.onnx ({CAMPPLUS['sha256']}, {CAMPPLUS['bytes']} bytes)")
    dst = os.path.join(out, "campplus.onnx")
    if os.path.abspath(src) != os.path.abspath(dst):
        shutil.copyfile(src, dst)
    import onnx

    io = onnx_export.describe(onnx.load(dst))
    return {**base, "standIn": False, "files": [pack_manifest.file_entry(out, "campplus.onnx")], **io}


def flow_component(flow: Flow, out: str, noise: torch.Tensor, noise_seed: Optional[int],
                   yaml_root: Optional[Dict[str, Any]], log) -> Dict[str, Any]:
    if noise.shape[1] != flow.cfg.mel_bins:
        raise ExportError(f"noise buffer has {noise.shape[1]} rows, the flow {flow.cfg.mel_bins} mel bins")
    return {
        "architecture": "cosyvoice2-dit",
        "config": manifest_config(flow.cfg),
        "graphs": export_graphs(flow, out, log),
        "noise": write_noise(out, noise, noise_seed),
        "settings": settings(flow.cfg, yaml_root),
        "promptMel": prompt_mel_settings(yaml_root),
        "runtime": dict(FLOW_RUNTIME),
    }


def tiny_model(seed: int) -> Flow:
    flow = Flow(tiny_config())
    init_random(flow, seed)
    return flow.eval()


def run_tiny(out: str, seed: int, log) -> Flow:
    os.makedirs(out, exist_ok=True)
    flow = tiny_model(seed)
    comps = {"flow": flow_component(flow, out, draw_noise(flow.cfg, NOISE_SEED), NOISE_SEED, None, log),
             "speakerEncoder": speaker_encoder_component(out, None, seed, log)}
    pack_manifest.merge(out, "tiny-random", f"Tiny random-weight model (seed {seed}) for tests; not a usable model.",
                        comps)
    return flow


def run_checkpoint(folder: str, out: str, noise_spec: Optional[str], log, standin_speaker: bool = False,
                   name: str = "step-audio-editx") -> Flow:
    flow, y = load_flow(folder, log)
    os.makedirs(out, exist_ok=True)
    if noise_spec:
        noise, seed = read_noise(noise_spec), None
    else:
        noise, seed = draw_noise(flow.cfg, NOISE_SEED), NOISE_SEED
    comps = {"flow": flow_component(flow, out, noise, seed, y, log),
             "speakerEncoder": speaker_encoder_component(out, None if standin_speaker else folder, 0, log)}
    pack_manifest.merge(out, name, "Step-Audio-EditX exported by tools/export", comps)
    return flow


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export flow", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--tiny-random", action="store_true", help="tiny random-weight flow + CAM++ stand-in")
    src.add_argument("--checkpoint", help="the published CosyVoice folder (cosyvoice.yaml, flow.pt, campplus.onnx)")
    ap.add_argument("--out", help=f"pack folder (default for --tiny-random: {os.path.relpath(DEFAULT_TINY_PACK, REPO)})")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--noise", help="take the flow-matching noise from FILE.safetensors[:TENSOR] (default: drawn "
                                    f"with seed {NOISE_SEED}, 80 x 30000)")
    ap.add_argument("--standin-speaker", action="store_true",
                    help="write the CAM++ stand-in instead of copying campplus.onnx (test packs only)")
    a = ap.parse_args(argv)
    log = lambda s: print(s, flush=True)  # noqa: E731
    try:
        if a.tiny_random:
            run_tiny(os.path.abspath(a.out or DEFAULT_TINY_PACK), a.seed, log)
        else:
            if not a.out:
                ap.error("--checkpoint needs --out")
            run_checkpoint(a.checkpoint, os.path.abspath(a.out), a.noise, log, a.standin_speaker)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
