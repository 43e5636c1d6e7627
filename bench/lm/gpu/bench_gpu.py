"""Full-size Step1 decode speed and GPU memory on an NVIDIA GPU: onnxruntime (CUDA EP) vs torch eager, same GPU, same run.

Builds the published architecture (32 layers, 3072 wide, 48 heads / 4 groups, vocab 74752) with random weights,
exports it with tools/export (the same graph contract the app uses) as the fp16 variant and the weight-only int8,
int4 (blocks of 128, the default) and int4-b32 (blocks of 32) variants — names as lm/weights.py parse_variant reads
them (MatMulNBits, float32 activations and cache, written one tensor at a time by lm/variants.py), then
measures greedy decode tokens/s at several contexts, and each runtime's peak GPU memory, for:
  ort-host-cache    onnxruntime, cache kept in host memory and fed every step (what onnxruntime-node does today:
                    its API has no device-memory binding for CUDA)
  ort-device-cache  onnxruntime with IO binding: the preallocated cache lives on the GPU, new rows are written in
                    place (the same append graph; the ceiling for a runtime that can bind device memory)
  torch-eager       the torch model of tools/export/retake_export/lm/step1.py in bf16 (the reference's dtype) on CUDA,
                    cache grown with torch.cat
Peak GPU memory: torch.cuda.max_memory_allocated for torch; for onnxruntime (whose arena torch cannot see) the largest
`nvidia-smi --query-gpu=memory.used` sampled every 50 ms while the variant's session exists, minus the value before
it was created (so it includes the CUDA context, ~0.3-0.5 GB).
Real time needs 42 tokens/s (EDITX-SPEC.md: 41.67 audio tokens per second of speech).

Needs on the GPU machine: python3 with torch (CUDA build), onnx, numpy, onnxruntime-gpu; about 40 GB RAM and 20 GB of
GPU memory. See bench/lm/README.md.

  PYTHONPATH=tools/export python3 bench/lm/gpu/bench_gpu.py [--out DIR] [--variants fp16,int8,int4,int4-b32]
      [--contexts 100,1000,4000] [--tokens 64] [--skip-export]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

import numpy as np
import torch

# The exporter package: run with PYTHONPATH=tools/export (bench/lm/README.md).
from retake_export.common import manifest as pack_manifest
from retake_export.lm import expand, variants as lm_variants, weights
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


def export_pack(model: Step1, out: str, names) -> dict:
    """Writes the variants `names` (fp16 through onnx_lm, int8/int4 one tensor at a time; only fp16 goes into the
    manifest, for `npm run bench -- lm --pack DIR --variant fp16 --ep cuda`); returns {name: graph path}."""
    os.makedirs(out, exist_ok=True)
    entries = {}
    quantized = [n for n in names if n != "fp16"]
    if quantized:
        state = model.state_dict()
        graph = expand.expand(lm_variants.one_layer_graph(model.cfg, out), model.cfg)
        for n in quantized:
            # Not listed in the manifest: without the quality gate's record (which needs node and onnxruntime-node,
            # `retake_export lm --full-size-random` measures it on a CPU) the app would refuse these variants.
            lm_variants.write_variant(graph, n, weights.parse_variant(n), model.cfg,
                                      lambda name: state[name].float().numpy(), out, print)
    if "fp16" in names:  # last: export_variants converts the model to bf16 in place
        entries.update(export_lm.export_variants(model, out, ["fp16"], extra_present=False, log=print))
    if entries:
        pack_manifest.merge(out, "step1-random-gpu-bench", "Full-size random-weight Step1 for the GPU benchmark.", {
            "lm": {
                "architecture": "step1",
                "config": export_lm.manifest_config(model.cfg),
                "defaultVariant": {"cpu": "fp16", "gpu": "fp16"},
                "variants": entries,
                "generation": export_lm.GENERATION,
                "runtime": {"prefillChunk": PREFILL_CHUNK},
            }
        })
    return {n: os.path.join(out, f"lm.{n}.onnx") for n in names}


class GpuMemoryPeak:
    """Largest memory.used of GPU 0 (nvidia-smi, MiB) sampled while inside the `with`, minus the value on entry."""

    def __init__(self):
        self.base = self._used()
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._poll, daemon=True)

    @staticmethod
    def _used() -> int:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"],
                             capture_output=True, text=True, check=True).stdout
        return int(out.split()[0])

    def _poll(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._used())

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._used())

    @property
    def gb(self) -> float:
        return (self.peak - self.base) * 1048576 / 1e9


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
        kv = {i.name: i.type for i in self.sess.get_inputs()}["past_key_0"]
        self.np_kv = np.float16 if kv == "tensor(float16)" else np.float32
        self.torch_kv = torch.float16 if kv == "tensor(float16)" else torch.float32
        self.cfg = cfg
        self.cap = capacity
        self.row = cfg.num_groups * cfg.dim_head
        self.top_k = np.array([TOP_K], dtype=np.int64)

    def names(self, layer: int, io: str):
        return f"{io}_key_{layer}", f"{io}_value_{layer}"

    def host_cache(self, ctx: int, tokens: int) -> float:
        """Cache in host memory: every step sends the whole prefix to the GPU and brings the new rows back."""
        c = self.cfg
        cache = [np.zeros((self.cap, c.num_groups, c.dim_head), dtype=self.np_kv) for _ in range(2 * c.num_layers)]
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
        cache = [torch.zeros((self.cap, c.num_groups, c.dim_head), dtype=self.torch_kv, device="cuda")
                 for _ in range(2 * c.num_layers)]
        bytes_per_row = self.row * np.dtype(self.np_kv).itemsize
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
                    io.bind_input(pn, "cuda", 0, self.np_kv, (length, c.num_groups, c.dim_head), buf.data_ptr())
                    io.bind_output(nn, "cuda", 0, self.np_kv, (s, c.num_groups, c.dim_head),
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
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "retake-step1-gpu-bench"), help="pack folder for the exported graphs")
    ap.add_argument("--variants", default="fp16,int8,int4,int4-b32",
                    help="onnxruntime variants (fp16, int8, int4 = blocks of 128, int4-b32, or another parse_variant name)")
    ap.add_argument("--contexts", default="100,1000,4000")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--skip-export", action="store_true",
                    help="reuse the graphs already in --out (an lm.int4.onnx written before int4 meant blocks of 128 holds "
                         "blocks of 32: export it again)")
    a = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("torch sees no CUDA device", file=sys.stderr)
        return 1
    contexts = [int(x) for x in a.contexts.split(",")]
    names = [n.strip() for n in a.variants.split(",") if n.strip()]
    torch.manual_seed(a.seed)
    t0 = time.time()
    model = build_model(a.seed)
    print(f"random full-size Step1 built in {time.time() - t0:.0f} s")
    paths = {n: os.path.join(a.out, f"lm.{n}.onnx") for n in names}
    if not a.skip_export or not all(os.path.exists(p) for p in paths.values()):
        paths = export_pack(model, a.out, names)
    gpu = torch.cuda.get_device_name(0)
    # torch first (bf16, the reference's dtype), then free its weights before onnxruntime loads its own copies.
    tmodel = model.to(device="cuda", dtype=torch.bfloat16)
    torch.cuda.reset_peak_memory_stats()
    bench_torch(tmodel, 100, 4)  # warm-up
    torch_tps = {ctx: bench_torch(tmodel, ctx, a.tokens) for ctx in contexts}
    torch_peak = torch.cuda.max_memory_allocated() / 1e9
    del tmodel, model
    gc.collect()
    torch.cuda.empty_cache()
    cfg = Step1Config()
    rows = []
    for name in names:
        with GpuMemoryPeak() as mem:
            runner = OrtRunner(paths[name], cfg, max(contexts) + a.tokens + PREFILL_CHUNK)
            runner.device_cache(100, 4)  # warm-up
            runner.host_cache(100, 4)
            for ctx in contexts:
                host = runner.host_cache(ctx, a.tokens)
                dev = runner.device_cache(ctx, a.tokens)
                rows.append({"variant": name, "context": ctx, "ort_host_cache_tps": host, "ort_device_cache_tps": dev,
                             "torch_bf16_tps": torch_tps[ctx], "ratio_ort_device_vs_torch": dev / torch_tps[ctx],
                             "ratio_ort_host_vs_torch": host / torch_tps[ctx]})
            del runner
            gc.collect()
        for r in rows:
            if r["variant"] == name:
                r["ort_peak_gpu_gb"] = mem.gb
    print(f"\nStep1 3.5 B greedy decode on {gpu}, {a.tokens} tokens per context (real time needs 42 tokens/s); "
          f"torch bf16 peak GPU memory {torch_peak:.2f} GB")
    print(f"{'variant':>8} {'context':>8} {'ort host cache':>15} {'ort device cache':>17} {'torch bf16':>11} "
          f"{'ort dev/torch':>14} {'ort peak GB':>12}")
    for r in rows:
        print(f"{r['variant']:>8} {r['context']:>8} {r['ort_host_cache_tps']:>15.1f} {r['ort_device_cache_tps']:>17.1f} "
              f"{r['torch_bf16_tps']:>11.1f} {r['ratio_ort_device_vs_torch']:>14.2f} {r['ort_peak_gpu_gb']:>12.2f}")
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"gpu": gpu, "tokens": a.tokens, "torch_bf16_peak_gpu_gb": torch_peak, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
