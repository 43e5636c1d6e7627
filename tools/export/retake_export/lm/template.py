"""`lm-template`: the Step1 LM's graph templates (common/template.py) for the pack builder of the app.

  python3 -m retake_export lm-template [--out models/templates/step1-3.5b]        the published geometry (spec §5)
  python3 -m retake_export lm-template --manifest-only                            only template.json (seconds)
  python3 -m retake_export lm-template --tiny --out DIR                           the tiny test model's geometry

The graphs and weight maps come from lm/template_graph.py. Memory: torch 1.13's ONNX shape inference still
materialises the broadcast weights it looks at (measured peak 15 GB for the published fp32 graph, 7.5 GB for fp16;
5 min on two cores). The full-size templates are therefore made once per change of the sources that shape the graphs
and committed (models/templates/step1-3.5b); template.json records a hash of those sources (GRAPH_SOURCES), and
tests/test_template.py fails when they change without a regeneration. template.json itself (sources, variants, the
manifest fragment) needs no tracing: `--manifest-only` rewrites it, and the test compares it with what this module
writes now. tests/test_template.py checks the template graph equals the ordinary export node for node, and the
TypeScript tests check a pack built from it gives the ordinary export's logits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Dict, List

import torch

from ..common import template as tpl
from ..common.errors import ExportError
from ..common.paths import REPO
from ..text.component import paralinguistic_tags_directive
from . import onnx_lm, published
from .export import GENERATION, TOKENIZER_IDS, manifest_config
from .step1 import Step1Config, tiny_config
from .template_graph import SOURCE, template_graph, weight_sources

DEFAULT_OUT = os.path.join(REPO, "models", "templates", "step1-3.5b")
# The exporter sources that shape the graphs and weight maps (their hash goes into template.json).
GRAPH_SOURCES = ["lm/step1.py", "lm/onnx_lm.py", "lm/template_graph.py", "common/template.py"]


# Step1Config.from_hf_config's value for a config.json without rms_norm_eps (tests/test_template.py checks it)
RMS_NORM_EPS_FALLBACK = 1e-5


def expected_config(cfg: Step1Config) -> List[dict]:
    """What the published config.json must say for this template's graph (the graph bakes these sizes in)."""
    exp = [
        {"keys": ["vocab_size"], "value": cfg.vocab_size},
        {"keys": ["hidden_size"], "value": cfg.hidden_size},
        {"keys": ["intermediate_size"], "value": cfg.intermediate_size},
        {"keys": ["num_hidden_layers"], "value": cfg.num_layers},
        {"keys": ["num_attention_heads"], "value": cfg.num_heads},
        {"keys": ["num_attention_groups", "num_key_value_heads"], "value": cfg.num_groups},
        # baked into every RMSNorm of the graph
        {"keys": ["rms_norm_eps"], "value": cfg.rms_norm_eps, "default": RMS_NORM_EPS_FALLBACK},
    ]
    if cfg.head_dim is not None and cfg.head_dim != cfg.hidden_size // cfg.num_heads:
        exp.append({"keys": ["head_dim"], "value": cfg.head_dim})
    return exp


