"""The weight-only quantized LM templates (int8, int4, …) for the app's pack builder: the fp32 template graph
rewritten by weights.rewrite_quantized — exactly the rewrite the exporter applies to its own fp32 graph (MatMul ->
MatMulNBits with K, N, bits, block_size and accuracy_level; the embedding table in fp16 and a Cast after its Gather;
lm_head at the variant's head bits) — with every initializer the rewrite makes turned into a placeholder in the
data file and a weight-map entry saying how the builder makes it from the published tensor:

  {"op": "matmulnbits", "bits": 4, "blockSize": 128, "symmetric": true, "output": "b" | "scales" | "zeroPoints"}

on the (out, in) checkpoint tensor: the roles of lm/quantize.py's scheme (b uint8 (N, blocks, blockSize·bits/8),
scales float32 (N, blocks), zeroPoints uint8 (N, ⌈blocks·bits/8⌉)); the TypeScript builder quantizes through
src-main/engines/editx/pack/quantize.ts, byte for byte this scheme. The fp16 embedding is the published tensor cast
to float16 (no op). No tracing: a quantized template is made in seconds from the committed fp32 graph.

Weight-map entries are written here rather than by common/template.write_graph because uint8 is a dtype only these
graphs have (common/template.py shapes every committed template's fingerprint; this module, weights.py and
quantize.py are the `exporterQuantized` fingerprint of template.json).
"""

from __future__ import annotations

import copy
import os
from typing import Any, Dict, List

import onnx
from onnx import TensorProto

from ..common import template as tpl
from ..common.errors import ExportError
from . import weights
from .template_graph import SOURCE

QUANT_SOURCES = ["lm/template_quantized.py", "lm/weights.py", "lm/quantize.py"]

_DTYPES = {**tpl.DTYPES, TensorProto.UINT8: ("uint8", 1)}
_ROLE_OUTPUT = {"b": "b", "scales": "scales", "zero_points": "zeroPoints"}


def _placeholders(entry: weights.WeightEntry, shape: tuple) -> List[TensorProto]:
    """The initializers (no data) of one plan entry, from its checkpoint tensor's (out, in) shape."""
    if entry.transform in ("copy",):
        return [tpl.placeholder(entry.initializers["weight"], TensorProto.FLOAT, shape)]
    if entry.transform == "fp16":
        return [tpl.placeholder(entry.initializers["weight"], TensorProto.FLOAT16, shape)]
    if entry.transform == "matmulnbits":
        s = entry.scheme
        n, k = shape
        nb = s.n_blocks(k)
        out = [tpl.placeholder(entry.initializers["b"], TensorProto.UINT8, (n, nb, s.blob_size)),
               tpl.placeholder(entry.initializers["scales"], TensorProto.FLOAT, (n, nb))]
        if "zero_points" in entry.initializers:
            out.append(tpl.placeholder(entry.initializers["zero_points"], TensorProto.UINT8, (n, -(-nb * s.bits // 8))))
        return out
    raise ExportError(f"{entry.source}: the template cannot describe the transform {entry.transform!r}")


def quantized_graph(fp32_graph: onnx.ModelProto, variant: weights.QuantVariant, params: Dict[str, tuple]):
    """The fp32 template graph rewritten into `variant`, its placeholders in plan order, and the plan."""
    m = copy.deepcopy(fp32_graph)
    plan = weights.rewrite_quantized(m, variant, params)
    for entry in plan:
        m.graph.initializer.extend(_placeholders(entry, tuple(params[entry.source])))
    for p in m.metadata_props:
        if p.key == "retake.dtype":
            p.value = variant.dtype
    return m, plan


def write(fp32_graph: onnx.ModelProto, variant: weights.QuantVariant, params: Dict[str, tuple], out_dir: str,
          graph_file: str) -> Dict[str, Any]:
    """Writes out_dir/graph_file (weights as external data in graph_file + ".data", laid out as common/template.py
    lays out every template) and its weight map; returns the weight map."""
    m, plan = quantized_graph(fp32_graph, variant, params)
    sources: Dict[str, tuple] = {}
    for e in plan:
        shape = [list(params[e.source])]
        for role, name in e.initializers.items():
            ops = []
            if e.transform == "matmulnbits":
                ops = [{"op": "matmulnbits", **e.scheme.to_json(), "output": _ROLE_OUTPUT[role]}]
            sources[name] = (e.source, shape, ops)
    data_file = graph_file + ".data"
    entries: List[Dict[str, Any]] = []
    offset = 0
    for init in m.graph.initializer:
        if init.name not in sources:
            raise ExportError(f"{graph_file}: initializer {init.name} has no source in the plan")
        dtype, size = _DTYPES[init.data_type]
        nbytes = size
        for d in init.dims:
            nbytes *= int(d)
        offset = tpl._align(offset, nbytes)
        src, shapes, ops = sources[init.name]
        del init.external_data[:]
        init.data_location = TensorProto.EXTERNAL
        for k, v in (("location", data_file), ("offset", str(offset)), ("length", str(nbytes))):
            x = init.external_data.add()
            x.key, x.value = k, v
        entries.append({"name": init.name, "dtype": dtype, "shape": [int(d) for d in init.dims], "offset": offset,
                        "bytes": nbytes, "from": {"source": SOURCE, "tensors": [src], "shapes": shapes}, "ops": ops})
        offset += nbytes
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, graph_file), "wb") as f:
        f.write(m.SerializeToString())
    wmap = {"format": tpl.FORMAT, "formatVersion": tpl.FORMAT_VERSION, "graph": graph_file, "data": data_file,
            "dataBytes": offset, "initializers": entries}
    tpl._write_json(os.path.join(out_dir, tpl.weights_file(graph_file)), wmap, one_line="initializers")
    return wmap
