"""`lm-template`: the Step1 LM's graph templates (common/template.py) for the pack builder of the app.

  python3 -m retake_export lm-template [--out models/templates/step1-3.5b]        the published geometry (spec §5)
  python3 -m retake_export lm-template --manifest-only                            only template.json (seconds)
  python3 -m retake_export lm-template --tiny --out DIR                           the tiny test model's geometry
  python3 -m retake_export lm-template --dtypes int8,int4                         the quantized graphs only, from the
                                                                                  fp32 graph already in --out (seconds)

The graphs and weight maps come from lm/template_graph.py. Memory: torch 1.13's ONNX shape inference still
materialises the broadcast weights it looks at (measured peak 15 GB for the published fp32 graph, 7.5 GB for fp16;
5 min on two cores). The full-size templates are therefore made once per change of the sources that shape the graphs
and committed (models/templates/step1-3.5b); template.json records a hash of those sources (GRAPH_SOURCES), and
tests/test_template.py fails when they change without a regeneration. template.json itself (sources, variants, the
manifest fragment) needs no tracing: `--manifest-only` rewrites it, and the test compares it with what this module
writes now. The weight-only quantized graphs (int8, int4, int4-b32, …: weights.parse_variant names) are the fp32
graph rewritten as the exporter rewrites its own (lm/template_quantized.py), made in seconds without tracing; their
sources' hash is template.json's `exporterQuantized`. tests/test_template.py checks the template graph equals the ordinary export node for node, and the
TypeScript tests check a pack built from it gives the ordinary export's logits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Dict, List

import onnx
import torch

from ..common import template as tpl
from ..common.errors import ExportError
from ..common.paths import REPO
from ..text.component import paralinguistic_tags_directive
from . import onnx_lm, published
from .export import GENERATION, TOKENIZER_IDS, manifest_config
from .step1 import Step1Config, tiny_config
from . import template_quantized, weights
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


FLOATS = ("fp16", "fp32")


def is_quantized(dtype: str) -> bool:
    return dtype not in FLOATS


def write_set(cfg: Step1Config, out: str, dtypes: List[str], template_id: str, description: str) -> str:
    """template.json: sources, variants, copies and the manifest fragment (no tracing). A quantized variant's entry
    carries its `quantization`; its `quality` is the pack builder's to record (measured against the fp32 variant
    built beside it, or stated as not measured)."""
    variants: Dict[str, List[str]] = {}
    lm_variants: Dict[str, dict] = {}
    for dtype in dtypes:
        graph = f"lm.{dtype}.onnx"
        variants[dtype] = [graph]
        q = weights.parse_variant(dtype) if is_quantized(dtype) else None
        io = onnx_lm.describe_io(cfg, "fp32" if q else dtype, "append", [])
        io.pop("files")
        value = {"files": {"$graphFiles": graph}, **io}
        if q:
            value.update(dtype=q.dtype, quantization=q.to_json())
        lm_variants[dtype] = {"$ifVariant": dtype, "value": value}
    # The most precise built variant is each device's default (the app's "auto" choice picks by free memory anyway).
    order = {"cpu": ["fp32", "fp16"], "gpu": ["fp16", "fp32"]}
    quantized = sorted((d for d in dtypes if is_quantized(d)), key=lambda d: -weights.parse_variant(d).scheme.bits)
    prefer_cpu = [d for d in order["cpu"] if d in dtypes] + quantized
    prefer_gpu = [d for d in order["gpu"] if d in dtypes] + quantized
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
    extra = {"exporter": tpl.exporter_fingerprint(GRAPH_SOURCES)}
    if any(is_quantized(d) for d in dtypes):
        extra["exporterQuantized"] = tpl.exporter_fingerprint(template_quantized.QUANT_SOURCES)
    return tpl.write_template_set(out, template_id, description, sources, variants, [],
                                  [{"from": "tokenizer", "to": "tokenizer.model"}], manifest, extra)


def write(cfg: Step1Config, out: str, dtypes: List[str], template_id: str, description: str, log,
          keep_variants: bool = False) -> None:
    """Writes the graphs of `dtypes` and template.json. Quantized graphs are made from the fp32 graph traced in the
    same run, else from lm.fp32.onnx already in `out`. keep_variants: template.json also lists the variants it
    listed before (a run that adds the quantized graphs beside committed float ones)."""
    os.makedirs(out, exist_ok=True)
    fp32_graph = None
    params = {n: tuple(s) for n, s in published.param_specs(cfg)}
    for dtype in sorted(dtypes, key=is_quantized):
        t0 = time.time()
        graph = f"lm.{dtype}.onnx"
        if is_quantized(dtype):
            if fp32_graph is None:
                path = os.path.join(out, "lm.fp32.onnx")
                if not os.path.exists(path):
                    raise ExportError(f"{dtype}: the quantized graphs are made from the fp32 graph; add fp32 to --dtypes "
                                      f"or make {path} first")
                fp32_graph = onnx.load(path, load_external_data=False)
            wmap = template_quantized.write(fp32_graph, weights.parse_variant(dtype), params, out, graph)
        else:
            m, traced = template_graph(cfg, dtype)
            if len(traced) != len(params):
                raise ExportError(f"LM template: the model has {len(traced)} tensors, the published layout {len(params)}")
            wmap = tpl.write_graph(m, out, graph, weight_sources(m, traced))
            if dtype == "fp32":
                fp32_graph = onnx.load(os.path.join(out, graph), load_external_data=False)
        log(f"  {graph}: {os.path.getsize(os.path.join(out, graph)) / 1e3:.0f} kB graph, "
            f"{len(wmap['initializers'])} weights, {wmap['dataBytes'] / 1e9:.3f} GB of data, {time.time() - t0:.1f} s")
    listed = dtypes
    if keep_variants and os.path.exists(os.path.join(out, "template.json")):
        with open(os.path.join(out, "template.json"), encoding="utf-8") as f:
            listed = list(dict.fromkeys([*json.load(f)["variants"], *dtypes]))
    write_set(cfg, out, listed, template_id, description)


def write_manifest_only(cfg: Step1Config, out: str, template_id: str, description: str) -> None:
    """Rewrites template.json beside committed graphs made by the current GRAPH_SOURCES (refused otherwise)."""
    path = os.path.join(out, "template.json")
    with open(path, encoding="utf-8") as f:
        old: Dict[str, Any] = json.load(f)
    if old.get("exporter") != tpl.exporter_fingerprint(GRAPH_SOURCES):
        raise ExportError(f"{path}: its graphs were made by other exporter sources; regenerate them (without "
                          "--manifest-only)")
    if "exporterQuantized" in old and old["exporterQuantized"] != tpl.exporter_fingerprint(template_quantized.QUANT_SOURCES):
        raise ExportError(f"{path}: its quantized graphs were made by other exporter sources; regenerate them with "
                          "--dtypes " + ",".join(d for d in old["variants"] if is_quantized(d)))
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
    if not dtypes:
        ap.error("--dtypes: fp16, fp32 and/or quantized variants (int8, int4, int4-b32, …)")
    try:
        for d in dtypes:
            if is_quantized(d):
                weights.parse_variant(d)
    except ExportError as e:
        ap.error(f"--dtypes: {e}")
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
            write(cfg, out, dtypes, tid, desc, log, keep_variants=not any(d == "fp32" for d in dtypes))
    except (ExportError, tpl.TemplateError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
