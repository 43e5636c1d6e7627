"""The vq02 front end as the reference runs it, in the exporter's terms (the TypeScript runtime mirrors each function in
src-main/engines/editx/tokenizer/):

- `read_am_mvn`: the CMVN file (`am.mvn`, Kaldi nnet1 text) → AddShift and Rescale vectors.
- `wav_roundtrip`: the reference hands the 16 kHz audio to FunASR as a float WAV written by torchaudio and read back by
  sox, which lands every sample on a multiple of 2^-24 (measured bit-exact against torchaudio 0.13's sox_io backend:
  save truncates x·2^31 to int32, sox's float writer rounds that to 24 bits, `((d + 64) & ~127)`).
- `chunk_plan`: how many LFR frames each encoder call receives. FunASR's streaming front end (`WavFrontendOnline`)
  is fed 3,840-sample strides (chunk_size[1] × 960); its frames equal the offline front end's frames (Kaldi fbank with
  snip_edges, LFR with the first frame repeated (m−1)/2 times on the left), but it emits an LFR frame only once its
  7 fbank frames exist, pads the last ones only on the final stride, and emits nothing on a final stride that brings
  fewer than 7 spliced frames together (those frames are dropped, as is a final stride of 0 samples). So the
  reference's features are the offline ones, cut to sum(chunk_plan(n)) frames and split as the plan says.
- `offline_features`: Kaldi fbank (torchaudio) → LFR → CMVN, the numpy/torch reference of the TypeScript front end.
"""

from __future__ import annotations

import math
import re
from typing import List, Tuple

import numpy as np
import torch

from ..common.errors import ExportError

SAMPLE_RATE = 16000
FRAME_LENGTH = 400  # 25 ms at 16 kHz
FRAME_SHIFT = 160  # 10 ms
# One chunk of the reference's streaming loop: chunk_size[1] (4) × 960 samples (= 4 LFR frames of 6 × 10 ms).
SAMPLES_PER_LFR_FRAME = 960
# FunASR skips a final stride shorter than this when its front end fails on it (paraformer_streaming infer_encoder).
MIN_FINAL_SAMPLES = 480


