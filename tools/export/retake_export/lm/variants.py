"""The LM variants written from a graph with placeholder weights: the graph of any depth from a one-layer export
(expand.py), each variant's weights made and written one checkpoint tensor at a time (weights.py), and the quality
gate of the quantized ones (quality.py). Used for the tiny pack, for published checkpoints (int8/int4 need only one
tensor in memory at a time), for AWQ imports (awq.py) and for the full-size random model (full_size.py).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import onnx
import torch

from ..common import manifest as pack_manifest
from ..common.errors import ExportError
from . import onnx_lm, quality, weights
from .random_weights import checkpoint_shapes
from .step1 import Step1, Step1Config

TEMPLATE_VOCAB = 512


def one_layer_graph(cfg: Step1Config, tmp_dir: str) -> onnx.ModelProto:
    """onnx_lm.export of a one-layer Step1 of cfg's width and heads, small vocabulary. The weights are only
    placeholders, but must differ from each other: the exporter merges identical initializers."""
    one = dataclass_replace(cfg, num_layers=1, vocab_size=TEMPLATE_VOCAB)
    model = Step1(one, skip_init=True)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen))
    path = os.path.join(tmp_dir, "one-layer.onnx")
    onnx_lm.export(model, path, "fp32", "append")
    m = onnx.load(path)
    os.remove(path)
    return m


def dataclass_replace(cfg: Step1Config, **kw) -> Step1Config:
    return dataclasses.replace(cfg, **kw)


def write_variant(graph: onnx.ModelProto, name: str, variant: Optional[weights.QuantVariant], cfg: Step1Config,
                  source, out: str, log, adapt_plan=None) -> dict:
    """Writes lm.<name>.onnx + .data from a graph with placeholder weights; returns the manifest's variant entry.
    `adapt_plan(plan)` may change the plan's transforms before the weights are made (the AWQ import)."""
    m = copy.deepcopy(graph)
    shapes = checkpoint_shapes(cfg)
    if variant is None:
        plan = weights.fp32_plan(m, shapes)
        weights.strip_weights(m, [n for e in plan for n in e.initializers.values()])
    else:
        plan = weights.rewrite_quantized(m, variant, shapes)
    if adapt_plan:
        adapt_plan(plan)
    fname = f"lm.{name}.onnx"
    path = os.path.join(out, fname)
    t0 = time.time()
    # Up to 1 GiB of weights inside the .onnx file (protobuf's limit is 2 GiB), as onnx_lm.export does.
    external = weights.plan_bytes(plan, shapes) > onnx_lm.EXTERNAL_DATA_THRESHOLD
    names = [fname, fname + ".data"] if external else [fname]
    if os.path.exists(path + ".data"):
        os.remove(path + ".data")
    ext = weights.ExternalData(path + ".data") if external else None
    try:
        weights.fill(m, plan, source, ext)
    finally:
        if ext:
            ext.close()
    for p in m.metadata_props:
        if p.key == "retake.dtype":
            p.value = variant.dtype if variant else "fp32"
    onnx.save_model(m, path)
    onnx.checker.check_model(path)
    files = [pack_manifest.file_entry(out, f) for f in names]
    log(f"  {fname}: {sum(f['bytes'] for f in files) / 1e9:.2f} GB in {time.time() - t0:.0f} s")
    entry = {**onnx_lm.describe_io(cfg, "fp32", "append", [f["path"] for f in files]), "files": files}
    entry["dtype"] = variant.dtype if variant else "fp32"
    if variant:
        entry["quantization"] = variant.to_json()
    return entry


def keep_existing(out: str, name: str, entries: Dict[str, dict], variant: Optional[weights.QuantVariant] = None) -> bool:
    """A variant already written (listed in the manifest with the same quantization, files of the listed sizes) is
    kept: re-running with more variants does not rewrite gigabytes."""

    path = os.path.join(out, "manifest.json")
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as f:
        entry = json.load(f).get("components", {}).get("lm", {}).get("variants", {}).get(name)
    if not entry or entry.get("quantization") != (variant.to_json() if variant else None):
        return False
    if not all(os.path.exists(os.path.join(out, x["path"])) and
                            os.path.getsize(os.path.join(out, x["path"])) == x["bytes"] for x in entry["files"]):
        return False
    entries[name] = entry
    return True


def gate_variants(cfg: Step1Config, reference: quality.Reference, prompts: List[List[int]], out: str,
                  entries: Dict[str, dict], names: List[str], steps: int, threads: int, log,
                  cache: Optional[str] = None) -> List[str]:
    """The quality gate: fp32 greedy paths by speculation with the most precise variant as the draft, then every
    variant teacher-forced along them and greedy on its own. Records `quality` in each entry; returns the names of
    the variants under the gate (their figures are logged and recorded too). `cache`: an .npz file keeping the fp32
    paths and logits rows for these prompts and steps (the same weights must be behind every call: the full-size random
    model's file is named after its seed)."""
    from .export import GENERATION

    guard = {"window": GENERATION["repetitionWindow"], "maxCount": GENERATION["repetitionMaxCount"]}
    draft_name = max(names, key=lambda n: entries[n]["quantization"]["bits"])
    draft_path = os.path.join(out, entries[draft_name]["files"][0]["path"])

    def draft(prefixes, n):
        runs = [{"prompt": p, "steps": n, "forced": None, "guard": guard} for p in prefixes]
        return quality.run_variant(draft_path, runs, cfg.vocab_size, threads)[0]

    t0 = time.time()
    key = json.dumps({"prompts": prompts, "steps": steps, "guard": guard})
    if cache and os.path.exists(cache) and str(np.load(cache)["key"]) == key:
        with np.load(cache) as z:
            paths = [list(map(int, p)) for p in z["paths"]]
            rows = list(z["rows"])
        log(f"  fp32 greedy paths and logits from {os.path.basename(cache)}")
    else:
        paths, rows = quality.fp32_greedy(reference, prompts, steps, guard, draft, log)
        log(f"  fp32 greedy paths ({len(prompts)} prompts x {steps} ids, draft {draft_name}) in {time.time() - t0:.0f} s")
        if cache:
            np.savez(cache, key=np.array(key), paths=np.array(paths), rows=np.stack(rows))
    failed = []
    for name in names:
        t0 = time.time()
        q = quality.evaluate(os.path.join(out, entries[name]["files"][0]["path"]), cfg.vocab_size, prompts, paths, rows,
                             guard, threads)
        log(f"  {name}: top-1 agreement {q['top1Agreement']:.3f} over {q['positions']} positions, max |dlogits| "
            f"{q['maxAbsLogitDelta']:.3g}, mean {q['meanAbsLogitDelta']:.3g}, greedy prefixes {q['greedyPrefix']}, "
            f"fp32 median margin {q['fp32MedianMargin']:.3g} ({time.time() - t0:.0f} s)")
        entries[name]["quality"] = q
        if not quality.passes(entries[name]["dtype"], q):
            failed.append(name)
    return failed


def refuse(out: str, entries: Dict[str, dict], failed: List[str]) -> None:
    """Removes the files of the variants under the gate and raises the gate's error for the first of them."""
    for name in failed:
        for f in entries[name]["files"]:
            path = os.path.join(out, f["path"])
            if os.path.exists(path):
                os.remove(path)
    if failed:
        quality.check(failed[0], entries[failed[0]]["dtype"], entries[failed[0]]["quality"])
