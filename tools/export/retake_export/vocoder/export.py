"""Exports the HiFT vocoder as a model-pack component: the F0 predictor and the trunk (mel + source STFT → the
spectrum handed to the ISTFT) as ONNX; the source module's settings and its 9 → 1 merge weights go into the manifest,
since the source and both STFTs run in TypeScript.

  python3 -m retake_export vocoder --tiny-random [--out DIR] [--seed N]
  python3 -m retake_export vocoder --checkpoint COSYVOICE_DIR --out PACK_DIR
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List, Optional

import torch
from torch import nn

from ..common import manifest as pack_manifest
from ..common import onnx_export
from ..common.errors import ExportError
from ..common.paths import DEFAULT_TINY_PACK, REPO
from ..flow.checkpoint import load_hift
from .hift import Hift, HiftConfig, init_random, tiny_config

# Long outputs run the trunk in chunks of this many mel frames with this much context on each side (its receptive
# field is about 12 mel frames; src-main/engines/editx/vocoder/ explains the choice).
VOCODER_RUNTIME = {"chunkFrames": 200, "contextFrames": 16}


class _F0(nn.Module):
    def __init__(self, hift: Hift):
        super().__init__()
        self.m = hift.f0_predictor

    def forward(self, mel):
        return self.m(mel)


class _Trunk(nn.Module):
    def __init__(self, hift: Hift):
        super().__init__()
        self.m = hift.trunk

    def forward(self, mel, source_stft):
        return self.m.spectrum(mel, source_stft)


def manifest_config(cfg: HiftConfig) -> Dict[str, Any]:
    return {
        "melBins": cfg.mel_bins, "baseChannels": cfg.base_channels, "upsampleRates": cfg.upsample_rates,
        "upsampleKernelSizes": cfg.upsample_kernel_sizes, "resblockKernelSizes": cfg.resblock_kernel_sizes,
        "resblockDilationSizes": cfg.resblock_dilation_sizes,
        "sourceResblockKernelSizes": cfg.source_resblock_kernel_sizes,
        "sourceResblockDilationSizes": cfg.source_resblock_dilation_sizes, "lreluSlope": cfg.lrelu_slope,
        "postLreluSlope": cfg.post_lrelu_slope, "f0Channels": cfg.f0_channels,
    }


def vocoder_component(hift: Hift, out: str, from_yaml: bool, log) -> Dict[str, Any]:
    cfg = hift.cfg
    t = 6
    frames = cfg.samples_per_frame // cfg.hop * t + 1
    f0 = onnx_export.export(_F0(hift), [torch.randn(1, cfg.mel_bins, t)], os.path.join(out, "hift_f0.onnx"), ["mel"],
                            ["f0"], {"mel": {2: "frames"}, "f0": {1: "frames"}}, "editx.vocoder.f0", cfg.to_json())
    trunk = onnx_export.export(_Trunk(hift), [torch.randn(1, cfg.mel_bins, t), torch.randn(1, cfg.n_fft + 2, frames)],
                               os.path.join(out, "hift_trunk.onnx"), ["mel", "source_stft"], ["real", "imag"],
                               {"mel": {2: "frames"}, "source_stft": {2: "stft_frames"}, "real": {2: "stft_frames"},
                                "imag": {2: "stft_frames"}}, "editx.vocoder.trunk", cfg.to_json())
    graphs = {"f0": {"files": [pack_manifest.file_entry(out, "hift_f0.onnx")], **f0},
              "trunk": {"files": [pack_manifest.file_entry(out, "hift_trunk.onnx")], **trunk}}
    for k, g in graphs.items():
        log(f"  hift {k}: {g['files'][0]['bytes'] / 1e6:.2f} MB")
    lin = hift.m_source.l_linear
    return {
        "architecture": "hift",
        "config": manifest_config(cfg),
        "graphs": graphs,
        "sampleRate": cfg.sample_rate,
        "samplesPerFrame": cfg.samples_per_frame,
        "source": {
            "harmonics": cfg.nb_harmonics + 1,
            "sineAmp": cfg.nsf_alpha,
            "noiseStd": cfg.nsf_sigma,
            "voicedThreshold": cfg.nsf_voiced_threshold,
            # float32 values (exact as JSON numbers): the merge of the sines, tanh(w · s + b)
            "mergeWeight": [float(x) for x in lin.weight.detach().reshape(-1)],
            "mergeBias": float(lin.bias.detach().reshape(-1)[0]),
        },
        "istft": {"nFft": cfg.n_fft, "hop": cfg.hop, "magnitudeLimit": cfg.magnitude_limit},
        "audioLimit": cfg.audio_limit,
        "settingsFrom": "cosyvoice.yaml" if from_yaml else "EDITX-SPEC.md defaults (tiny pack)",
        "runtime": dict(VOCODER_RUNTIME),
    }


def tiny_model(seed: int) -> Hift:
    hift = Hift(tiny_config())
    init_random(hift, seed + 1)
    return hift.eval()


def run_tiny(out: str, seed: int, log) -> Hift:
    os.makedirs(out, exist_ok=True)
    hift = tiny_model(seed)
    pack_manifest.merge(out, "tiny-random", f"Tiny random-weight model (seed {seed}) for tests; not a usable model.",
                        {"vocoder": vocoder_component(hift, out, False, log)})
    return hift


def run_checkpoint(folder: str, out: str, log, name: str = "step-audio-editx") -> Hift:
    hift, _ = load_hift(folder, log)
    os.makedirs(out, exist_ok=True)
    pack_manifest.merge(out, name, "Step-Audio-EditX exported by tools/export",
                        {"vocoder": vocoder_component(hift, out, True, log)})
    return hift


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export vocoder", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--tiny-random", action="store_true", help="tiny random-weight HiFT")
    src.add_argument("--checkpoint", help="the published CosyVoice folder (cosyvoice.yaml, hift.pt)")
    ap.add_argument("--out", help=f"pack folder (default for --tiny-random: {os.path.relpath(DEFAULT_TINY_PACK, REPO)})")
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args(argv)
    log = lambda s: print(s, flush=True)  # noqa: E731
    try:
        if a.tiny_random:
            run_tiny(os.path.abspath(a.out or DEFAULT_TINY_PACK), a.seed, log)
        else:
            if not a.out:
                ap.error("--checkpoint needs --out")
            run_checkpoint(a.checkpoint, os.path.abspath(a.out), log)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
