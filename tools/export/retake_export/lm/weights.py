"""The LM graph's weights as a plan: which initializer comes from which checkpoint tensor and how, per variant.

An exported fp32 graph (onnx_lm.export) names every weight after its checkpoint tensor: MatMul weights are
`<name>_t` (the (in, out) transpose), the other weights keep their name. A plan is one `WeightEntry` per checkpoint
tensor; `rewrite_quantized` turns the fp32 graph into a weight-only quantized variant (MatMul -> MatMulNBits, the
embedding table stored in fp16 and cast back after the Gather) and returns its plan; `fill` computes the initializers
from the checkpoint tensors, one tensor at a time, into the model (inline) or into an external data file. The same plan
is what a pack builder needs to produce a variant from published weights (tools/export/README.md, "Weight-only
int8 / int4").
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable, Dict, List, Optional

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..common.errors import ExportError
from .quantize import QuantScheme, quantize

MS_DOMAIN = "com.microsoft"
EMBED = "model.embed_tokens.weight"
HEAD = "lm_head.weight"


@dataclasses.dataclass(frozen=True)
class QuantVariant:
    """A weight-only quantized LM variant. `scheme` is used for every transformer-layer matrix, `head` for lm_head
    (None keeps it fp32); `accuracy_level` is MatMulNBits' compute mode (0: fp32, 4: activations quantized to int8
    per block inside the kernel)."""

    name: str
    scheme: QuantScheme
    head: Optional[QuantScheme]
    accuracy_level: int
    embed_fp16: bool = True

    @property
    def dtype(self) -> str:
        return f"int{self.scheme.bits}"

    def to_json(self) -> dict:
        return {
            "method": "matmulnbits",
            **self.scheme.to_json(),
            "accuracyLevel": self.accuracy_level,
            "head": self.head.to_json() if self.head else None,
            "embedding": "fp16" if self.embed_fp16 else "fp32",
        }


# Symmetric, lm_head at 8 bits in blocks of 32, accuracy level 4: the measured choice (tools/export/README.md
# "Weight-only int8 / int4", table "Choices"). int8 in blocks of 32; int4 in blocks of 128: the only int4 that meets
# the 2.5 GB resident target at full size (2.30 GB against 3.16 GB for blocks of 32: bench/lm/README.md), the group
# size of the published AWQ checkpoint (so the two differ only in how the codes were chosen), and on the random model
# its agreement with fp32 stays above the int4 gate. The 32-block one remains as "int4-b32".
DEFAULT_VARIANTS = {
    "int8": QuantVariant("int8", QuantScheme(8, 32, True), head=QuantScheme(8, 32, True), accuracy_level=4),
    "int4": QuantVariant("int4", QuantScheme(4, 128, True), head=QuantScheme(8, 32, True), accuracy_level=4),
}


def parse_variant(spec: str, defaults: Optional[Dict[str, QuantVariant]] = None) -> QuantVariant:
    """A variant from its name: "int4" / "int8" (the defaults), or a default with changes joined by "-":
    bN (block size), asym / sym, accN (accuracy level), head32 / head8 / head4 (lm_head fp32, or its bits in the
    default's head blocks, symmetric), e.g. "int4-b32" or "int4-b64-asym-acc0-head32". Used to measure the choices (README "Weight-only")."""
    defaults = defaults or DEFAULT_VARIANTS
    parts = spec.split("-")
    if parts[0] not in defaults:
        raise ExportError(f"variant {spec!r}: starts with one of {', '.join(defaults)}")
    base = defaults[parts[0]]
    bits, block, sym, acc, head = base.scheme.bits, base.scheme.block_size, base.scheme.symmetric, base.accuracy_level, base.head
    head_bits = head.bits if head else 32
    for p in parts[1:]:
        if p.startswith("b") and p[1:].isdigit():
            block = int(p[1:])
        elif p in ("asym", "sym"):
            sym = p == "sym"
        elif p.startswith("acc") and p[3:].isdigit():
            acc = int(p[3:])
        elif p.startswith("head") and p[4:] in ("32", "8", "4"):
            head_bits = int(p[4:])
        else:
            raise ExportError(f"variant {spec!r}: unknown part {p!r} (bN, asym, sym, accN, head32/8/4)")
    try:
        scheme = QuantScheme(bits, block, sym)
        head_scheme = None if head_bits == 32 else QuantScheme(head_bits, head.block_size if head else 32, True)
    except ValueError as e:
        raise ExportError(f"variant {spec!r}: {e}") from e
    return QuantVariant(spec, scheme, head_scheme, acc, base.embed_fp16)


@dataclasses.dataclass
class WeightEntry:
    """One checkpoint tensor and the initializer(s) made from it.

    transform: "copy" (float32 as stored), "transpose" (float32, (out, in) -> (in, out)), "fp16" (float16 as stored),
    "matmulnbits" (roles b, scales and, for asymmetric schemes, zero_points; see quantize.py), "awq" (the same roles
    repacked from the AWQ tensors <source>.qweight/.qzeros/.scales without re-quantizing; see awq.py)."""

    source: str
    transform: str
    initializers: Dict[str, str]
    scheme: Optional[QuantScheme] = None

    def to_json(self) -> dict:
        d = {"source": self.source, "transform": self.transform, "initializers": self.initializers}
        if self.scheme:
            d["scheme"] = self.scheme.to_json()
        return d


def fp32_plan(model: onnx.ModelProto, checkpoint_names) -> List[WeightEntry]:
    """The plan of an fp32 graph as exported: every initializer named after a checkpoint tensor (or its `_t`)."""
    names = set(checkpoint_names)
    plan = []
    for init in model.graph.initializer:
        if init.name.endswith("_t") and init.name[:-2] in names:
            plan.append(WeightEntry(init.name[:-2], "transpose", {"weight": init.name}))
        elif init.name in names:
            plan.append(WeightEntry(init.name, "copy", {"weight": init.name}))
    missing = names - {e.source for e in plan}
    if missing:
        raise ExportError(f"the graph has no initializer for {sorted(missing)[:5]}")
    return plan


def strip_weights(model: onnx.ModelProto, names) -> None:
    """Removes the named initializers (checkpoint weights that fill() makes again); the graph's constants stay."""
    names = set(names)
    keep = [i for i in model.graph.initializer if i.name not in names]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)


