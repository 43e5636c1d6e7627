"""Weight-only block quantization for onnxruntime's `com.microsoft.MatMulNBits` (int4 / int8), written from the
operator's contract (onnxruntime docs/ContribOperators.md):

  Y = A @ dequant(B)^T,  dequant = (code - zero_point) * scale, blocks of `block_size` along K (the input dimension)
  B            uint8 (N, n_blocks, block_size * bits / 8): codes packed along K, low bits first (4 bits: element 2i in
               the low nibble of byte i, element 2i + 1 in the high nibble)
  scales       (N, n_blocks), the dtype of A
  zero_points  optional uint8 (N, ceil(n_blocks * bits / 8)), packed the same way; absent means 2^(bits - 1)

Two schemes, each defined here exactly, so that another implementation (the TypeScript pack builder) can reproduce
the bytes; every step is float32 arithmetic and `rint` rounds half to even:

  symmetric (no zero points; zero point 2^(b-1) = h):
    m      = the element of the block with the largest |w| (the first one on a tie), keeping its sign
    scale  = m / -h                      (so m itself is code 0, i.e. -h after the zero point: all 2^b codes in use)
    code   = clip(rint(w / scale), -h, h - 1) + h          (a zero block: scale 0, every code h)
  asymmetric (zero points stored):
    lo, hi = min(min(w), 0), max(max(w), 0)                (zero stays exactly representable)
    scale  = (hi - lo) / (2^b - 1)
    zp     = clip(rint(-lo / scale), 0, 2^b - 1)
    code   = clip(rint(w / scale) + zp, 0, 2^b - 1)        (a zero block: scale 0, zp 0, every code 0)

K is padded with zeros to a whole number of blocks (the operator reads only K columns of A; the padding is inside
the last block and changes neither scheme's scale because both include 0 in the block's range).
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np


@dataclasses.dataclass(frozen=True)
class QuantScheme:
    bits: int
    block_size: int
    symmetric: bool

    def __post_init__(self):
        if self.bits not in (4, 8):
            raise ValueError(f"bits {self.bits}: MatMulNBits runs 4 and 8 bits on the CPU and CUDA providers")
        if self.block_size < 16 or self.block_size & (self.block_size - 1):
            raise ValueError(f"block_size {self.block_size}: must be a power of two of at least 16")

    def n_blocks(self, k: int) -> int:
        return -(-k // self.block_size)

    @property
    def blob_size(self) -> int:
        return self.block_size * self.bits // 8

    def to_json(self) -> dict:
        return {"bits": self.bits, "blockSize": self.block_size, "symmetric": self.symmetric}


@dataclasses.dataclass
class QuantizedMatrix:
    """One (K, N) MatMul weight in MatMulNBits form."""

    k: int
    n: int
    scheme: QuantScheme
    b: np.ndarray  # uint8 (N, n_blocks, blob_size)
    scales: np.ndarray  # float32 (N, n_blocks)
    zero_points: Optional[np.ndarray]  # uint8 (N, ceil(n_blocks * bits / 8)), asymmetric only


def _pack(codes: np.ndarray, bits: int) -> np.ndarray:
    """Packs uint8 codes (..., L) along the last axis, low bits first (L even for 4 bits)."""
    if bits == 8:
        return codes.astype(np.uint8)
    return (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)


def _unpack(packed: np.ndarray, bits: int) -> np.ndarray:
    if bits == 8:
        return packed.astype(np.uint8)
    out = np.empty(packed.shape[:-1] + (packed.shape[-1] * 2,), dtype=np.uint8)
    out[..., 0::2] = packed & 0x0F
    out[..., 1::2] = packed >> 4
    return out


def quantize_rows(rows: np.ndarray, scheme: QuantScheme):
    """Quantizes rows (N, K) of the checkpoint's (out, in) layout, each row along K. Returns (b, scales, zero_points)
    as MatMulNBits stores them for those N outputs (zero_points None when symmetric)."""
    rows = np.asarray(rows, dtype=np.float32)
    n, k = rows.shape
    nb = scheme.n_blocks(k)
    bs = scheme.block_size
    if nb * bs != k:
        rows = np.concatenate([rows, np.zeros((n, nb * bs - k), dtype=np.float32)], axis=1)
    blocks = rows.reshape(n, nb, bs)
    qmax = (1 << scheme.bits) - 1
    if scheme.symmetric:
        half = np.float32(1 << (scheme.bits - 1))
        idx = np.abs(blocks).argmax(axis=-1)  # argmax returns the first index on a tie
        m = np.take_along_axis(blocks, idx[..., None], axis=-1)[..., 0]
        scales = (m / -half).astype(np.float32)
        safe = np.where(scales == 0, np.float32(1), scales)
        codes = np.clip(np.rint(blocks / safe[..., None]), -half, half - 1) + half
        codes = np.where(scales[..., None] == 0, half, codes).astype(np.uint8)
        zp = None
    else:
        lo = np.minimum(blocks.min(axis=-1), np.float32(0))
        hi = np.maximum(blocks.max(axis=-1), np.float32(0))
        scales = ((hi - lo) / np.float32(qmax)).astype(np.float32)
        safe = np.where(scales == 0, np.float32(1), scales)
        zpf = np.clip(np.rint(-lo / safe), 0, qmax)
        zpf = np.where(scales == 0, np.float32(0), zpf)
        codes = np.clip(np.rint(blocks / safe[..., None]) + zpf[..., None], 0, qmax).astype(np.uint8)
        z = zpf.astype(np.uint8)
        if scheme.bits == 4 and nb % 2:
            z = np.concatenate([z, np.zeros((n, 1), dtype=np.uint8)], axis=1)
        zp = _pack(z, scheme.bits)
    return _pack(codes, scheme.bits), scales, zp


def quantize(w_t: np.ndarray, scheme: QuantScheme, chunk: int = 4096) -> QuantizedMatrix:
    """Quantizes a MatMul weight stored (K, N) = (in, out), as the exporter's `<name>_t` initializers are."""
    k, n = w_t.shape
    parts = [quantize_rows(np.ascontiguousarray(w_t[:, i:i + chunk].T), scheme) for i in range(0, n, chunk)]
    b = np.concatenate([p[0] for p in parts], axis=0)
    scales = np.concatenate([p[1] for p in parts], axis=0)
    zp = None if scheme.symmetric else np.concatenate([p[2] for p in parts], axis=0)
    return QuantizedMatrix(k, n, scheme, b, scales, zp)


def dequantize(q: QuantizedMatrix) -> np.ndarray:
    """The (K, N) float32 matrix MatMulNBits multiplies by, read back from the packed bytes alone."""
    s = q.scheme
    nb = s.n_blocks(q.k)
    codes = _unpack(q.b, s.bits).astype(np.float32)  # (N, nb, block)
    if q.zero_points is None:
        zp = np.full((q.n, nb), float(1 << (s.bits - 1)), dtype=np.float32)
    else:
        zp = _unpack(q.zero_points, s.bits)[:, :nb].astype(np.float32)
    w = (codes - zp[..., None]) * q.scales[..., None]
    return np.ascontiguousarray(w.reshape(q.n, nb * s.block_size)[:, :q.k].T)
