"""Full-size Step1 decode speed on an NVIDIA GPU: onnxruntime (CUDA EP) vs torch eager, same GPU, same run.

Builds the published architecture (32 layers, 3072 wide, 48 heads / 4 groups, vocab 74752) with random weights,
exports it in fp16 with tools/export (the same graph contract the app uses), then measures greedy decode tokens/s at
several contexts for:
  ort-host-cache    onnxruntime, cache kept in host memory and fed every step (what onnxruntime-node does today:
                    its API has no device-memory binding for CUDA)
  ort-device-cache  onnxruntime with IO binding: the preallocated cache lives on the GPU, new rows are written in
                    place (the same append graph; the ceiling for a runtime that can bind device memory)
  torch-eager       the torch model of tools/export/retake_export/lm/step1.py in fp16 on CUDA, cache grown with torch.cat
Real time needs 42 tokens/s (EDITX-SPEC.md: 41.67 audio tokens per second of speech).

Needs on the GPU machine: python3 with torch (CUDA build), onnx, numpy, onnxruntime-gpu; about 40 GB RAM and 20 GB of
GPU memory. See bench/lm/README.md.

  PYTHONPATH=tools/export python3 bench/lm/gpu/bench_gpu.py [--out DIR] [--contexts 100,1000,4000] [--tokens 64] [--skip-export]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

import numpy as np
import torch

# The exporter package: run with PYTHONPATH=tools/export (bench/lm/README.md).
from retake_export.common import manifest as pack_manifest
from retake_export.lm import export as export_lm
from retake_export.lm.step1 import Step1, Step1Config, init_random

PREFILL_CHUNK = 512
TOP_K = 51


def prompt(n: int, seed: int) -> list:
    g = np.random.default_rng(seed)
    return [1, 4] + [int(x) for x in 65536 + g.integers(0, 5120, size=n - 2)]


def build_model(seed: int) -> Step1:
    cfg = Step1Config()
    model = Step1(cfg, dtype=torch.bfloat16, skip_init=True)
    init_random(model, seed)
    return model.eval()


def export_pack(model: Step1, out: str) -> str:
    os.makedirs(out, exist_ok=True)
    variants = export_lm.export_variants(model, out, ["fp16"], extra_present=False, log=print)
    pack_manifest.merge(out, "step1-random-gpu-bench", "Full-size random-weight Step1 for the GPU benchmark.", {
        "lm": {
            "architecture": "step1",
            "config": export_lm.manifest_config(model.cfg),
            "defaultVariant": {"cpu": "fp16", "gpu": "fp16"},
            "variants": variants,
            "generation": export_lm.GENERATION,
            "runtime": {"prefillChunk": PREFILL_CHUNK},
        }
    })
    return os.path.join(out, "lm.fp16.onnx")


@torch.no_grad()
def bench_torch(model: Step1, ctx: int, tokens: int) -> float:
    past = model.empty_past()
    ids = prompt(ctx, ctx)
    logits = None
    for at in range(0, len(ids), PREFILL_CHUNK):
        logits, new = model(torch.tensor([ids[at:at + PREFILL_CHUNK]], device="cuda"), past)
        past = [torch.cat([a, b], 0) for a, b in zip(past, new)]
    nxt = int(torch.argmax(logits[0]))
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(tokens):
        logits, new = model(torch.tensor([[nxt]], device="cuda"), past)
        past = [torch.cat([a, b], 0) for a, b in zip(past, new)]
        nxt = int(torch.argmax(logits[0]))  # .item() synchronises, as sampling on the host would
    return tokens / (time.perf_counter() - t0)


class OrtRunner:
    def __init__(self, path: str, cfg: Step1Config, capacity: int):
        import onnxruntime as ort

        self.sess = ort.InferenceSession(path, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
        if "CUDAExecutionProvider" not in self.sess.get_providers():
            raise SystemExit("onnxruntime has no CUDA provider here (install onnxruntime-gpu matching the CUDA runtime)")
        self.cfg = cfg
        self.cap = capacity
        self.row = cfg.num_groups * cfg.dim_head
        self.top_k = np.array([TOP_K], dtype=np.int64)

    def names(self, layer: int, io: str):
        return f"{io}_key_{layer}", f"{io}_value_{layer}"

    def host_cache(self, ctx: int, tokens: int) -> float:
        """Cache in host memory: every step sends the whole prefix to the GPU and brings the new rows back."""
        c = self.cfg
        cache = [np.zeros((self.cap, c.num_groups, c.dim_head), dtype=np.float16) for _ in range(2 * c.num_layers)]
        outs = ["top_ids"] + [n for l in range(c.num_layers) for n in self.names(l, "new")]
        length = 0

        def run(ids):
            nonlocal length
            feeds = {"input_ids": np.array([ids], dtype=np.int64), "top_k": self.top_k}
            for l in range(c.num_layers):
                k, v = self.names(l, "past")
                feeds[k] = cache[2 * l][:length]
                feeds[v] = cache[2 * l + 1][:length]
            res = self.sess.run(outs, feeds)
            for i, arr in enumerate(res[1:]):
                cache[i][length:length + len(ids)] = arr
            length += len(ids)
            return int(res[0][0, 0])

        ids = prompt(ctx, ctx)
        for at in range(0, len(ids), PREFILL_CHUNK):
            nxt = run(ids[at:at + PREFILL_CHUNK])
        t0 = time.perf_counter()
        for _ in range(tokens):
            nxt = run([nxt])
        return tokens / (time.perf_counter() - t0)

    def device_cache(self, ctx: int, tokens: int) -> float:
        """Cache preallocated on the GPU; past = views of its prefix, new rows bound in place (IO binding)."""
        c = self.cfg
        cache = [torch.zeros((self.cap, c.num_groups, c.dim_head), dtype=torch.float16, device="cuda")
                 for _ in range(2 * c.num_layers)]
        bytes_per_row = self.row * 2
        length = 0

        def run(ids):
            nonlocal length
            s = len(ids)
            io = self.sess.io_binding()
            io.bind_cpu_input("input_ids", np.array([ids], dtype=np.int64))
            io.bind_cpu_input("top_k", self.top_k)
            for l in range(c.num_layers):
                for j, (pn, nn) in enumerate(zip(self.names(l, "past"), self.names(l, "new"))):
                    buf = cache[2 * l + j]
                    io.bind_input(pn, "cuda", 0, np.float16, (length, c.num_groups, c.dim_head), buf.data_ptr())
                    io.bind_output(nn, "cuda", 0, np.float16, (s, c.num_groups, c.dim_head),
                                   buf.data_ptr() + length * bytes_per_row)
            io.bind_output("top_ids", "cpu")
            self.sess.run_with_iobinding(io)
            top = io.copy_outputs_to_cpu()[-1]
            length += s
            return int(top[0, 0])

        ids = prompt(ctx, ctx)
        for at in range(0, len(ids), PREFILL_CHUNK):
            nxt = run(ids[at:at + PREFILL_CHUNK])
        t0 = time.perf_counter()
        for _ in range(tokens):
            nxt = run([nxt])
        return tokens / (time.perf_counter() - t0)


def main(argv) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "retake-step1-gpu-bench"), help="pack folder for the exported fp16 graph")
    ap.add_argument("--contexts", default="100,1000,4000")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--skip-export", action="store_true", help="reuse the graph already in --out")
    a = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("torch sees no CUDA device", file=sys.stderr)
        return 1
    contexts = [int(x) for x in a.contexts.split(",")]
    torch.manual_seed(a.seed)
    t0 = time.time()
    model = build_model(a.seed)
    print(f"random full-size Step1 built in {time.time() - t0:.0f} s")
    path = os.path.join(a.out, "lm.fp16.onnx")
    if not a.skip_export or not os.path.exists(path):
        path = export_pack(model, a.out)
    gpu = torch.cuda.get_device_name(0)
    rows = []
    # torch first, then free its weights before onnxruntime loads its own copy.
    tmodel = model.to(device="cuda", dtype=torch.float16)
    bench_torch(tmodel, 100, 4)  # warm-up
    torch_tps = {ctx: bench_torch(tmodel, ctx, a.tokens) for ctx in contexts}
    del tmodel, model
    gc.collect()
    torch.cuda.empty_cache()
    cfg = Step1Config()
    runner = OrtRunner(path, cfg, max(contexts) + a.tokens + PREFILL_CHUNK)
    runner.device_cache(100, 4)  # warm-up
    runner.host_cache(100, 4)
    for ctx in contexts:
        host = runner.host_cache(ctx, a.tokens)
        dev = runner.device_cache(ctx, a.tokens)
        rows.append({"context": ctx, "ort_host_cache_tps": host, "ort_device_cache_tps": dev,
                     "torch_eager_tps": torch_tps[ctx], "ratio_ort_device_vs_torch": dev / torch_tps[ctx],
                     "ratio_ort_host_vs_torch": host / torch_tps[ctx]})
    print(f"\nStep1 3.5 B fp16 greedy decode on {gpu}, {a.tokens} tokens per context (real time needs 42 tokens/s)")
    print(f"{'context':>8} {'ort host cache':>15} {'ort device cache':>17} {'torch eager':>12} {'ort dev/torch':>14}")
    for r in rows:
        print(f"{r['context']:>8} {r['ort_host_cache_tps']:>15.1f} {r['ort_device_cache_tps']:>17.1f} "
              f"{r['torch_eager_tps']:>12.1f} {r['ratio_ort_device_vs_torch']:>14.2f}")
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"gpu": gpu, "tokens": a.tokens, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