def rewrite_quantized(model: onnx.ModelProto, variant: QuantVariant, checkpoint_names) -> List[WeightEntry]:
    """Rewrites an fp32 graph (in place) into `variant` and returns its plan. The weights to be filled are removed
    from the graph; `fill` puts them back."""
    g = model.graph
    plan = {e.source: e for e in fp32_plan(model, checkpoint_names)}
    fp32_names = {e.initializers["weight"] for e in plan.values()}
    shape = {i.name: list(i.dims) for i in g.initializer}
    new_nodes = []
    matmuls = 0
    for node in g.node:
        w = node.input[1] if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or not w.endswith("_t") or w[:-2] not in plan:
            new_nodes.append(node)
            continue
        source = w[:-2]
        scheme = variant.head if source == HEAD else variant.scheme
        if scheme is None:
            new_nodes.append(node)
            continue
        k, n = shape[w]
        roles = {"b": f"{source}_q{scheme.bits}", "scales": f"{source}_scales"}
        if not scheme.symmetric:
            roles["zero_points"] = f"{source}_zero_points"
        plan[source] = WeightEntry(source, "matmulnbits", roles, scheme)
        ins = [node.input[0], roles["b"], roles["scales"]] + ([roles["zero_points"]] if "zero_points" in roles else [])
        name = node.name[: -len("MatMul")] + "MatMulNBits" if node.name.endswith("MatMul") else node.name + "_nbits"
        new_nodes.append(helper.make_node("MatMulNBits", ins, list(node.output), name=name, domain=MS_DOMAIN,
                                          K=k, N=n, bits=scheme.bits, block_size=scheme.block_size,
                                          accuracy_level=variant.accuracy_level))
        matmuls += 1
    if variant.embed_fp16:
        gathers = [n for n in new_nodes if n.op_type == "Gather" and n.input[0] == EMBED]
        if len(gathers) != 1:
            raise ExportError(f"expected one Gather of {EMBED}, found {len(gathers)}")
        gather = gathers[0]
        half = gather.output[0] + "_fp16"
        cast = helper.make_node("Cast", [half], [gather.output[0]], name=gather.name + "_to_float", to=TensorProto.FLOAT)
        gather.output[0] = half
        new_nodes.insert(new_nodes.index(gather) + 1, cast)
        plan[EMBED] = WeightEntry(EMBED, "fp16", {"weight": EMBED})
    del g.node[:]
    g.node.extend(new_nodes)
    strip_weights(model, fp32_names)
    del g.value_info[:]  # shapes of rewritten tensors would be stale; onnxruntime infers them
    if not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    if matmuls == 0:
        raise ExportError("no MatMul weight was quantized")
    return list(plan.values())


