"""Published AWQ 4-bit weights as MatMulNBits matrices, repacked without re-quantizing.

The AWQ checkpoint layout (AutoAWQ's "gemm" version, the one vLLM's `awq` / `awq_marlin` loaders read), per Linear of
in_features K and out_features N, with `quantization_config` {"quant_method": "awq", "bits": 4, "group_size": G,
"zero_point": true, "version": "gemm"} in config.json:

  <name>.qweight  int32 (K, N / 8)   codes q[k, n] in 0..15; int32 j of row k holds columns 8j..8j+7, the code of
                                     column 8j + AWQ_ORDER[i] in bits 4i..4i+3
  <name>.qzeros   int32 (K / G, N / 8)  zero points z[g, n] in 0..15, packed the same way
  <name>.scales   fp16  (K / G, N)      scales s[g, n]
  w[k, n] = (q[k, n] - z[k // G, n]) * s[k // G, n]            (the Linear computes y = x @ w)

MatMulNBits (quantize.py) stores the same thing transposed: per output n, blocks of G along K, dequantized as
(code - zero_point) * scale. So with block_size = G, bits 4, asymmetric: B[n, b, :] = q[bG:(b+1)G, n] packed low
nibble first, scales[n, b] = s[b, n] (fp16 -> fp32, exact), zero_points[n, :] = z[:, n] packed the same way. Every
dequantized weight is bit-for-bit the one AWQ defines; nothing is re-quantized. Requirements: G a power of two >= 16
(onnxruntime), K a multiple of G, N a multiple of 8.

AWQ folds its activation-aware scales into the weights it quantizes and into the RMSNorm weights and the Linear
before them, so the norms, the embedding and the unquantized lm_head must come from the AWQ checkpoint too, never
from the bf16 one.
"""

from __future__ import annotations

import numpy as np

from ..common.errors import ExportError
from .quantize import QuantizedMatrix, QuantScheme, _pack

# Nibble i of each int32 holds column AWQ_ORDER[i] of its group of 8 (AutoAWQ's gemm packing).
AWQ_ORDER = (0, 2, 4, 6, 1, 3, 5, 7)


def check_config(qc: dict) -> int:
    """The group size of an AWQ quantization_config this importer reads; ExportError for any other layout."""
    problems = []
    if qc.get("quant_method") != "awq":
        problems.append(f"quant_method {qc.get('quant_method')!r} (need 'awq')")
    if qc.get("bits", qc.get("w_bit")) != 4:
        problems.append(f"bits {qc.get('bits', qc.get('w_bit'))!r} (need 4)")
    if not qc.get("zero_point", True):
        problems.append("zero_point false (need true)")
    version = str(qc.get("version", "gemm")).lower()
    if version != "gemm":
        problems.append(f"version {version!r} (need 'gemm': the GEMV layout packs along the input dimension)")
    g = qc.get("group_size", qc.get("q_group_size"))
    if not isinstance(g, int) or g < 16 or g & (g - 1):
        problems.append(f"group_size {g!r} (need a power of two of at least 16, as MatMulNBits' block size)")
    if problems:
        raise ExportError("this AWQ checkpoint cannot be repacked for MatMulNBits: " + "; ".join(problems))
    return g


def unpack_int32(packed: np.ndarray) -> np.ndarray:
    """(R, C/8) int32 in AWQ order -> (R, C) uint8 codes."""
    p = np.ascontiguousarray(packed).view(np.uint32)
    out = np.empty((p.shape[0], p.shape[1] * 8), dtype=np.uint8)
    for i, col in enumerate(AWQ_ORDER):
        out[:, col::8] = ((p >> np.uint32(4 * i)) & np.uint32(0xF)).astype(np.uint8)
    return out


