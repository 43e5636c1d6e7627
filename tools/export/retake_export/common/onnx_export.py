"""ONNX export of one torch module with the conventions every pack graph follows (opset 17, the tracing exporter,
metadata naming the component), returning the graph's I/O as the manifest records it."""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import warnings
from typing import Any, Dict, List, Sequence

import onnx
import torch

OPSET = 17

_DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.FLOAT16: "float16", onnx.TensorProto.INT64: "int64",
           onnx.TensorProto.INT32: "int32"}


def describe(model: onnx.ModelProto) -> Dict[str, List[Dict[str, Any]]]:
    def info(vi) -> Dict[str, Any]:
        tt = vi.type.tensor_type
        shape = [d.dim_param if d.dim_param else int(d.dim_value) for d in tt.shape.dim]
        return {"name": vi.name, "dtype": _DTYPES[tt.elem_type], "shape": shape}

    return {"inputs": [info(v) for v in model.graph.input], "outputs": [info(v) for v in model.graph.output]}


def export(module: torch.nn.Module, args: Sequence[torch.Tensor], path: str, input_names: List[str],
           output_names: List[str], dynamic_axes: Dict[str, Dict[int, str]], component: str,
           config: Dict[str, Any]) -> Dict[str, Any]:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(path))) as tmp:
        raw = os.path.join(tmp, "raw.onnx")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about shape arithmetic are expected
            torch.onnx.export(module.eval(), tuple(args), raw, input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True, **extra)
        m = onnx.load(raw)
    del m.metadata_props[:]
    for k, v in {"retake.component": component, "retake.config": json.dumps(config)}.items():
        m.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    onnx.checker.check_model(m)
    onnx.save_model(m, path)
    return describe(m)