def entry_arrays(entry: WeightEntry, w) -> Dict[str, np.ndarray]:
    """The initializer arrays of one plan entry from its checkpoint tensor `w` (float32, as stored; for "awq" the
    dict of the AWQ tensors qweight, qzeros, scales)."""
    if entry.transform == "awq":
        from .awq import to_matmulnbits

        q = to_matmulnbits(w["qweight"], w["qzeros"], w["scales"], entry.scheme.block_size)
        return {"b": q.b, "scales": q.scales, "zero_points": q.zero_points}
    w = np.asarray(w, dtype=np.float32)
    if entry.transform == "copy":
        return {"weight": w}
    if entry.transform == "transpose":
        return {"weight": np.ascontiguousarray(w.T)}
    if entry.transform == "fp16":
        with np.errstate(over="ignore"):
            h = w.astype(np.float16)
        if np.isinf(h).any() and not np.isinf(w).any():
            raise ExportError(f"{entry.source} exceeds the fp16 range")
        return {"weight": h}
    if entry.transform == "matmulnbits":
        q = quantize(np.ascontiguousarray(w.T), entry.scheme)
        out = {"b": q.b, "scales": q.scales}
        if q.zero_points is not None:
            out["zero_points"] = q.zero_points
        return out
    raise ValueError(entry.transform)


class ExternalData:
    """Appends tensors to one external data file (each at a 4 KiB-aligned offset, so it can be memory-mapped)."""

    ALIGN = 4096

    def __init__(self, path: str):
        self.path = path
        self.location = os.path.basename(path)
        self.f = open(path, "wb")
        self.offset = 0

    def tensor(self, name: str, arr: np.ndarray) -> TensorProto:
        t = TensorProto()
        t.name = name
        t.data_type = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[arr.dtype]
        t.dims.extend(arr.shape)
        pad = (-self.offset) % self.ALIGN
        if pad:
            self.f.write(b"\0" * pad)
            self.offset += pad
        arr = np.ascontiguousarray(arr)
        self.f.write(memoryview(arr).cast("B"))
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", self.location), ("offset", str(self.offset)), ("length", str(arr.nbytes))):
            e = t.external_data.add()
            e.key, e.value = k, v
        self.offset += arr.nbytes
        return t

    def close(self) -> None:
        self.f.close()


def fill(model: onnx.ModelProto, plan: List[WeightEntry], source: Callable[[str], np.ndarray],
         external: Optional[ExternalData] = None) -> None:
    """Adds the plan's initializers to `model`, computing each from `source(checkpoint name)` (float32, as stored).
    With `external`, the data goes to that file and the model holds only references."""
    for entry in plan:
        arrays = entry_arrays(entry, source(entry.source))
        for role, arr in arrays.items():
            name = entry.initializers[role]
            model.graph.initializer.append(external.tensor(name, arr) if external else numpy_helper.from_array(arr, name))


def plan_bytes(plan: List[WeightEntry], shapes: Dict[str, tuple]) -> int:
    """Bytes of the initializers a plan makes, from the checkpoint tensors' (out, in) shapes."""
    total = 0
    for e in plan:
        n = int(np.prod(shapes[e.source]))
        if e.transform in ("copy", "transpose"):
            total += 4 * n
        elif e.transform == "fp16":
            total += 2 * n
        else:
            out, k = shapes[e.source]
            nb = e.scheme.n_blocks(k)
            total += out * nb * (e.scheme.blob_size + 4) + (0 if e.scheme.symmetric else out * -(-nb * e.scheme.bits // 8))
    return total
