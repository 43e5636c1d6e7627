"""The Step1 LM's template graphs: the graph `lm` exports, traced from a weightless model, and its weight map
(lm/template.py writes them with the manifest fragment).

The graph is traced exactly as `lm` traces it (onnx_lm._trace and _finish), but from a weightless model: every
parameter is one distinct scalar broadcast to its shape (stride 0, a few bytes), and torch.onnx.export runs with
export_params=False, so the weights (after torch's constant folding, which transposes the MatMul weights) come out
as graph inputs with names, types and shapes only. Those become the template's external-data initializers. The
values must differ per parameter: torch's exporter merges initializers with equal values.

The weight map: "<name>_t" is the checkpoint tensor <name> transposed (a Linear's MatMul weight), every other
initializer is the checkpoint tensor of the same name.

This module, lm/step1.py, lm/onnx_lm.py and common/template.py shape the committed full-size graphs: their hash is the
`exporter` fingerprint of models/templates/step1-3.5b/template.json.
"""

from __future__ import annotations

import os
import tempfile
from typing import Dict, Tuple

import onnx
import torch

from ..common import template as tpl
from ..common.errors import ExportError
from . import onnx_lm
from .step1 import Step1, Step1Config

SOURCE = "lm"


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
