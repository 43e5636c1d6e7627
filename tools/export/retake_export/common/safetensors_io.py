"""A minimal reader and writer for the safetensors format, so the exporter needs no PyPI package.

Layout: 8-byte little-endian header length N, N bytes of JSON ({name: {dtype, shape, data_offsets}} plus an optional
"__metadata__"), then the raw little-endian tensor bytes; data_offsets are relative to the end of the header.
Files are memory-mapped, so a multi-gigabyte shard is read one tensor at a time.
"""

from __future__ import annotations

import json
import mmap
import struct
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch

# safetensors dtype -> (numpy dtype of the raw bytes, torch dtype). bf16 has no numpy dtype: read as int16, then
# reinterpret the bits in torch.
_DTYPES = {
    "F64": (np.float64, torch.float64),
    "F32": (np.float32, torch.float32),
    "F16": (np.float16, torch.float16),
    "BF16": (np.int16, torch.bfloat16),
    "I64": (np.int64, torch.int64),
    "I32": (np.int32, torch.int32),
    "I16": (np.int16, torch.int16),
    "I8": (np.int8, torch.int8),
    "U8": (np.uint8, torch.uint8),
    "BOOL": (np.bool_, torch.bool),
}
_TORCH_TO_ST = {v[1]: k for k, v in _DTYPES.items()}


class SafetensorsError(Exception):
    pass


class SafetensorsFile:
    def __init__(self, path: str):
        self.path = path
        self._f = open(path, "rb")
        try:
            raw = self._f.read(8)
            if len(raw) != 8:
                raise SafetensorsError(f"{path}: too short to be a safetensors file")
            (n,) = struct.unpack("<Q", raw)
            size = self._f.seek(0, 2)
            if n > size - 8 or n > 100 * 1024 * 1024:
                raise SafetensorsError(f"{path}: header length {n} does not fit the file ({size} bytes)")
            self._f.seek(8)
            try:
                header = json.loads(self._f.read(n).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise SafetensorsError(f"{path}: header is not valid JSON ({e})") from e
            self.metadata: Dict[str, str] = header.pop("__metadata__", None) or {}
            self.entries: Dict[str, dict] = header
            self._base = 8 + n
            data_len = size - self._base
            for name, e in self.entries.items():
                if e.get("dtype") not in _DTYPES:
                    raise SafetensorsError(f"{path}: tensor {name} has unsupported dtype {e.get('dtype')}")
                b, end = e["data_offsets"]
                count = int(np.prod(e["shape"])) if e["shape"] else 1
                if end > data_len or b > end or end - b != count * np.dtype(_DTYPES[e["dtype"]][0]).itemsize:
                    raise SafetensorsError(f"{path}: tensor {name} has inconsistent offsets {b}..{end}")
            self._mm = mmap.mmap(self._f.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else None
        except Exception:
            self._f.close()
            raise

    def keys(self) -> List[str]:
        return list(self.entries.keys())

    def shape(self, name: str) -> Tuple[int, ...]:
        return tuple(self.entries[name]["shape"])

    def dtype(self, name: str) -> str:
        return self.entries[name]["dtype"]

    def get(self, name: str) -> torch.Tensor:
        """A copy of the tensor in its stored dtype (bf16 stays bf16)."""
        e = self.entries[name]
        np_dtype, t_dtype = _DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        assert self._mm is not None
        arr = np.frombuffer(self._mm, dtype=np_dtype, count=(end - b) // np.dtype(np_dtype).itemsize,
                            offset=self._base + b).copy()
        t = torch.from_numpy(arr).reshape(e["shape"])
        if t_dtype is torch.bfloat16:
            t = t.view(torch.bfloat16)
        return t

    def close(self) -> None:
        if self._mm is not None:
            self._mm.close()
        self._f.close()

    def __enter__(self) -> "SafetensorsFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def save_file(path: str, tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None) -> None:
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    blobs: List[bytes] = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype not in _TORCH_TO_ST:
            raise SafetensorsError(f"tensor {name}: dtype {t.dtype} cannot be stored")
        data = (t.view(torch.int16) if t.dtype is torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": _TORCH_TO_ST[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)  # keep the data 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


def iter_tensors(files: List[SafetensorsFile]) -> Iterator[Tuple[str, SafetensorsFile]]:
    for f in files:
        for name in f.keys():
            yield name, f


def write_streaming(path: str, specs: List[Tuple[str, str, List[int]]],
                    fill: "Callable[[str, str, List[int]], Iterator[bytes]]",
                    metadata: Optional[Dict[str, str]] = None) -> int:
    """Writes a safetensors file tensor by tensor, in the order of `specs` ((name, dtype, shape) with a safetensors
    dtype such as "BF16"): the header is known up front, and fill(name, dtype, shape) yields each tensor's bytes in
    pieces, so a multi-gigabyte shard never sits in memory. Returns the file size."""
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, dtype, shape in specs:
        count = int(np.prod(shape)) if shape else 1
        n = count * np.dtype(_DTYPES[dtype][0]).itemsize
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name, dtype, shape in specs:
            want = header[name]["data_offsets"][1] - header[name]["data_offsets"][0]  # type: ignore[index]
            got = 0
            for piece in fill(name, dtype, shape):
                f.write(piece)
                got += len(piece)
            if got != want:
                raise SafetensorsError(f"{path}: tensor {name} got {got} bytes, expected {want}")
    return 8 + len(h) + offset
