"""A tiny stand-in for the S3 tokenizer (`speech_tokenizer_v1.onnx`, 523 MB, not downloadable here) with its I/O, for
the tiny pack: inputs `feats` float32 (1, 128, T) (Whisper log-mel) and `feats_length` int32 (1,); output `indices`
int32 (1, ceil(T/4)) — 25 codes per second of 100 Hz mel frames, codes 0..4095.

What is known of the real file's I/O comes from the code that runs it: upstream feeds input 0 the log-mel
(1, 128, T) float32 and input 1 `np.array([T], dtype=np.int32)`, and reads output 0 as the codes (tokenizer.py
get_vq06_code); WeNet's C++ runtime for the same model reads output 0 as int32 of shape (1, tokens). The names here are
those other tools report for it (verify); the runtime addresses the tensors by position, as upstream does, and
`tokenizer --from` records the real file's names, types and shapes in the manifest.

Structure (random weights, nothing learned): the frames beyond `feats_length` are zeroed, two stride-2 convolutions
(kernel 3, padding 1) with GELU — the time reduction of the real model's front — then a projection to 4,096 logits
and argmax.
"""

from __future__ import annotations

import inspect
import os
import tempfile
import warnings
from typing import Dict, List

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

MEL_BINS = 128
CODES = 4096
INPUTS = ["feats", "feats_length"]
OUTPUTS = ["indices"]
IO = {
    "inputs": [{"name": "feats", "dtype": "float32", "shape": [1, MEL_BINS, "frames"]},
               {"name": "feats_length", "dtype": "int32", "shape": [1]}],
    "outputs": [{"name": "indices", "dtype": "int32", "shape": [1, "tokens"]}],
}


class S3StandIn(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        self.conv1 = nn.Conv1d(MEL_BINS, width, 3, stride=2, padding=1)
        self.conv2 = nn.Conv1d(width, width, 3, stride=2, padding=1)
        self.proj = nn.Linear(width, CODES)

    def logits(self, feats: torch.Tensor, feats_length: torch.Tensor) -> torch.Tensor:
        mask = (torch.arange(feats.shape[2])[None, :] < feats_length.to(torch.int64)[:, None]).to(feats.dtype)
        h = F.gelu(self.conv1(feats * mask[:, None, :]))
        h = F.gelu(self.conv2(h))
        return self.proj(h.transpose(1, 2))

    def forward(self, feats: torch.Tensor, feats_length: torch.Tensor) -> torch.Tensor:
        return self.logits(feats, feats_length).argmax(-1).to(torch.int32)


def tokens_for_frames(frames: int) -> int:
    return (frames + 3) // 4


def build(seed: int) -> S3StandIn:
    g = torch.Generator().manual_seed(seed)
    m = S3StandIn()
    with torch.no_grad():
        for _, p in sorted(m.named_parameters()):
            fan_in = int(torch.tensor(p.shape[1:]).prod()) if p.dim() > 1 else 1
            p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)
    return m.eval()


def export(model: S3StandIn, out_path: str) -> List[str]:
    feats = torch.zeros(1, MEL_BINS, 20)
    length = torch.tensor([20], dtype=torch.int32)
    extra: Dict[str, object] = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(out_path))) as tmp:
        raw = os.path.join(tmp, "raw.onnx")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (feats, length), raw, input_names=INPUTS, output_names=OUTPUTS,
                              dynamic_axes={"feats": {2: "frames"}, "indices": {1: "tokens"}}, opset_version=17,
                              do_constant_folding=True, **extra)
        m = onnx.load(raw)
    del m.metadata_props[:]
    m.metadata_props.append(onnx.StringStringEntryProto(key="retake.component", value="editx.vq06.stand-in"))
    onnx.checker.check_model(m)
    onnx.save_model(m, out_path)
    return [os.path.basename(out_path)]
