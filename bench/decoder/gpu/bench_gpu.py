"""Full-size EditX decoder speed on an NVIDIA GPU: onnxruntime (CUDA EP) vs torch eager, same GPU, same run.

Builds the published flow (DiT 16 × 512, encoder 6 + 4 layers × 512, vocab 5121) and HiFT (512 channels, 8·5·3
upsampling, 9 harmonics) with random weights, exports them with tools/export (the graphs the app runs:
flow_encoder, flow_estimator with the guided batch of 2 inside, hift_f0, hift_trunk), then decodes one output of
--output seconds after a --prompt seconds prompt:

  ort-cuda     the exported graphs on onnxruntime's CUDA provider, driven as src-main/engines/editx/decoder/ drives
               them: encoder once, 10 estimator runs, F0 once, the trunk in chunks of 200 mel frames with 16 frames of
               context; the source, STFT and ISTFT (TypeScript in the app) are done here with torch on the GPU and
               timed apart
  torch-cuda   our torch modules (retake_export.flow.model, retake_export.vocoder.hift) in eager mode, same steps, the
               trunk in one run

and prints the real-time factor (compute seconds per second of output) per stage. The CPU benchmark of the
TypeScript parts is bench/decoder/decode.ts (npm run bench -- decoder).

Needs on the GPU machine: python3 with torch (CUDA build), onnx, numpy, onnxruntime-gpu; a few GB of GPU memory.

  PYTHONPATH=tools/export python3 bench/decoder/gpu/bench_gpu.py [--out DIR] [--prompt 10] [--output 30]
      [--repeats 3] [--skip-export] [--device cuda]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time

import numpy as np
import torch

from retake_export.common import manifest as pack_manifest
from retake_export.flow import export as flow_export
from retake_export.flow.model import Flow, FlowConfig, init_random as init_flow, reshape_tokens
from retake_export.vocoder import export as vocoder_export
from retake_export.vocoder.hift import Hift, HiftConfig, init_random as init_hift

CHUNK, CONTEXT = 200, 16  # the vocoder's runtime defaults (manifest vocoder.runtime)


def build(seed: int):
    flow = Flow(FlowConfig())
    init_flow(flow, seed)
    hift = Hift(HiftConfig())
    init_hift(hift, seed + 1)
    return flow.eval(), hift.eval()


def export(flow: Flow, hift: Hift, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    log = lambda s: print(s, flush=True)  # noqa: E731
    comps = {"flow": flow_export.flow_component(flow, out, flow_export.draw_noise(flow.cfg, 0), 0, None, log),
             "vocoder": vocoder_export.vocoder_component(hift, out, False, log)}
    pack_manifest.merge(out, "decoder-random-gpu-bench", "Full-size random-weight flow + HiFT for the GPU benchmark.",
                        comps)


def inputs(prompt_s: float, output_s: float, seed: int):
    g = np.random.default_rng(seed)

    def codes(seconds):
        n = int(round(seconds / 0.12 * 5))
        return [int(g.integers(0, 1024)) if i % 5 < 2 else 1024 + int(g.integers(0, 4096)) for i in range(n)]

    prompt, gen = codes(prompt_s), codes(output_s)
    pairs = np.array([reshape_tokens(prompt) + reshape_tokens(gen)], dtype=np.int64)
    tp = len(reshape_tokens(prompt))
    cond = np.zeros((1, 80, 2 * pairs.shape[1]), dtype=np.float32)
    cond[:, :, : 2 * tp] = (-6 + 2 * g.standard_normal((80, 2 * tp))).astype(np.float32)
    spk = g.standard_normal((1, 80)).astype(np.float32) * 0.1
    return pairs, tp, cond, spk


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def grid(n: int = 10) -> list:
    lin = torch.linspace(0, 1, n + 1, dtype=torch.float32)
    return [float(x) for x in 1 - torch.cos(lin * 0.5 * torch.pi)]


def dsp_torch(hift: Hift, f0: torch.Tensor, device: str):
    """Source + STFT on the device (what TypeScript does in the app), returns (source_stft, seconds)."""
    sync(device)
    t0 = time.perf_counter()
    n = f0.shape[1] * hift.cfg.samples_per_frame
    phase = torch.rand(1, hift.cfg.nb_harmonics + 1, device=device)
    noise = torch.randn(1, n, hift.cfg.nb_harmonics + 1, device=device)
    s = hift.source(f0, phase, noise)
    stft = hift.stft(s)
    sync(device)
    return stft, time.perf_counter() - t0


def run_ort(pack: str, pairs, tp, cond, spk, device: str, hift_cpu: Hift):
    import onnxruntime as ort

    prov = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device == "cuda" else ["CPUExecutionProvider"]
    sess = {k: ort.InferenceSession(os.path.join(pack, f), providers=prov) for k, f in
            {"enc": "flow_encoder.onnx", "est": "flow_estimator.onnx", "f0": "hift_f0.onnx",
             "trunk": "hift_trunk.onnx"}.items()}
    used = sess["est"].get_providers()[0]
    noise = np.fromfile(os.path.join(pack, "flow_noise.f32"), dtype="<f4").reshape(80, -1)
    t = {}
    t0 = time.perf_counter()
    mu = sess["enc"].run(["mu"], {"tokens": pairs})[0]
    t["encoder"] = time.perf_counter() - t0
    n = mu.shape[2]
    x = noise[None, :, :n].copy()
    gr = grid()
    tt, dt = np.float32(gr[0]), np.float32(gr[1] - gr[0])
    t0 = time.perf_counter()
    for step in range(1, len(gr)):
        v = sess["est"].run(["velocity"], {"x": x, "mu": mu, "t": np.array([tt], np.float32), "spks": spk,
                                           "cond": cond})[0]
        x = x + dt * v
        tt = np.float32(tt + dt)
        if step < len(gr) - 1:
            dt = np.float32(gr[step + 1] - tt)
    t["estimator (10 runs, batch 2 inside)"] = time.perf_counter() - t0
    mel = np.ascontiguousarray(x[:, :, 2 * tp:])
    frames = mel.shape[2]
    t0 = time.perf_counter()
    f0 = sess["f0"].run(["f0"], {"mel": mel})[0]
    t["hift F0"] = time.perf_counter() - t0
    dev = "cuda" if device == "cuda" else "cpu"
    stft, t["source + STFT (torch here; TypeScript in the app)"] = dsp_torch(hift_cpu.to(dev), torch.from_numpy(f0).to(dev), dev)
    stft = stft.cpu().numpy()
    spf = hift_cpu.cfg.samples_per_frame // hift_cpu.cfg.hop
    t0 = time.perf_counter()
    for a in range(0, frames, CHUNK):
        b = min(frames, a + CHUNK)
        m0, m1 = max(0, a - CONTEXT), min(frames, b + CONTEXT)
        sess["trunk"].run(["real", "imag"], {"mel": np.ascontiguousarray(mel[:, :, m0:m1]),
                                             "source_stft": np.ascontiguousarray(stft[:, :, spf * m0: spf * m1 + 1])})
    t["hift trunk (chunks of 200 + 16 context)"] = time.perf_counter() - t0
    return t, used


@torch.no_grad()
def run_torch(flow: Flow, hift: Hift, pairs, tp, cond, spk, device: str):
    t = {}
    p = torch.from_numpy(pairs).to(device)
    sync(device)
    t0 = time.perf_counter()
    mu = flow.encode(p)
    sync(device)
    t["encoder"] = time.perf_counter() - t0
    noise = flow_export.draw_noise(flow.cfg, 0)[:, :, : mu.shape[2]].to(device)
    t0 = time.perf_counter()
    x = flow.euler(noise, mu, torch.from_numpy(spk).to(device), torch.from_numpy(cond).to(device))
    sync(device)
    t["estimator (10 runs, batch 2)"] = time.perf_counter() - t0
    mel = x[:, :, 2 * tp:].contiguous()
    t0 = time.perf_counter()
    f0 = hift.f0_predictor(mel)
    sync(device)
    t["hift F0"] = time.perf_counter() - t0
    stft, t["source + STFT"] = dsp_torch(hift, f0, device)
    t0 = time.perf_counter()
    re, im = hift.trunk.spectrum(mel, stft)
    sync(device)
    t["hift trunk (one run)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    hift.istft(re, im)
    sync(device)
    t["ISTFT"] = time.perf_counter() - t0
    return t


def report(name: str, runs: list, output_s: float) -> dict:
    keys = list(runs[0].keys())
    med = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in keys}
    total = sum(med.values())
    print(f"\n{name}: RTF {total / output_s:.4f} ({total:.3f} s for {output_s:.0f} s of output; medians of {len(runs)})")
    for k in keys:
        print(f"  {k:<55} {med[k] * 1000:9.1f} ms  RTF {med[k] / output_s:.4f}")
    return {"rtf": total / output_s, "stages_s": med}


def main(argv) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "retake-decoder-gpu-bench"))
    ap.add_argument("--prompt", type=float, default=10.0)
    ap.add_argument("--output", type=float, default=30.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-export", action="store_true")
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    a = ap.parse_args(argv)
    if a.device == "cuda" and not torch.cuda.is_available():
        print("error: torch sees no CUDA device", file=sys.stderr)
        return 1
    torch.manual_seed(a.seed)
    flow, hift = build(a.seed)
    if not a.skip_export:
        t0 = time.time()
        export(flow, hift, a.out)
        print(f"exported to {a.out} in {time.time() - t0:.0f} s")
    pairs, tp, cond, spk = inputs(a.prompt, a.output, a.seed)
    print(f"prompt {a.prompt:.0f} s + output {a.output:.0f} s: {pairs.shape[1]} token frames, "
          f"{2 * pairs.shape[1]} mel frames")
    results = {}
    ort_runs = []
    used = "?"
    for r in range(a.repeats + 1):
        t, used = run_ort(a.out, pairs, tp, cond, spk, a.device, hift)
        if r:
            ort_runs.append(t)
    results["ort"] = report(f"onnxruntime ({used})", ort_runs, a.output)
    flow_d, hift_d = flow.to(a.device), hift.to(a.device)
    torch_runs = []
    for r in range(a.repeats + 1):
        t = run_torch(flow_d, hift_d, pairs, tp, cond, spk, a.device)
        if r:
            torch_runs.append(t)
    results["torch"] = report(f"torch eager ({a.device})", torch_runs, a.output)
    print(f"\nonnxruntime / torch time: {results['ort']['rtf'] / results['torch']['rtf']:.2f}")
    with open(os.path.join(a.out, "decoder-gpu-bench.json"), "w") as f:
        json.dump({"prompt_s": a.prompt, "output_s": a.output, "device": a.device,
                   "gpu": torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu", **results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