def read_am_mvn(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """(add_shift, rescale) float32 vectors from a Kaldi nnet1 text CMVN file: the vector in brackets on the line after
    `<AddShift>` and after `<Rescale>`."""
    with open(path, "r", encoding="utf-8") as f:
        lines = f.read().splitlines()
    found = {}
    for i, line in enumerate(lines):
        head = line.split()[:1]
        if head and head[0] in ("<AddShift>", "<Rescale>") and i + 1 < len(lines):
            m = re.search(r"\[([^\]]*)\]", lines[i + 1])
            if m is None or not lines[i + 1].lstrip().startswith("<LearnRateCoef>"):
                raise ExportError(f"{path}: the line after {head[0]} holds no [ … ] vector")
            found[head[0]] = np.array([float(x) for x in m.group(1).split()], dtype=np.float32)
    for k in ("<AddShift>", "<Rescale>"):
        if k not in found:
            raise ExportError(f"{path} has no {k} vector: not a FunASR am.mvn file")
    shift, scale = found["<AddShift>"], found["<Rescale>"]
    if shift.shape != scale.shape or shift.size == 0:
        raise ExportError(f"{path}: AddShift has {shift.size} values, Rescale {scale.size}")
    return shift, scale


def write_am_mvn(path: str, shift: np.ndarray, scale: np.ndarray) -> None:
    """A CMVN file in the layout of the published am.mvn (Kaldi nnet1 text: <AddShift> then <Rescale>, each vector on
    its <LearnRateCoef> line), which FunASR's load_cmvn reads."""
    fmt = lambda v: " ".join(f"{float(x):.6f}" for x in v)
    dim = len(shift)
    with open(path, "w", encoding="utf-8") as f:
        f.write("<Nnet>\n")
        f.write(f"<Splice> {dim} {dim}\n[ 0 ]\n")
        f.write(f"<AddShift> {dim} {dim}\n<LearnRateCoef> 0 [ {fmt(shift)} ]\n")
        f.write(f"<Rescale> {dim} {dim}\n<LearnRateCoef> 0 [ {fmt(scale)} ]\n")
        f.write("</Nnet>\n")


def random_cmvn(dim: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded values near the real ones: log-mel means of about −6..−14 to subtract, scales of about 0.1..0.4."""
    rng = np.random.default_rng(seed)
    return -rng.uniform(6.0, 14.0, dim).astype(np.float32), rng.uniform(0.1, 0.4, dim).astype(np.float32)


def wav_roundtrip(x: np.ndarray) -> np.ndarray:
    """The samples FunASR reads back from the float WAV the reference writes (see the module comment)."""
    d = np.trunc(x.astype(np.float32).astype(np.float64) * 2.0 ** 31)
    d = np.clip(d, -2.0 ** 31, 2.0 ** 31 - 1).astype(np.int64)
    q = ((d + 64) >> 7) << 7
    return np.where(d > 2 ** 31 - 1 - 64, 1.0, q / 2.0 ** 31).astype(np.float32)


def chunk_plan(n_samples: int, stride_frames: int = 4, lfr_m: int = 7, lfr_n: int = 6) -> List[int]:
    """LFR frames per encoder call for n_samples of 16 kHz audio (an empty list: no vq02 codes)."""
    stride = stride_frames * SAMPLES_PER_LFR_FRAME
    left = (lfr_m - 1) // 2
    n_chunks = n_samples // stride + 1
    pending = 0  # samples carried to the next stride (the start of the next fbank frame on)
    splice = 0  # fbank frames carried for the next LFR frame (0 = not started: the first frame is repeated `left` times)
    plan: List[int] = []
    for i in range(n_chunks):
        final = i == n_chunks - 1
        size = min(stride, n_samples - i * stride)
        if final and size == 0:
            break
        total = pending + size
        frames = (total - FRAME_LENGTH) // FRAME_SHIFT + 1 if total >= FRAME_LENGTH else 0
        pending = total - frames * FRAME_SHIFT if frames else total
        if frames:
            if splice == 0:
                splice = left
            t = splice + frames
            if t < lfr_m:
                if final:
                    break
                raise ExportError(f"stride {i} of {n_samples} samples brings too few frames (the reference fails too)")
            out = math.ceil((t - left) / lfr_n)
            emitted, idx = out, out
            if not final:
                for j in range(out):
                    if lfr_m > t - j * lfr_n:
                        emitted, idx = j, j
                        break
            splice = t - min(t - 1, idx * lfr_n)
            plan.append(emitted)
        elif final:
            out = math.ceil((splice - left) / lfr_n) if splice else 0
            if out <= 0:
                if size < MIN_FINAL_SAMPLES:
                    break
                raise ExportError(f"the final stride of {n_samples} samples cannot be encoded (the reference fails too)")
            plan.append(out)
        else:
            raise ExportError(f"stride {i} of {n_samples} samples yields no frame (the reference fails too)")
    return plan


def kaldi_fbank(samples: np.ndarray, n_mels: int = 80) -> torch.Tensor:
    """torchaudio's Kaldi fbank with the reference's settings (EDITX-SPEC.md §4), dither 0; (frames, n_mels)."""
    import torchaudio.compliance.kaldi as kaldi

    x = torch.from_numpy(np.asarray(samples, dtype=np.float32))[None] * 32768.0
    return kaldi.fbank(x, num_mel_bins=n_mels, frame_length=25, frame_shift=10, dither=0.0, energy_floor=0.0,
                       window_type="hamming", sample_frequency=SAMPLE_RATE, snip_edges=True)


def lfr(fbank: torch.Tensor, m: int = 7, n: int = 6) -> torch.Tensor:
    """Low frame rate: frame i stacks fbank rows 6i−3 … 6i+3 (rows before 0 are row 0, rows past the end the last
    row); ceil(T/n) frames of m·bins."""
    T = fbank.shape[0]
    left = (m - 1) // 2
    out = math.ceil(T / n)
    idx = torch.arange(out)[:, None] * n + torch.arange(m)[None, :] - left
    return fbank[idx.clamp(0, T - 1)].reshape(out, -1)


def offline_features(samples: np.ndarray, shift: np.ndarray, scale: np.ndarray) -> torch.Tensor:
    """LFR + CMVN of the whole signal, (frames, 560)."""
    x = lfr(kaldi_fbank(samples))
    return (x + torch.from_numpy(shift)) * torch.from_numpy(scale)
