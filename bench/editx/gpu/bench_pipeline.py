"""The whole EditX pipeline at full size on an NVIDIA GPU, through the app's own engine (TypeScript on onnxruntime-node
with the CUDA provider): real-time factor per stage and the peak GPU memory, beside the reference's 12-16 GB.

Builds one model pack with random weights of the published sizes, reusing the two GPU benchmarks' builders:
  lm            Step1 3.5 B (bench/lm/gpu: 32 layers, 3072 wide, vocab 74752), fp16. Its lm_head rows outside the audio
                range are zeroed and the audio rows scaled, so the random model samples audio ids as a trained one does
                (a plain random head samples ~7 % audio ids and the output would be a fraction of the ids generated)
  flow, vocoder the published flow (DiT 16 x 512) and HiFT (bench/decoder/gpu)
  vq02          the Paraformer encoder of the published size (50 blocks, d 512), random
  vq06, CAM++   the tiny pack's stand-ins (the published S3 tokenizer and campplus.onnx are ONNX files the pack builder
                copies; the stand-ins have their I/O but are small: their share of the time is understated)
  tokenizer     the tiny test tokenizer (same vocabulary size and special ids as the published one)
then runs `retake edit --engine editx` (emotion: happy) and `retake clone` on an --input-seconds input, generating
--output-seconds of audio (--max-new-ids), each twice in a fresh process (the first also hashes the pack's files once
and is reported as the cold run), while sampling the GPU's memory in use with nvidia-smi every 100 ms.

Needs on the GPU machine: python3 with torch (CUDA build), onnx, numpy, sentencepiece; node with onnxruntime-node's
CUDA provider (`npm run setup:gpu`) and a built dist/ (`npm run build`); nvidia-smi; ~40 GB RAM, ~25 GB disk.

  PYTHONPATH=tools/export python3 bench/editx/gpu/bench_pipeline.py [--out DIR] [--input-seconds 10]
      [--output-seconds 10] [--skip-build] [--profile 2025-12|2026]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

import importlib.util

import numpy as np
import torch

from retake_export.common import manifest as pack_manifest
from retake_export.flow import export as flow_export
from retake_export.lm import export as export_lm
from retake_export.text import tiny_tokenizer
from retake_export.tokenizer import export as tokenizer_export
from retake_export.tokenizer import s3_standin
from retake_export.tokenizer.paraformer import EncoderConfig


def _load(name: str, rel: str):
    """One of the two GPU benchmarks as a module (both files are called bench_gpu.py)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


lm_bench = _load("lm_bench_gpu", "bench/lm/gpu/bench_gpu.py")
decoder_bench = _load("decoder_bench_gpu", "bench/decoder/gpu/bench_gpu.py")

NAME = "editx-random-gpu-bench"
DESCRIPTION = "Full-size random-weight EditX pipeline for bench/editx/gpu; not a usable model."
AUDIO_BASE, AUDIO_COUNT = 65536, 5120
# Random logits of the audio rows get a standard deviation of a few units: with temperature 0.7 the audio ids then hold
# practically all the probability, with and without top-k (the two reference profiles).
HEAD_SCALE = 4.0
IDS_PER_SECOND = 41.67
REFERENCE_GB = (12, 16)
TRANSCRIPT = "The quick brown fox jumps over the lazy dog, and then it rests in the shade for a while."


def log(s: str) -> None:
    print(s, flush=True)


def audio_head(model) -> None:
    """Zeroes the lm_head rows outside the audio ids and scales the audio rows (see the module docstring)."""
    with torch.no_grad():
        w = model.lm_head.weight
        keep = w[AUDIO_BASE:AUDIO_BASE + AUDIO_COUNT].clone()
        w.zero_()
        std = float(keep.float().std())
        w[AUDIO_BASE:AUDIO_BASE + AUDIO_COUNT] = keep * (HEAD_SCALE / (std * math.sqrt(w.shape[1])))


