"""Graph templates: each exported ONNX graph without its weights, plus a weight map naming, for every weight, the
tensor(s) of the PUBLISHED checkpoint it is made from and how. The app's TypeScript pack builder
(src-main/engines/editx/pack/build/) fills a template with a user's downloaded weights, so a desktop user never needs
Python; the Python export stays the reference (the tests build both from one checkpoint and compare outputs).

Every weight initializer of a template graph is external data pointing into ONE data file at a fixed offset
(onnx's `location` / `offset` / `length` fields). The builder therefore copies the .onnx file unchanged and writes the
data file byte for byte from the weight map; it never writes protobuf.

Files of one template (a folder, described by template.json, see write_template_set):
  <graph>.onnx            the graph; weights are external data in <graph>.onnx.data (which the builder writes)
  <graph>.weights.json    the weight map (format below)
  template.json           sources, variants, graphs, files copied verbatim, and the manifest fragment

Weight map:
  {"format": "retake-graph-template", "formatVersion": 1, "graph": "lm.fp16.onnx", "data": "lm.fp16.onnx.data",
   "dataBytes": N, "initializers": [
     {"name": "...", "dtype": "float16", "shape": [...], "offset": O, "bytes": B,
      "from": {"source": "lm", "tensors": ["model.layers.0.self_attn.q_proj.weight"], "shapes": [[3072, 3072]]},
      "ops": [{"op": "transpose", "perm": [1, 0]}]}, ...]}
  `ops` run in order on the source tensor(s) (as float32 values; bf16 and fp16 widen exactly), then the result is
  cast to `dtype` (round to nearest even; a finite value that overflows fp16 is an error). Ops: transpose(perm),
  reshape(shape), concat(axis) over several tensors, slice(axis, start, end), weightNorm(dim) of [g, v].
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

import onnx
from onnx import TensorProto

FORMAT = "retake-graph-template"
SET_FORMAT = "retake-pack-template"
FORMAT_VERSION = 1

# onnxruntime memory-maps an external tensor instead of copying it only when its offset is a multiple of the
# platform's allocation granularity; 64 KiB is Windows' (and a multiple of every page size we ship for), so large
# tensors start on 64 KiB boundaries. Small ones (norm weights, biases) are packed on 64-byte boundaries (cache lines)
# to keep the padding of a graph with hundreds of them negligible.
ALIGN_LARGE = 65536
ALIGN_SMALL = 64
LARGE_TENSOR = 1 << 20

DTYPES = {TensorProto.FLOAT: ("float32", 4), TensorProto.FLOAT16: ("float16", 2), TensorProto.BFLOAT16: ("bfloat16", 2),
          TensorProto.INT64: ("int64", 8), TensorProto.INT32: ("int32", 4)}


class TemplateError(Exception):
    pass


@dataclass
class WeightSource:
    """Where one initializer comes from: tensors of a named source (see template.json "sources") and the ops."""
    source: str
    tensors: List[str]
    #: The shape of each source tensor as published (checked by the builder before anything is written).
    shapes: List[List[int]]
    ops: List[Dict[str, Any]] = field(default_factory=list)


def placeholder(name: str, elem_type: int, dims: Sequence[int]) -> TensorProto:
    """An initializer that has a name, type and shape but no data yet (the pack builder supplies it)."""
    t = TensorProto()
    t.name = name
    t.data_type = elem_type
    t.dims.extend(int(d) for d in dims)
    t.data_location = TensorProto.EXTERNAL
    return t


def inputs_to_placeholders(m: onnx.ModelProto, keep_inputs: Iterable[str]) -> List[str]:
    """A graph exported with export_params=False lists its weights as extra inputs: turns each into a placeholder
    initializer (same name, type and shape). Returns their names."""
    keep = set(keep_inputs)
    moved: List[str] = []
    real = []
    for vi in m.graph.input:
        if vi.name in keep:
            real.append(vi)
            continue
        tt = vi.type.tensor_type
        dims = []
        for d in tt.shape.dim:
            if not d.HasField("dim_value"):
                raise TemplateError(f"weight input {vi.name} has a symbolic dimension; weights need fixed shapes")
            dims.append(d.dim_value)
        m.graph.initializer.append(placeholder(vi.name, tt.elem_type, dims))
        moved.append(vi.name)
    del m.graph.input[:]
    m.graph.input.extend(real)
    missing = keep - {vi.name for vi in real}
    if missing:
        raise TemplateError(f"the graph has no input(s) {sorted(missing)}")
    return moved


def _align(offset: int, nbytes: int) -> int:
    a = ALIGN_LARGE if nbytes >= LARGE_TENSOR else ALIGN_SMALL
    return (offset + a - 1) // a * a


def write_graph(m: onnx.ModelProto, out_dir: str, graph_file: str, weights: Dict[str, WeightSource],
                inline: Iterable[str] = ()) -> Dict[str, Any]:
    """Writes out_dir/graph_file (weights as external data into graph_file + ".data") and its weight map
    out_dir/<stem>.weights.json. Every initializer must be named in `weights` (from the checkpoint) or in `inline`
    (a constant of the graph, kept in the .onnx with its data): an unmapped weight would otherwise be filled with
    nothing, so it is an error. Returns the weight map."""
    data_file = graph_file + ".data"
    inline = set(inline)
    unknown = [i.name for i in m.graph.initializer if i.name not in weights and i.name not in inline]
    if unknown:
        raise TemplateError(f"{graph_file}: initializers without a source in the weight map: {', '.join(unknown)}")
    extra = sorted(set(weights) - {i.name for i in m.graph.initializer})
    if extra:
        raise TemplateError(f"{graph_file}: the weight map names initializers the graph lacks: {', '.join(extra)}")
    entries: List[Dict[str, Any]] = []
    offset = 0
    for init in m.graph.initializer:
        if init.name in inline:
            if init.data_location == TensorProto.EXTERNAL:
                raise TemplateError(f"{graph_file}: inline initializer {init.name} has no data")
            continue
        if init.data_type not in DTYPES:
            raise TemplateError(f"{graph_file}: initializer {init.name} has ONNX type {init.data_type}")
        dtype, size = DTYPES[init.data_type]
        count = 1
        for d in init.dims:
            count *= int(d)
        nbytes = count * size
        offset = _align(offset, nbytes)
        src = weights[init.name]
        del init.external_data[:]
        init.ClearField("raw_data")
        for f in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
            init.ClearField(f)
        init.data_location = TensorProto.EXTERNAL
        for k, v in (("location", data_file), ("offset", str(offset)), ("length", str(nbytes))):
            e = init.external_data.add()
            e.key = k
            e.value = v
        entries.append({"name": init.name, "dtype": dtype, "shape": [int(d) for d in init.dims], "offset": offset,
                        "bytes": nbytes, "from": {"source": src.source, "tensors": list(src.tensors),
                                                          "shapes": [list(x) for x in src.shapes]},
                        "ops": list(src.ops)})
        offset += nbytes
    os.makedirs(out_dir, exist_ok=True)
    # Written as bytes: onnx.save_model would try to write the (absent) external data itself.
    with open(os.path.join(out_dir, graph_file), "wb") as f:
        f.write(m.SerializeToString())
    wmap = {"format": FORMAT, "formatVersion": FORMAT_VERSION, "graph": graph_file, "data": data_file,
            "dataBytes": offset, "initializers": entries}
    _write_json(os.path.join(out_dir, weights_file(graph_file)), wmap, one_line="initializers")
    return wmap


def weights_file(graph_file: str) -> str:
    stem = graph_file[: -len(".onnx")] if graph_file.endswith(".onnx") else graph_file
    return stem + ".weights.json"


def write_template_set(out_dir: str, template_id: str, description: str, sources: Dict[str, Any],
                       variants: Dict[str, List[str]], common: List[str], copies: List[Dict[str, str]],
                       manifest: Dict[str, Any], extra: Optional[Dict[str, Any]] = None) -> str:
    """template.json of a template folder.

    sources   id -> what the builder reads from the published folder: {"kind": "safetensors", "index": ...,
              "pattern": ..., "tensors": N} | {"kind": "torch", "file": ...} | {"kind": "npy", "file": ...} |
              {"kind": "json", "file": ..., "expect": {key: value}, "optional": bool} | {"kind": "file", "file": ...}
    variants  variant name -> graphs built only for that variant (e.g. "fp16" -> ["lm.fp16.onnx"])
    common    graphs built for every variant
    copies    files copied verbatim into the pack: {"from": source id, "to": pack path}
    manifest  the pack manifest's name/description/components with "$" directives the builder resolves
              (src-main/engines/editx/pack/build/directives.ts)
    """
    doc: Dict[str, Any] = {"format": SET_FORMAT, "formatVersion": FORMAT_VERSION, "id": template_id,
                           "description": description, "sources": sources, "variants": variants, "common": common,
                           "graphs": {g: {"weights": weights_file(g)} for g in [*common, *[g for gs in variants.values() for g in gs]]},
                           "copies": copies, "manifest": manifest}
    if extra:
        doc.update(extra)
    path = os.path.join(out_dir, "template.json")
    _write_json(path, doc)
    return path


def exporter_fingerprint(sources: List[str]) -> Dict[str, Any]:
    """sha256 over the named exporter sources (paths relative to the retake_export package, line endings
    normalised), so a committed template can be checked against the exporter that should have made it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = hashlib.sha256()
    for rel in sources:
        with open(os.path.join(root, rel), "rb") as f:
            h.update(rel.encode() + b"\0" + f.read().replace(b"\r\n", b"\n") + b"\0")
    return {"sources": list(sources), "sha256": h.hexdigest()}


def _write_json(path: str, doc: Any, one_line: Optional[str] = None) -> None:
    """Indented JSON; with one_line, that list's items are written one per line (a weight map stays readable)."""
    if one_line is None:
        text = json.dumps(doc, indent=1, ensure_ascii=False)
    else:
        head = {k: v for k, v in doc.items() if k != one_line}
        items = ",\n  ".join(json.dumps(e, ensure_ascii=False) for e in doc[one_line])
        text = json.dumps(head, indent=1, ensure_ascii=False)[:-2] + f',\n "{one_line}": [\n  {items}\n ]\n}}'
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(tmp, path)
