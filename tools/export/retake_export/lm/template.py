"""`lm-template`: the Step1 LM's graph templates (common/template.py) for the pack builder of the app.

  python3 -m retake_export lm-template [--out models/templates/step1-3.5b]        the published geometry (spec §5)
  python3 -m retake_export lm-template --tiny --out DIR                           the tiny test model's geometry

The graph is traced exactly as `lm` traces it (onnx_lm._trace and _finish), but from a weightless model: every
parameter is one distinct scalar broadcast to its shape (stride 0, a few bytes), and torch.onnx.export runs with
export_params=False, so the weights (after torch's constant folding, which transposes the MatMul weights) come out
as graph inputs with names, types and shapes only. Those become the template's external-data initializers. The
values must differ per parameter: torch's exporter merges initializers with equal values.

Memory: torch 1.13's ONNX shape inference still materialises the broadcast weights it looks at (measured peak 15 GB
for the published fp32 graph, 7.5 GB for fp16; 5 min on two cores). The full-size templates are therefore made
once per exporter change and committed (models/templates/step1-3.5b); template.json records a hash of the exporter
sources that shape the graph, and tests/test_template.py fails when those change without a regeneration.

The weight map: "<name>_t" is the checkpoint tensor <name> transposed (a Linear's MatMul weight), every other
initializer is the checkpoint tensor of the same name. tests/test_template.py checks the template graph equals the
ordinary export node for node, and the TypeScript tests check a pack built from it gives the ordinary export's logits.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Dict, List, Tuple

import onnx
import torch

from ..common import template as tpl
from ..common.errors import ExportError
from ..common.paths import REPO
from ..text import tiny_tokenizer
from . import onnx_lm
from .export import GENERATION, TOKENIZER_IDS, manifest_config
from .step1 import Step1, Step1Config, tiny_config

DEFAULT_OUT = os.path.join(REPO, "models", "templates", "step1-3.5b")
SOURCE = "lm"
# The exporter sources that shape the graphs and the manifest fragment (their hash goes into template.json).
GRAPH_SOURCES = ["lm/step1.py", "lm/onnx_lm.py", "lm/template.py", "lm/export.py", "common/template.py"]


def weightless(cfg: Step1Config, dtype: torch.dtype) -> Step1:
    """Step1 whose parameters are distinct scalars broadcast to their shapes (no weight memory)."""
    model = Step1(cfg, dtype=dtype, skip_init=True)  # torch.empty: the pages are never touched, then dropped below
    with torch.no_grad():
        for k, (name, p) in enumerate(list(model.named_parameters())):
            # Distinct values exact in bf16 (8 significant bits): 1 + j/128 times a power of two.
            value = (1.0 + (k % 128) / 128.0) * 2.0 ** (k // 128 - 8)
            owner, attr = name.rsplit(".", 1)
            setattr(model.get_submodule(owner), attr,
                    torch.nn.Parameter(torch.full((), value, dtype=dtype).expand(p.shape), requires_grad=False))
    return model.eval()


def template_graph(cfg: Step1Config, dtype: str) -> Tuple[onnx.ModelProto, Dict[str, tuple]]:
    """The LM graph of one variant ("append" KV layout) with placeholder weights, as `lm` would write it, and the
    checkpoint's tensor names and shapes."""
    trace_dtype = onnx_lm.trace_dtype_for(dtype)
    model = weightless(cfg, trace_dtype)
    in_names, _ = onnx_lm.io_names(cfg, "append")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.onnx")
        onnx_lm._trace(model, raw, trace_dtype, "append", export_params=False)
        m = onnx.load(raw, load_external_data=False)
    tpl.inputs_to_placeholders(m, in_names)
    onnx_lm._finish(m, model, dtype, "append")
    return m, {n: tuple(p.shape) for n, p in model.named_parameters()}