def write_set(cfg: Step1Config, out: str, dtypes: List[str], template_id: str, description: str) -> str:
    """template.json: sources, variants, copies and the manifest fragment (no tracing)."""
    variants: Dict[str, List[str]] = {}
    lm_variants: Dict[str, dict] = {}
    for dtype in dtypes:
        graph = f"lm.{dtype}.onnx"
        variants[dtype] = [graph]
        io = onnx_lm.describe_io(cfg, dtype, "append", [])
        io.pop("files")
        lm_variants[dtype] = {"$ifVariant": dtype, "value": {"files": {"$graphFiles": graph}, **io}}
    prefer_cpu = [d for d in ("fp32", "fp16") if d in dtypes]
    prefer_gpu = [d for d in ("fp16", "fp32") if d in dtypes]
    manifest = {
        "name": "step-audio-editx",
        "description": "Step-Audio-EditX built from the published weights by Retake's pack builder",
        "components": {
            "lm": {
                "architecture": "step1",
                # rmsNormEps read from config.json (the expectation above holds it to the graph's)
                "config": {**manifest_config(cfg), "rmsNormEps": {"$json": {"source": "config", "key": "rms_norm_eps",
                                                                              "default": RMS_NORM_EPS_FALLBACK}}},
                "defaultVariant": {"cpu": {"$firstVariant": prefer_cpu}, "gpu": {"$firstVariant": prefer_gpu}},
                "variants": lm_variants,
                "generation": GENERATION,
                "runtime": {"prefillChunk": 512},
            },
            "textTokenizer": {
                "kind": "sentencepiece",
                "files": [{"$file": "tokenizer.model"}],
                "vocabSize": cfg.vocab_size,
                "specialIds": TOKENIZER_IDS,
                "audioIdBase": GENERATION["audioIdBase"],
                "audioIdCount": GENERATION["audioIdCount"],
                "normalizerSpec": {"$normalizerSpec": "tokenizer.model"},
                "paralinguisticTags": paralinguistic_tags_directive(),
                "chatTemplate": {"$chatTemplate": {"config": "tokenizer-config", "jinja": "chat-template"}},
                "modelRevision": {"$modelRevision": True},
            },
        },
    }
    sources = {
        SOURCE: {"kind": "safetensors", "index": "model.safetensors.index.json", "pattern": "*.safetensors",
                 "tensors": len(published.param_specs(cfg))},
        "config": {"kind": "json", "file": "config.json", "expect": expected_config(cfg)},
        "tokenizer": {"kind": "file", "file": "tokenizer.model"},
        "tokenizer-config": {"kind": "json", "file": "tokenizer_config.json", "optional": True},
        "chat-template": {"kind": "file", "file": "chat_template.jinja", "optional": True},
    }
    return tpl.write_template_set(out, template_id, description, sources, variants, [],
                                  [{"from": "tokenizer", "to": "tokenizer.model"}], manifest,
                                  {"exporter": tpl.exporter_fingerprint(GRAPH_SOURCES)})


def write(cfg: Step1Config, out: str, dtypes: List[str], template_id: str, description: str, log) -> None:
    os.makedirs(out, exist_ok=True)
    for dtype in dtypes:
        t0 = time.time()
        m, params = template_graph(cfg, dtype)
        graph = f"lm.{dtype}.onnx"
        wmap = tpl.write_graph(m, out, graph, weight_sources(m, params))
        if len(params) != len(published.param_specs(cfg)):
            raise ExportError(f"LM template: the model has {len(params)} tensors, the published layout "
                              f"{len(published.param_specs(cfg))}")
        log(f"  {graph}: {os.path.getsize(os.path.join(out, graph)) / 1e3:.0f} kB graph, "
            f"{len(wmap['initializers'])} weights, {wmap['dataBytes'] / 1e9:.3f} GB of data, {time.time() - t0:.1f} s")
    write_set(cfg, out, dtypes, template_id, description)


def write_manifest_only(cfg: Step1Config, out: str, template_id: str, description: str) -> None:
    """Rewrites template.json beside committed graphs made by the current GRAPH_SOURCES (refused otherwise)."""
    path = os.path.join(out, "template.json")
    with open(path, encoding="utf-8") as f:
        old: Dict[str, Any] = json.load(f)
    if old.get("exporter") != tpl.exporter_fingerprint(GRAPH_SOURCES):
        raise ExportError(f"{path}: its graphs were made by other exporter sources; regenerate them (without "
                          "--manifest-only)")
    write_set(cfg, out, list(old["variants"]), template_id, description)


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export lm-template", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="the tiny test model's geometry (lm --tiny-random)")
    ap.add_argument("--out", help=f"template folder (default {os.path.relpath(DEFAULT_OUT, REPO)})")
    ap.add_argument("--dtypes", default="fp16,fp32")
    ap.add_argument("--manifest-only", action="store_true",
                    help="rewrite template.json only, beside graphs the current sources made")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    log = (lambda s: None) if a.quiet else (lambda s: print(s, flush=True))
    dtypes = [d.strip() for d in a.dtypes.split(",") if d.strip()]
    if not dtypes or any(d not in ("fp16", "fp32") for d in dtypes):
        ap.error("--dtypes: fp16 and/or fp32")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if a.tiny:
        if not a.out:
            ap.error("--out is required with --tiny")
        cfg, tid, desc = tiny_config(), "step1-tiny", "The tiny random Step1 of the tests (lm --tiny-random)"
    else:
        cfg, tid, desc = Step1Config(), "step1-3.5b", "Step1 as published in Step-Audio-EditX (EDITX-SPEC.md §5)"
    out = os.path.abspath(a.out or DEFAULT_OUT)
    log(f"LM template {tid} -> {out}")
    try:
        if a.manifest_only:
            write_manifest_only(cfg, out, tid, desc)
        else:
            write(cfg, out, dtypes, tid, desc, log)
    except (ExportError, tpl.TemplateError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
