"""ONNX export of Step1 with the KV-cache contract the TypeScript runner relies on (README.md, "Graph I/O").

One graph serves prefill and decode:
  inputs   input_ids int64 (1, S); top_k int64 (1,); past_key_L / past_value_L (P, G, D) in the model dtype
  outputs  logits float32 (1, V) of the last position; top_values float32 (1, K); top_ids int64 (1, K);
           kv "append": new_key_L / new_value_L (S, G, D), only the rows of the S new positions
           kv "present": present_key_L / present_value_L (P + S, G, D), the whole cache (the classic layout, kept for
           the benchmark's baseline)
The MatMul weights are initializers named "<checkpoint name>_t" (the transposed (in, out) matrix), which is what a
weight-only quantizer (onnxruntime's MatMulNBits tool) rewrites.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import warnings
from typing import Dict, List, Tuple

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from .step1 import Step1, Step1Config

OPSET = 17
# Above this many bytes of weights the model is saved with its tensors in one external data file (protobuf's 2 GiB
# limit applies to the .onnx file itself).
EXTERNAL_DATA_THRESHOLD = 1 << 30


class _Wrapper(torch.nn.Module):
    def __init__(self, model: Step1, kv_io: str):
        super().__init__()
        self.model = model
        self.kv_io = kv_io

    def forward(self, input_ids, *past):
        logits, new = self.model(input_ids, list(past))
        if self.kv_io == "present":
            return (logits, *[torch.cat([p, n], 0) for p, n in zip(past, new)])
        return (logits, *new)


def io_names(cfg: Step1Config, kv_io: str) -> Tuple[List[str], List[str]]:
    past = []
    out = []
    prefix = "new" if kv_io == "append" else "present"
    for i in range(cfg.num_layers):
        past += [f"past_key_{i}", f"past_value_{i}"]
        out += [f"{prefix}_key_{i}", f"{prefix}_value_{i}"]
    return ["input_ids", *past], ["logits", *out]


def _rename_matmul_weights(model: onnx.ModelProto, torch_model: Step1) -> int:
    """Gives each MatMul weight initializer the checkpoint name of its Linear plus "_t" (it is stored transposed)."""
    params = {n: p for n, p in torch_model.named_parameters()}
    inits = {i.name: i for i in model.graph.initializer}
    renamed: Dict[str, str] = {}
    for node in model.graph.node:
        if node.op_type != "MatMul" or node.input[1] not in inits:
            continue
        # torch 1.13 names nodes after the module scope, e.g. "/model/layers.0/self_attn/q_proj/MatMul" or
        # "/model/lm_head/MatMul" (the export wrapper's own attribute name may or may not lead the path).
        scope = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
        candidates = [scope + ".weight", scope.split(".", 1)[-1] + ".weight"]
        found = [c for c in candidates if c in params]
        if not found:
            raise RuntimeError(f"cannot map MatMul {node.name} to a checkpoint tensor (looked for {candidates})")
        pname = found[0]
        init = inits[node.input[1]]
        if tuple(init.dims) != tuple(params[pname].shape[::-1]):
            raise RuntimeError(f"MatMul {node.name}: weight shape {list(init.dims)} is not {pname} transposed")
        new_name = pname + "_t"
        renamed[init.name] = new_name
    for node in model.graph.node:
        for i, name in enumerate(node.input):
            if name in renamed:
                node.input[i] = renamed[name]
    for init in model.graph.initializer:
        if init.name in renamed:
            init.name = renamed[init.name]
        elif init.name not in params and init.name.split(".", 1)[-1] in params:
            # Other weights keep their checkpoint names, minus the export wrapper's attribute prefix.
            old = init.name
            init.name = old.split(".", 1)[-1]
            for node in model.graph.node:
                for i, name in enumerate(node.input):
                    if name == old:
                        node.input[i] = init.name
    expected = sum(1 for n in params if n.endswith("proj.weight")) + 1  # + lm_head
    if len(renamed) != expected:
        raise RuntimeError(f"found {len(renamed)} MatMul weights, expected {expected}")
    return len(renamed)


def _add_topk(model: onnx.ModelProto) -> None:
    g = model.graph
    g.input.append(helper.make_tensor_value_info("top_k", TensorProto.INT64, [1]))
    g.node.append(helper.make_node("TopK", ["logits", "top_k"], ["top_values", "top_ids"], name="/sampler/TopK",
                                   axis=-1, largest=1, sorted=1))
    outs = list(g.output)
    del g.output[:]
    g.output.extend([outs[0],
                     helper.make_tensor_value_info("top_values", TensorProto.FLOAT, [1, "top_k"]),
                     helper.make_tensor_value_info("top_ids", TensorProto.INT64, [1, "top_k"]),
                     *outs[1:]])


def _bf16_bits_to_fp16(raw: np.ndarray) -> Tuple[np.ndarray, int]:
    f32 = (raw.astype(np.uint32) << 16).view(np.float32)
    with np.errstate(over="ignore"):
        f16 = f32.astype(np.float16)
    overflow = int(np.count_nonzero(np.isinf(f16) & np.isfinite(f32)))
    return f16, overflow


def _tensor_bf16_to_fp16(t: TensorProto) -> int:
    if t.data_type != TensorProto.BFLOAT16:
        return 0
    if t.data_location == TensorProto.EXTERNAL:
        t.data_type = TensorProto.FLOAT16  # a template's weight: the pack builder writes its fp16 bytes
        return 0
    if t.raw_data:
        raw = np.frombuffer(t.raw_data, dtype=np.uint16)
    else:
        raw = np.asarray(t.int32_data, dtype=np.uint32).astype(np.uint16)
    f16, overflow = _bf16_bits_to_fp16(raw)
    t.data_type = TensorProto.FLOAT16
    del t.int32_data[:]
    t.raw_data = f16.tobytes()
    return overflow


def _bf16_graph_to_fp16(model: onnx.ModelProto) -> int:
    """Turns a graph traced in bf16 into the same graph in fp16: every bf16 type, cast and constant becomes fp16.

    Tracing in bf16 (which torch runs on CPU, unlike fp16 matmuls) records the casts of the fp32 islands (RMSNorm
    mean square, attention scores and softmax, logits) exactly where the model code puts them.
    Returns the number of weights that overflow fp16 (an error for the caller).
    """
    overflow = 0
    g = model.graph
    for init in g.initializer:
        overflow += _tensor_bf16_to_fp16(init)
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        tt = vi.type.tensor_type
        if tt.elem_type == TensorProto.BFLOAT16:
            tt.elem_type = TensorProto.FLOAT16
    for node in g.node:
        for a in node.attribute:
            if a.name == "to" and a.i == TensorProto.BFLOAT16:
                a.i = TensorProto.FLOAT16
            if a.type == onnx.AttributeProto.TENSOR:
                overflow += _tensor_bf16_to_fp16(a.t)
    return overflow


def _check_args(dtype: str, kv_io: str) -> None:
    if dtype not in ("fp32", "fp16"):
        raise ValueError(f"dtype {dtype!r}: use fp32 or fp16")
    if kv_io not in ("append", "present"):
        raise ValueError(f"kv_io {kv_io!r}: use append or present")


def _trace(model: Step1, raw_path: str, trace_dtype: torch.dtype, kv_io: str, export_params: bool) -> None:
    """torch.onnx.export of the prefill/decode graph into raw_path. With export_params False the weights (after
    torch's constant folding, e.g. the transposed MatMul weights) become extra graph inputs carrying only their
    names, dtypes and shapes: the graph is the same, without a byte of weights (lm/template.py)."""
    cfg = model.cfg
    wrapper = _Wrapper(model, kv_io)
    in_names, out_names = io_names(cfg, kv_io)
    ids = torch.tensor([[1, 4, 5]], dtype=torch.int64)
    past = [torch.zeros(2, cfg.num_groups, cfg.dim_head, dtype=trace_dtype) for _ in range(2 * cfg.num_layers)]
    dyn: Dict[str, Dict[int, str]] = {"input_ids": {1: "new_len"}}
    for n in in_names[1:]:
        dyn[n] = {0: "past_len"}
    for n in out_names[1:]:
        dyn[n] = {0: "new_len" if kv_io == "append" else "total_len"}
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False  # newer torch defaults to another exporter; this graph is written for the tracer
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape arithmetic are expected here
        torch.onnx.export(wrapper, (ids, *past), raw_path, input_names=in_names, output_names=out_names,
                          dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True,
                          export_params=export_params, **extra)


def _finish(m: onnx.ModelProto, model: Step1, dtype: str, kv_io: str) -> None:
    """What every LM graph gets after tracing: checkpoint names on the weights, the TopK head, the fp16 rewrite of a
    bf16 trace, and the metadata naming the component."""
    _rename_matmul_weights(m, model)
    _add_topk(m)
    if dtype == "fp16":
        overflow = _bf16_graph_to_fp16(m)
        if overflow:
            raise RuntimeError(f"{overflow} weights exceed the fp16 range; export fp32 instead")
    del m.metadata_props[:]
    for k, v in {"retake.component": "editx.lm", "retake.kv_io": kv_io, "retake.dtype": dtype,
                 "retake.config": json.dumps(model.cfg.to_json())}.items():
        m.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))


def trace_dtype_for(dtype: str) -> torch.dtype:
    """fp16 graphs are traced in bf16 (torch 1.13 has no CPU fp16 matmul) and rewritten to fp16 afterwards."""
    return torch.float32 if dtype == "fp32" else torch.bfloat16


def export(model: Step1, out_path: str, dtype: str = "fp32", kv_io: str = "append") -> dict:
    """Writes out_path (plus out_path + ".data" for large models). Returns the I/O description for the manifest."""
    _check_args(dtype, kv_io)
    cfg = model.cfg
    trace_dtype = trace_dtype_for(dtype)
    model = model.to(trace_dtype).eval()
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        raw_path = os.path.join(tmp, "raw.onnx")
        _trace(model, raw_path, trace_dtype, kv_io, export_params=True)
        m = onnx.load(raw_path)  # also pulls in external data written for models over 2 GiB
    _finish(m, model, dtype, kv_io)
    files = [os.path.basename(out_path)]
    if os.path.exists(out_path + ".data"):
        os.remove(out_path + ".data")
    if weight_bytes > EXTERNAL_DATA_THRESHOLD:
        onnx.save_model(m, out_path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(out_path) + ".data", size_threshold=1024)
        files.append(os.path.basename(out_path) + ".data")
        onnx.checker.check_model(out_path)
    else:
        onnx.checker.check_model(m)
        onnx.save_model(m, out_path)
    return describe_io(cfg, dtype, kv_io, files)


def describe_io(cfg: Step1Config, dtype: str, kv_io: str, files: List[str]) -> dict:
    kv_type = "float32" if dtype == "fp32" else "float16"
    g, d = cfg.num_groups, cfg.dim_head
    in_names, out_names = io_names(cfg, kv_io)
    inputs = [{"name": "input_ids", "dtype": "int64", "shape": [1, "new_len"]},
              {"name": "top_k", "dtype": "int64", "shape": [1]}]
    inputs += [{"name": n, "dtype": kv_type, "shape": ["past_len", g, d]} for n in in_names[1:]]
    t = "new_len" if kv_io == "append" else "total_len"
    outputs = [{"name": "logits", "dtype": "float32", "shape": [1, cfg.vocab_size]},
               {"name": "top_values", "dtype": "float32", "shape": [1, "top_k"]},
               {"name": "top_ids", "dtype": "int64", "shape": [1, "top_k"]}]
    outputs += [{"name": n, "dtype": kv_type, "shape": [t, g, d]} for n in out_names[1:]]
    return {"files": files, "dtype": dtype, "kvDtype": kv_type, "kvIo": kv_io, "inputs": inputs, "outputs": outputs}
