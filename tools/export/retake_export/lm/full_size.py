"""The full-size random-weight Step1 (the published shape: 32 layers, hidden 3072, 48 heads / 4 groups x 64, FFN
8192, vocab 74,752) as LM variants for measuring memory, speed and the quality gate at the real size, written without
ever holding the model: the graph comes from a one-layer export (expand.py), the weights (random_weights.py) are made,
transformed (transposed, quantized, fp16) and appended to the variant's external data file one tensor at a time,
and the fp32 reference of the quality gate runs layer by layer (quality.py). Peak memory ~3 GB (the fp32 head and
its transpose).

  python3 -m retake_export lm --full-size-random [--out DIR] [--variants fp32,int8,int4] [--seed N]
"""

from __future__ import annotations

import json
import os
import time
from typing import Dict, List

from ..common import manifest as pack_manifest
from . import expand, quality, variants as lm_variants, weights
from .random_weights import RandomWeights
from .step1 import Step1Config


def run(out: str, names: List[str], seed: int, log, gate: str = "enforce", steps: int = 16,
        threads: int = 2) -> Dict[str, dict]:
    """Writes the variants `names` (fp32, or weights.parse_variant names) and merges them into out/manifest.json.
    gate: "enforce" (a variant under the gate is removed and ExportError raised), "report" (every variant's figures
    are measured and recorded, nothing removed: for measuring the choices; the app still refuses a variant under the
    gate) or "off"."""
    from .export import GENERATION, manifest_config

    variants = {n: weights.parse_variant(n) for n in names if n != "fp32"}
    cfg = Step1Config()
    os.makedirs(out, exist_ok=True)
    src = RandomWeights(cfg, seed)
    t0 = time.time()
    graph = expand.expand(lm_variants.one_layer_graph(cfg, out), cfg)
    log(f"  graph of {cfg.num_layers} layers from a one-layer export in {time.time() - t0:.0f} s")
    entries: Dict[str, dict] = {}
    # Variants written by earlier runs and not named now stay in the manifest (the lm component is replaced whole).
    others: Dict[str, dict] = {}
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path, "r", encoding="utf-8") as f:
            earlier = json.load(f).get("components", {}).get("lm", {}).get("variants", {})
        others = {n: e for n, e in earlier.items() if n not in names}

    def record(written: Dict[str, dict]) -> None:
        variants_ = {**others, **written}
        pack_manifest.merge(out, "step1-full-size-random",
                            f"Random Step1 of the published shape (seed {seed}) for bench/lm --full-size; not a usable "
                            "model.", {
                                "lm": {"architecture": "step1", "config": manifest_config(cfg),
                                       "defaultVariant": {"cpu": next(iter(variants_)), "gpu": next(iter(variants_))},
                                       "variants": variants_, "generation": GENERATION,
                                       "runtime": {"prefillChunk": 512}}})

    for name in names:
        if lm_variants.keep_existing(out, name, entries, variants.get(name)):
            log(f"  lm.{name}.onnx: kept (already in the manifest with its files)")
            continue
        entries[name] = lm_variants.write_variant(graph, name, None if name == "fp32" else variants[name], cfg,
                                                  src.tensor, out, log)
        # Recorded as soon as written, so an interrupted run keeps what it made (the app refuses a quantized variant
        # until the gate has recorded its quality).
        record(entries)
    quantized = [n for n in names if n != "fp32"]
    failed: List[str] = []
    if gate != "off" and quantized:
        prompts = quality.gate_prompts(cfg.vocab_size, GENERATION["audioIdBase"], GENERATION["audioIdCount"])
        reference = quality.reference_from_source(cfg, src.tensor, src.rows)
        failed = lm_variants.gate_variants(cfg, reference, prompts, out, entries, quantized, steps, threads, log,
                                           cache=os.path.join(out, f"quality-reference.seed{seed}.npz"))
    if gate == "report":
        if failed:
            log(f"  under the gate (top-1 agreement {quality.MIN_TOP1_AGREEMENT}), kept for measuring: {', '.join(failed)}")
        failed = []
    kept = {n: e for n, e in entries.items() if n not in failed}
    record(kept)
    lm_variants.refuse(out, entries, failed)
    return kept
