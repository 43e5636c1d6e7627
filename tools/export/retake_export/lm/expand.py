"""Builds the LM graph of any depth and vocabulary from a one-layer export, without the weights.

torch's exporter needs the whole model in memory, and the published model in fp32 is 14 GB. The graph of one decoder
layer does not depend on the layer's index or on the vocabulary size, so the exporter traces Step1 with one layer
and a small vocabulary at the real width (onnx_lm.export: the same code, the same graph contract) and this module
repeats the layer's nodes once per layer (names with `layers.0` / `_0` renamed), chains each layer's residual output
into the next, sets the vocabulary dimension of the embedding, the head and the logits, and leaves every checkpoint
weight as a placeholder (name, dtype, dims; no data) for weights.fill to stream. Tests compare the result with a
direct export (tools/export/tests/test_quantized.py).
"""

from __future__ import annotations

import copy
import re
from typing import List

import onnx
from onnx import TensorProto

from .step1 import Step1Config

LAYER0 = "/model/layers.0/"
EMBED_OUT = "/model/embed_tokens/Gather_output_0"


def _renamer(i: int):
    io = re.compile(r"^(past|new|present)_(key|value)_0$")

    def rename(name: str) -> str:
        if not name:
            return name
        m = io.match(name)
        if m:
            return f"{m.group(1)}_{m.group(2)}_{i}"
        return name.replace(LAYER0, f"/model/layers.{i}/").replace("model.layers.0.", f"model.layers.{i}.")

    return rename


def expand(one_layer: onnx.ModelProto, cfg: Step1Config) -> onnx.ModelProto:
    """The graph of `cfg` (layers, vocabulary) from a one-layer fp32 export of the same width and heads."""
    src = one_layer.graph
    nodes = list(src.node)
    marked = [k for k, n in enumerate(nodes) if n.name.startswith(LAYER0)]
    first, last = marked[0], marked[-1]
    # The layer's block also holds nodes the exporter left unnamed (constants feeding its Unsqueezes).
    layer_nodes = nodes[first:last + 1]
    produced = {o for n in layer_nodes for o in n.output}
    consumed_outside = {i for n in nodes[:first] + nodes[last + 1:] for i in n.input}
    residual = sorted(produced & consumed_outside)
    if len(residual) != 1:
        raise ValueError(f"expected one residual output of layer 0, found {residual}")
    x_out = residual[0]
    if not any(EMBED_OUT in n.input for n in layer_nodes):
        raise ValueError(f"layer 0 does not read {EMBED_OUT}")

    m = copy.deepcopy(one_layer)
    g = m.graph
    del g.node[:]
    g.node.extend(nodes[:first])
    prev_out = EMBED_OUT
    for i in range(cfg.num_layers):
        layer_name = _renamer(i)

        def rename(name: str, i=i, layer_name=layer_name) -> str:
            r = layer_name(name)
            # Tensors made inside the block whose names carry no layer index get one (they must stay unique).
            return f"{r}/layer{i}" if i and r == name and name in produced else r

        for n in layer_nodes:
            c = copy.deepcopy(n)
            c.name = layer_name(n.name) if n.name.startswith(LAYER0) or not i else f"{n.name}/layer{i}"
            for k, name in enumerate(n.input):
                c.input[k] = prev_out if name == EMBED_OUT else rename(name)
            for k, name in enumerate(n.output):
                c.output[k] = rename(name)
            g.node.append(c)
        prev_out = rename(x_out)
    for n in nodes[last + 1:]:
        c = copy.deepcopy(n)
        for k, name in enumerate(c.input):
            if name == x_out:
                c.input[k] = prev_out
        g.node.append(c)

    # Weights: placeholders (no data); layer 0's are repeated per layer. Constants of the graph keep their data.
    weights: List[TensorProto] = []
    for init in src.initializer:
        is_layer = "model.layers.0." in init.name
        is_weight = is_layer or init.name.startswith(("model.", "lm_head."))
        if not is_weight:
            weights.append(copy.deepcopy(init))
            continue
        for i in range(cfg.num_layers if is_layer else 1):
            t = TensorProto(name=_renamer(i)(init.name), data_type=init.data_type, dims=list(init.dims))
            if init.name == "model.embed_tokens.weight":
                t.dims[0] = cfg.vocab_size
            elif init.name == "lm_head.weight_t":
                t.dims[1] = cfg.vocab_size
            weights.append(t)
    del g.initializer[:]
    g.initializer.extend(weights)

    kv0 = re.compile(r"^(past|new|present)_(key|value)_0$")

    def per_layer(values):
        """The layer-0 key/value entries (contiguous) become one key/value pair per layer, in layer order."""
        at = [k for k, v in enumerate(values) if kv0.match(v.name)]
        if not at:
            return values
        group = values[at[0]:at[-1] + 1]
        repeated = []
        for i in range(cfg.num_layers):
            for v in group:
                c = copy.deepcopy(v)
                c.name = _renamer(i)(v.name)
                repeated.append(c)
        return values[:at[0]] + repeated + values[at[-1] + 1:]

    ins, outs = per_layer(list(g.input)), per_layer(list(g.output))
    # Keys and values of one layer stay together, layers in order (as onnx_lm.io_names lists them).
    del g.input[:]
    g.input.extend(ins)
    del g.output[:]
    g.output.extend(outs)
    for o in g.output:
        if o.name == "logits":
            o.type.tensor_type.shape.dim[1].dim_value = cfg.vocab_size
    del g.value_info[:]
    props = {p.key: p.value for p in m.metadata_props}
    if "retake.config" in props:
        import json

        for p in m.metadata_props:
            if p.key == "retake.config":
                p.value = json.dumps(cfg.to_json())
    return m
