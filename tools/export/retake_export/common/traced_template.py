"""Graph templates of small graphs (HiFT, the flow, vq02) made from their ordinary export: the graph is exported as
the part's exporter exports it, from a model with random weights, and every initializer is then traced back to the
checkpoint tensor it holds, by value: equal to one, the same values in another shape (a reshape), or a 2-D tensor
transposed. Which initializers are weights and which are constants of the graph (kept inline) is decided by exporting
the same graph a second time from another random model: an initializer that changes is a weight and must be traced,
so no weight can slip into a template as a constant. (The LM is too large for two exports and traces a weightless
model instead: lm/template_graph.py.)"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import template as tpl
from .errors import ExportError


def perturb(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Moves every parameter by a distinct small amount whose offset depends on the seed, so two models made with
    different seeds differ in every value, and tensors a random init sets to a constant differ from each other."""
    g = torch.Generator().manual_seed(seed + 1000)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.rand(p.shape, generator=g) * 1e-3 + 1e-3 * (seed % 5 + 1))
    return model


def trace(arr: np.ndarray, state: Dict[str, np.ndarray]) -> Optional[Tuple[str, List[Dict[str, Any]]]]:
    """The checkpoint tensor an initializer's values come from, and the ops that make it (None: not traced)."""
    for name, t in state.items():
        if t.size != arr.size:
            continue
        if t.shape == arr.shape and np.array_equal(t, arr):
            return name, []
        if np.array_equal(t.reshape(-1), arr.reshape(-1)):
            return name, [{"op": "reshape", "shape": list(arr.shape)}]
        if t.ndim == 2 and arr.ndim == 2 and t.T.shape == arr.shape and np.array_equal(t.T, arr):
            return name, [{"op": "transpose", "perm": [1, 0]}]
    return None


def graph_template(m: onnx.ModelProto, other: onnx.ModelProto, state: Dict[str, np.ndarray], source: str, out: str,
                   graph: str) -> Dict[str, Any]:
    """Writes the template of graph `m` (exported from the model whose checkpoint is `state`, read from template
    source `source`); `other` is the same graph exported from another random model. Returns the weight map."""
    others = {i.name: numpy_helper.to_array(i) for i in other.graph.initializer}
    weights: Dict[str, tpl.WeightSource] = {}
    inline: List[str] = []
    for init in m.graph.initializer:
        arr = numpy_helper.to_array(init)
        alt = others.get(init.name)
        if alt is None:
            raise ExportError(f"{graph}: initializer {init.name} is absent from a second export (names unstable)")
        if alt.shape == arr.shape and np.array_equal(alt, arr):
            inline.append(init.name)
            continue
        if arr.dtype != np.float32:
            raise ExportError(f"{graph}: weight {init.name} is {arr.dtype}, not float32")
        found = trace(arr, state)
        if found is None:
            raise ExportError(f"{graph}: weight {init.name} {list(arr.shape)} is no checkpoint tensor, reshape or "
                              "transpose of one")
        name, ops = found
        weights[init.name] = tpl.WeightSource(source, [name], [list(state[name].shape)], ops)
    return tpl.write_graph(m, out, graph, weights, inline)


def tensors_read(wmaps: List[Dict[str, Any]]) -> List[str]:
    return [t for w in wmaps for e in w["initializers"] for t in e["from"]["tensors"]]