def weight_sources(m: onnx.ModelProto, params: Dict[str, tuple]) -> Dict[str, tpl.WeightSource]:
    out: Dict[str, tpl.WeightSource] = {}
    for init in m.graph.initializer:
        name = init.name
        if name.endswith("_t") and name[:-2] in params:
            src = name[:-2]
            out[name] = tpl.WeightSource(SOURCE, [src], [list(params[src])], [{"op": "transpose", "perm": [1, 0]}])
        elif name in params:
            out[name] = tpl.WeightSource(SOURCE, [name], [list(params[name])])
        else:
            raise ExportError(f"LM template: initializer {name} is no checkpoint tensor")
    return out


def expected_config(cfg: Step1Config) -> List[dict]:
    """What the published config.json must say for this template's graph (the graph bakes these sizes in)."""
    exp = [
        {"keys": ["vocab_size"], "value": cfg.vocab_size},
        {"keys": ["hidden_size"], "value": cfg.hidden_size},
        {"keys": ["intermediate_size"], "value": cfg.intermediate_size},
        {"keys": ["num_hidden_layers"], "value": cfg.num_layers},
        {"keys": ["num_attention_heads"], "value": cfg.num_heads},
        {"keys": ["num_attention_groups", "num_key_value_heads"], "value": cfg.num_groups},
    ]
    if cfg.head_dim is not None and cfg.head_dim != cfg.hidden_size // cfg.num_heads:
        exp.append({"keys": ["head_dim"], "value": cfg.head_dim})
    return exp


def write(cfg: Step1Config, out: str, dtypes: List[str], template_id: str, description: str, log) -> None:
    os.makedirs(out, exist_ok=True)
    variants: Dict[str, List[str]] = {}
    lm_variants: Dict[str, dict] = {}
    for dtype in dtypes:
        t0 = time.time()
        m, params = template_graph(cfg, dtype)
        graph = f"lm.{dtype}.onnx"
        wmap = tpl.write_graph(m, out, graph, weight_sources(m, params))
        variants[dtype] = [graph]
        io = onnx_lm.describe_io(cfg, dtype, "append", [])
        io.pop("files")
        lm_variants[dtype] = {"$ifVariant": dtype, "value": {"files": {"$graphFiles": graph}, **io}}
        log(f"  {graph}: {os.path.getsize(os.path.join(out, graph)) / 1e3:.0f} kB graph, "
            f"{len(wmap['initializers'])} weights, {wmap['dataBytes'] / 1e9:.3f} GB of data, {time.time() - t0:.1f} s")
    prefer_cpu = [d for d in ("fp32", "fp16") if d in dtypes]
    prefer_gpu = [d for d in ("fp16", "fp32") if d in dtypes]
    manifest = {
        "name": "step-audio-editx",
        "description": "Step-Audio-EditX built from the published weights by Retake's pack builder",
        "components": {
            "lm": {
                "architecture": "step1",
                "config": manifest_config(cfg),
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
                "chatTemplate": {"$chatTemplate": {"config": "tokenizer-config", "jinja": "chat-template"}},
                "modelRevision": {"$modelRevision": True},
            },
        },
    }
    sources = {
        SOURCE: {"kind": "safetensors", "index": "model.safetensors.index.json", "pattern": "*.safetensors",
                 "tensors": len(params)},
        "config": {"kind": "json", "file": "config.json", "expect": expected_config(cfg)},
        "tokenizer": {"kind": "file", "file": "tokenizer.model"},
        "tokenizer-config": {"kind": "json", "file": "tokenizer_config.json", "optional": True},
        "chat-template": {"kind": "file", "file": "chat_template.jinja", "optional": True},
    }
    tpl.write_template_set(out, template_id, description, sources, variants, [],
                           [{"from": "tokenizer", "to": "tokenizer.model"}], manifest,
                           {"exporter": tpl.exporter_fingerprint(GRAPH_SOURCES)})


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export lm-template", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="the tiny test model's geometry (lm --tiny-random)")
    ap.add_argument("--out", help=f"template folder (default {os.path.relpath(DEFAULT_OUT, REPO)})")
    ap.add_argument("--dtypes", default="fp16,fp32")
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
        write(cfg, out, dtypes, tid, desc, log)
    except (ExportError, tpl.TemplateError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