def build_pack(out: str, seed: int, profile: str) -> None:
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    model = lm_bench.build_model(seed)
    audio_head(model)
    variants = export_lm.export_variants(model, out, ["fp16"], extra_present=False, log=log)
    tiny_tokenizer.build(os.path.join(out, "tokenizer.model"))
    text = export_lm.text_tokenizer_component(out, "tokenizer.model", tiny_tokenizer.VOCAB_SIZE, tiny_tokenizer.chat_template())
    text["promptEncoding"] = {"profile": profile}
    pack_manifest.merge(out, NAME, DESCRIPTION, {
        "lm": {
            "architecture": "step1",
            "config": export_lm.manifest_config(model.cfg),
            "defaultVariant": {"cpu": "fp16", "gpu": "fp16"},
            "variants": variants,
            "generation": export_lm.GENERATION,
            "runtime": {"prefillChunk": 512},
        },
        "textTokenizer": text,
    })
    del model
    log(f"LM exported in {time.time() - t0:.0f} s")
    vq02, _, _ = tokenizer_export.random_vq02(out, EncoderConfig(), seed + 10, log)
    s3 = s3_standin.build(seed + 11)
    s3_standin.export(s3, os.path.join(out, "vq06.onnx"))
    io = tokenizer_export.read_onnx_io(os.path.join(out, "vq06.onnx"))
    comps = {"vq02": vq02, "vq06": tokenizer_export.vq06_component(out, "vq06.onnx", io, stand_in=True)}
    pack_manifest.merge(out, NAME, DESCRIPTION, comps)
    flow, hift = decoder_bench.build(seed + 20)
    decoder_bench.export(flow, hift, out)
    # decoder_bench.export named the pack after itself: the last merge names it again.
    pack_manifest.merge(out, NAME, DESCRIPTION, {"speakerEncoder": flow_export.speaker_encoder_component(out, None, seed + 30, log)})
    log(f"pack built in {time.time() - t0:.0f} s: {out}")


def write_input(path: str, seconds: float) -> None:
    """A voiced, amplitude-modulated harmonic tone at 24 kHz: no silence for the tokenizers' trim to remove."""
    sr = 24000
    t = np.arange(int(seconds * sr)) / sr
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 8)) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t) ** 2)
    x = (0.3 * x / np.max(np.abs(x)) * 32767).astype(np.int16)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(x.tobytes())


