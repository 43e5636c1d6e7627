"""ONNX export of the vq02 encoder's chunk step (paraformer.ParaformerEncoder.forward): one graph, run once per chunk,
with the streaming state as explicit inputs and outputs so the runner (src-main/engines/editx/tokenizer/vq02.ts)
carries it from one run to the next.

| input   | dtype   | shape                                    | meaning                                              |
|---------|---------|------------------------------------------|------------------------------------------------------|
| feats   | float32 | (1, frames, input)                       | the chunk's new LFR+CMVN frames (1..4 in practice)   |
| offset  | int64   | (1,)                                     | frames fed before this chunk (position encoding)     |
| overlap | float32 | (1, right, input)                        | zeros before the first chunk                         |
| cache   | float32 | (blocks, 2, heads, past, head_dim)       | past = 0 before the first chunk, ≤ look_back·stride  |

Outputs `enc` (1, frames, d), `next_offset`, `next_overlap`, `next_cache` (past' = min(past + frames, look_back·stride)).
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import warnings
from typing import Dict, List

import onnx
import torch

from .paraformer import ParaformerEncoder

OPSET = 17
EXTERNAL_DATA_THRESHOLD = 1 << 30  # as the LM: protobuf's 2 GiB limit applies to the .onnx file itself

INPUTS = ["feats", "offset", "overlap", "cache"]
OUTPUTS = ["enc", "next_offset", "next_overlap", "next_cache"]


def describe_io(model: ParaformerEncoder) -> Dict[str, List[dict]]:
    c = model.cfg
    cache = [c.num_blocks, 2, c.attention_heads, "past", c.head_dim]
    return {
        "inputs": [
            {"name": "feats", "dtype": "float32", "shape": [1, "frames", c.input_size]},
            {"name": "offset", "dtype": "int64", "shape": [1]},
            {"name": "overlap", "dtype": "float32", "shape": [1, c.overlap, c.input_size]},
            {"name": "cache", "dtype": "float32", "shape": cache},
        ],
        "outputs": [
            {"name": "enc", "dtype": "float32", "shape": [1, "frames", c.output_size]},
            {"name": "next_offset", "dtype": "int64", "shape": [1]},
            {"name": "next_overlap", "dtype": "float32", "shape": [1, c.overlap, c.input_size]},
            {"name": "next_cache", "dtype": "float32", "shape": cache[:3] + ["next_past"] + cache[4:]},
        ],
    }


def export(model: ParaformerEncoder, out_path: str) -> List[str]:
    """Writes out_path (+ out_path + ".data" for weights over 1 GiB); returns the file names written."""
    model = model.float().eval()
    c = model.cfg
    # Traced at the steady state (a full chunk, a full cache) so no shape is baked in as a constant of 0.
    feats = torch.zeros(1, c.chunk_size[1], c.input_size)
    offset = torch.tensor([8], dtype=torch.int64)
    overlap = torch.zeros(1, c.overlap, c.input_size)
    cache = torch.zeros(c.num_blocks, 2, c.attention_heads, c.cache_rows, c.head_dim)
    dyn = {"feats": {1: "frames"}, "enc": {1: "frames"}, "cache": {3: "past"}, "next_cache": {3: "next_past"}}
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        raw = os.path.join(tmp, "raw.onnx")
        extra = {}
        if "dynamo" in inspect.signature(torch.onnx.export).parameters:
            extra["dynamo"] = False  # written for the tracer
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about shape arithmetic are expected
            torch.onnx.export(model, (feats, offset, overlap, cache), raw, input_names=INPUTS, output_names=OUTPUTS,
                              dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True, **extra)
        m = onnx.load(raw)
    del m.metadata_props[:]
    for k, v in {"retake.component": "editx.vq02", "retake.config": json.dumps(c.to_json())}.items():
        m.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
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
    return files
