"""Writes test/fixtures/editx/quant/matmulnbits.json: inputs and the exact bytes the exporter's MatMulNBits quantizer
(lm/quantize.py) and AWQ repacking (lm/awq.py) make from them, so another implementation (the TypeScript pack
builder's, src-main/engines/editx/pack/quantize.ts) can be checked byte for byte. Deterministic.

  PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.quant_goldens
"""

from __future__ import annotations

import base64
import json
import os

import numpy as np

from ..common.paths import REPO
from ..lm import awq
from ..lm.quantize import QuantScheme, quantize_rows
from ..lm.random_weights import round_bf16

OUT = os.path.join(REPO, "test", "fixtures", "editx", "quant", "matmulnbits.json")
SCHEMES = [(4, 32, True), (4, 32, False), (4, 16, True), (4, 128, False), (8, 32, True), (8, 64, False)]


def enc(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def inputs():
    rng = np.random.default_rng(2024)
    normal = round_bf16(rng.standard_normal((6, 72)).astype(np.float32) * 0.05)
    ties = np.zeros((4, 48), dtype=np.float32)
    ties[0, :16] = [0.5, -2.0, 1.0, 0.0, 1.5, -1.5, 2.0, -0.25, 0.75, 1.25, -0.75, 0.125, 0, 0, 1.75, -1.75]
    ties[1, :8] = [0.0, 1.0, 7.5, 1.25, 1.75, 3.25, 6.25, 0.5]  # asymmetric ties at scale 0.5
    ties[2, :] = -0.5  # one sign only: the zero point sits at an end
    ties[3, 16:32] = 3.0  # a constant block
    return {"normal": normal, "ties": ties}


def document() -> dict:
    cases = []
    for label, rows in inputs().items():
        for bits, block, sym in SCHEMES:
            b, s, zp = quantize_rows(rows, QuantScheme(bits, block, sym))
            cases.append({"input": label, "bits": bits, "blockSize": block, "symmetric": sym, "b": enc(b),
                          "scales": enc(s), "zeroPoints": None if zp is None else enc(zp)})
    rng = np.random.default_rng(7)
    k, n, g = 64, 16, 32
    codes = rng.integers(0, 16, size=(k, n)).astype(np.uint8)
    zeros = rng.integers(0, 16, size=(k // g, n)).astype(np.uint8)
    scales = (rng.random((k // g, n)) * 0.01 + 0.001).astype(np.float16)
    q = awq.to_matmulnbits(awq.pack_int32(codes), awq.pack_int32(zeros), scales, g)
    doc = {
        "description": "MatMulNBits quantization (tools/export/retake_export/lm/quantize.py) of float32 rows (N, K) "
                       "as the checkpoint stores them, and AWQ gemm tensors repacked (lm/awq.py); little-endian "
                       "base64. Regenerate: PYTHONPATH=tools/export /usr/bin/python3 -m "
                       "retake_export.goldens.quant_goldens",
        "inputs": {label: {"n": r.shape[0], "k": r.shape[1], "data": enc(r)} for label, r in inputs().items()},
        "cases": cases,
        "awq": {"k": k, "n": n, "groupSize": g, "qweight": enc(awq.pack_int32(codes)), "qzeros": enc(awq.pack_int32(zeros)),
                "scalesFp16": enc(scales), "b": enc(q.b), "scales": enc(q.scales), "zeroPoints": enc(q.zero_points)},
    }
    return doc


def main() -> None:
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document(), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