class GpuMemory:
    """Samples nvidia-smi's memory.used (MiB) of GPU 0 every 100 ms in a thread; peak() is the highest sample."""

    def __init__(self):
        self.samples = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        cmd = ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"]
        while not self.stop.is_set():
            try:
                self.samples.append(int(subprocess.check_output(cmd, text=True).strip().splitlines()[0]))
            except (OSError, subprocess.CalledProcessError, ValueError):
                pass
            self.stop.wait(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def peak(self) -> int:
        return max(self.samples) if self.samples else -1


def idle_memory() -> int:
    try:
        out = subprocess.check_output(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"], text=True)
        return int(out.strip().splitlines()[0])
    except (OSError, subprocess.CalledProcessError, ValueError):
        return -1


def retake(args, home: str) -> dict:
    cmd = ["node", os.path.join(REPO, "bin", "retake.mjs"), *args, "--provider", "gpu", "--json"]
    r = subprocess.run(cmd, cwd=REPO, env={**os.environ, "RETAKE_HOME": home}, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"retake {' '.join(args[:1])} failed ({r.returncode}):\n{r.stderr}")
    return json.loads(r.stdout)


def main(argv) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "retake-editx-gpu-bench"))
    ap.add_argument("--input-seconds", type=float, default=10.0)
    ap.add_argument("--output-seconds", type=float, default=10.0)
    ap.add_argument("--profile", default="2025-12", choices=["2025-12", "2026"])
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--skip-build", action="store_true", help="reuse the pack already in --out")
    a = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("error: torch sees no CUDA device", file=sys.stderr)
        return 1
    pack = os.path.join(a.out, "pack")
    if not a.skip_build or not os.path.exists(os.path.join(pack, "manifest.json")):
        shutil.rmtree(pack, ignore_errors=True)
        build_pack(pack, a.seed, a.profile)
    torch.cuda.empty_cache()
    src = os.path.join(a.out, "input.wav")
    write_input(src, a.input_seconds)
    home = os.path.join(a.out, "home")
    shutil.rmtree(home, ignore_errors=True)
    new_ids = str(int(round(a.output_seconds * IDS_PER_SECOND)))
    runs = {
        "edit": ["edit", src, "-o", os.path.join(a.out, "edit.wav"), "--engine", "editx", "--pack", pack, "--task", "emotion",
                 "--option", "happy", "--text", TRANSCRIPT, "--max-new-ids", new_ids, "--seed", "1"],
        "clone": ["clone", "--pack", pack, "--prompt", src, "--prompt-text", TRANSCRIPT, "--text", TRANSCRIPT,
                  "-o", os.path.join(a.out, "clone.wav"), "--max-new-ids", new_ids, "--seed", "1"],
    }
    idle = idle_memory()
    gpu = torch.cuda.get_device_name(0)
    rows = []
    for name, args in runs.items():
        for attempt in ("cold", "warm"):
            with GpuMemory() as mem:
                t0 = time.time()
                res = retake(args, home)
                wall = time.time() - t0
            info, t = res["info"], res["info"]["timings"]
            seconds = res["seconds"]
            compute = (t["totalMs"] - t["sessionOpenMs"]) / 1000
            rows.append({
                "run": name, "attempt": attempt, "provider": info["provider"], "providerReason": info["providerReason"],
                "outputSeconds": seconds, "ids": info["tokens"]["generated"], "audioIds": info["tokens"]["audio"],
                "processSeconds": wall, "sessionOpenSeconds": t["sessionOpenMs"] / 1000, "computeSeconds": compute,
                "rtf": compute / seconds if seconds else None,
                "stagesMs": {k: t[k] for k in ("tokenizeMs", "featuresMs", "lmMs", "flowMs", "vocoderMs", "overheadMs")},
                "lmIdsPerSecond": info["tokens"]["perSecond"], "peakGpuMiB": mem.peak(), "idleGpuMiB": idle,
            })
            log(f"{name} ({attempt}): {json.dumps(rows[-1])}")
    print(f"\nEditX pipeline, full-size random weights, {gpu}, onnxruntime-node CUDA, profile {a.profile}, "
          f"{a.input_seconds:.0f} s input, ~{a.output_seconds:.0f} s output (warm runs; cold runs in the JSON)")
    print("| run | output s | RTF (compute / output) | tokenizer ms | LM ms (ids/s) | flow ms | vocoder ms | TypeScript ms | peak GPU GB | reference |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["attempt"] != "warm":
            continue
        s = r["stagesMs"]
        peak = (r["peakGpuMiB"] - max(0, r["idleGpuMiB"])) / 1024 if r["peakGpuMiB"] >= 0 else float("nan")
        print(f"| {r['run']} | {r['outputSeconds']:.1f} | {r['rtf']:.2f} | {s['tokenizeMs'] + s['featuresMs']:.0f} | "
              f"{s['lmMs']:.0f} ({r['lmIdsPerSecond']:.0f}) | {s['flowMs']:.0f} | {s['vocoderMs']:.0f} | {s['overheadMs']:.0f} | "
              f"{peak:.1f} | {REFERENCE_GB[0]}-{REFERENCE_GB[1]} GB |")
    with open(os.path.join(a.out, "pipeline-gpu-bench.json"), "w") as f:
        json.dump({"gpu": gpu, "profile": a.profile, "inputSeconds": a.input_seconds, "outputSeconds": a.output_seconds,
                   "referenceGb": REFERENCE_GB, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