def pack_int32(codes: np.ndarray) -> np.ndarray:
    """(R, C) codes 0..15 -> (R, C/8) int32 in AWQ order (to write AWQ-layout test checkpoints)."""
    c = np.asarray(codes, dtype=np.uint32)
    out = np.zeros((c.shape[0], c.shape[1] // 8), dtype=np.uint32)
    for i, col in enumerate(AWQ_ORDER):
        out |= c[:, col::8] << np.uint32(4 * i)
    return out.view(np.int32)


def to_matmulnbits(qweight: np.ndarray, qzeros: np.ndarray, scales: np.ndarray, group_size: int) -> QuantizedMatrix:
    k, n8 = qweight.shape
    n = n8 * 8
    if k % group_size:
        raise ExportError(f"in_features {k} is not a multiple of the group size {group_size}")
    nb = k // group_size
    if qzeros.shape != (nb, n8) or scales.shape != (nb, n):
        raise ExportError(f"qzeros {qzeros.shape} / scales {scales.shape} do not fit qweight {qweight.shape} in groups "
                          f"of {group_size} (expected {(nb, n8)} / {(nb, n)})")
    scheme = QuantScheme(4, group_size, False)
    codes = unpack_int32(qweight).T.reshape(n, nb, group_size)  # (N, blocks, G), along K
    zeros = np.ascontiguousarray(unpack_int32(qzeros).T)  # (N, blocks)
    if nb % 2:
        zeros = np.concatenate([zeros, np.zeros((n, 1), dtype=np.uint8)], axis=1)
    return QuantizedMatrix(k, n, scheme, _pack(np.ascontiguousarray(codes), 4),
                           np.ascontiguousarray(scales.astype(np.float32).T), _pack(zeros, 4))


def dequantize_awq(qweight: np.ndarray, qzeros: np.ndarray, scales: np.ndarray, group_size: int) -> np.ndarray:
    """The (K, N) float32 weight AWQ defines (for tests and the fp32 reference of an imported variant)."""
    q = unpack_int32(qweight).astype(np.float32)
    z = np.repeat(unpack_int32(qzeros).astype(np.float32), group_size, axis=0)
    s = np.repeat(scales.astype(np.float32), group_size, axis=0)
    return (q - z) * s


def export_variant(checkpoint: str, cfg, out: str, name: str, accuracy_level: int, head_bits: int, log) -> dict:
    """Writes lm.<name>.onnx (+ .data) from an AWQ checkpoint folder (config.json with its quantization_config,
    *.safetensors): the decoder layers' Linears repacked (to_matmulnbits), the embedding in fp16, the norms as stored,
    lm_head as stored (head_bits 32) or quantized by quantize.py (8 or 4). Returns the manifest's variant entry."""
    import json
    import os
    import tempfile

    from ..common.safetensors_io import SafetensorsFile
    from . import expand, variants, weights
    from .checkpoint import checkpoint_files

    with open(os.path.join(checkpoint, "config.json"), encoding="utf-8") as f:
        qc = json.load(f).get("quantization_config")
    if not qc:
        raise ExportError(f"{checkpoint}/config.json has no quantization_config: not an AWQ checkpoint")
    group = check_config(qc)
    files = [SafetensorsFile(p) for p in checkpoint_files(checkpoint)]
    where = {k: f for f in files for k in f.keys()}

    def tensor(key: str) -> np.ndarray:
        if key not in where:
            raise ExportError(f"the AWQ checkpoint has no tensor {key}")
        t = where[key].get(key)
        return t.float().numpy() if t.is_floating_point() else t.numpy()

    def stem(name: str) -> str:
        """model.layers.0.mlp.up_proj.weight -> model.layers.0.mlp.up_proj (AWQ names the module's tensors)."""
        return name[: -len(".weight")] if name.endswith(".weight") else name

    def source(name: str):
        s = stem(name)
        if f"{s}.qweight" in where:
            return {"qweight": tensor(f"{s}.qweight"), "qzeros": tensor(f"{s}.qzeros"),
                    "scales": where[f"{s}.scales"].get(f"{s}.scales").numpy()}
        return tensor(name)

    def use_awq(plan):
        for e in plan:
            if e.transform == "matmulnbits" and e.source != weights.HEAD:
                if f"{stem(e.source)}.qweight" not in where:
                    raise ExportError(f"the AWQ checkpoint has no {stem(e.source)}.qweight: {e.source} is not quantized")
                e.transform = "awq"

    head = None if head_bits == 32 else QuantScheme(head_bits, 32, True)
    variant = weights.QuantVariant(name, QuantScheme(4, group, False), head, accuracy_level)
    try:
        with tempfile.TemporaryDirectory(dir=out) as tmp:
            graph = expand.expand(variants.one_layer_graph(cfg, tmp), cfg)
        entry = variants.write_variant(graph, name, variant, cfg, source, out, log, adapt_plan=use_awq)
    finally:
        for f in files:
            f.close()
    entry["quantization"]["source"] = "awq"
    return entry
