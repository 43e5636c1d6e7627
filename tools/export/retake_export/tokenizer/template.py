"""`tokenizer-template`: the vq02 encoder's graph template (common/template.py) for the app's pack builder, with the
files the tokenizers use as published: am.mvn, linguistic_tokenizer.npy (the codebook) and speech_tokenizer_v1.onnx
(vq06, the S3 tokenizer, copied; its I/O read from the file).

  python3 -m retake_export tokenizer-template [--out models/templates/vq02-paraformer]   the published geometry
  python3 -m retake_export tokenizer-template --tiny --out DIR                          the tiny test model's geometry

The chunk-step graph is exported exactly as `tokenizer` exports it (onnx_encoder.export) and traced back to the
checkpoint (the FunASR Paraformer's model.pt: its 652 `encoder.` tensors, EDITX-SPEC.md §4; the decoder and predictor
tensors beside them are not read) by common/traced_template.py. Sources are paths inside the published
Step-Audio-Tokenizer folder (template.json `folder`).

Not covered: the builder takes the front end and streaming settings from the template (the published config.yaml's
values, EDITX-SPEC.md §4) without reading config.yaml, and does not check the codebook's shape or am.mvn's size
against the graph (the engine's loader does, when the pack is first used).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import List

import onnx
import torch

from ..common import template as tpl
from ..common import traced_template as traced
from ..common.errors import ExportError
from ..common.paths import REPO
from . import onnx_encoder
from .export import CODEBOOK_SIZE, STREAMING, VQ06, frontend_settings, manifest_config
from .paraformer import PREFIX, EncoderConfig, ParaformerEncoder, init_random, tiny_config

DEFAULT_OUT = os.path.join(REPO, "models", "templates", "vq02-paraformer")
SOURCE = "vq02"
FOLDER = "Step-Audio-Tokenizer"
FUNASR = "dengcunqin/speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online"
GRAPH = "vq02.onnx"
# The published config.yaml's frontend_conf (EDITX-SPEC.md §4): Kaldi fbank, 80 bins, LFR 7/6.
FRONTEND_CONF = {"fs": 16000, "window": "hamming", "n_mels": 80, "frame_length": 25, "frame_shift": 10, "lfr_m": 7,
                 "lfr_n": 6}
GRAPH_SOURCES = ["tokenizer/paraformer.py", "tokenizer/onnx_encoder.py", "tokenizer/template.py",
                 "common/template.py", "common/traced_template.py"]


def _model(cfg: EncoderConfig, seed: int) -> ParaformerEncoder:
    model = ParaformerEncoder(cfg)
    init_random(model, seed)
    return traced.perturb(model, seed).eval()


def write(cfg: EncoderConfig, out: str, template_id: str, description: str, log, stand_in: bool = False,
          seed: int = 31) -> None:
    os.makedirs(out, exist_ok=True)
    model, other = _model(cfg, seed), _model(cfg, seed + 1)
    state = {PREFIX + k: v.detach().numpy() for k, v in model.state_dict().items()}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        onnx_encoder.export(model, os.path.join(a, GRAPH))
        onnx_encoder.export(other, os.path.join(b, GRAPH))
        wmap = traced.graph_template(onnx.load(os.path.join(a, GRAPH)), onnx.load(os.path.join(b, GRAPH)), state,
                                     SOURCE, out, GRAPH)
    unread = sorted(set(state) - set(traced.tensors_read([wmap])))
    if unread:
        raise ExportError(f"vq02 template: checkpoint tensors the graph does not read: {', '.join(unread)}")
    log(f"  {GRAPH}: {len(wmap['initializers'])} weights, {wmap['dataBytes'] / 1e6:.2f} MB of data")
    fe = frontend_settings(FRONTEND_CONF)
    fragment = {
        "vq02": {
            "architecture": "paraformer-streaming",
            "encoder": {"files": {"$graphFiles": GRAPH}, **onnx_encoder.describe_io(model)},
            "config": manifest_config(cfg),
            "checkpointTensors": len(state),
            "frontend": fe,
            "streaming": STREAMING,
            "cmvn": {"file": {"$file": "am.mvn"}, "dim": cfg.input_size},
            "codebook": {"file": {"$file": "linguistic_tokenizer.npy"}, "size": CODEBOOK_SIZE, "dim": cfg.output_size},
        },
        "vq06": {
            "architecture": "s3-tokenizer-v1",
            "standIn": stand_in,
            "files": [{"$file": "vq06.onnx"}],
            "inputs": {"$onnxIO": {"file": "vq06.onnx", "side": "inputs"}},
            "outputs": {"$onnxIO": {"file": "vq06.onnx", "side": "outputs"}},
            **VQ06,
        },
    }
    sources = {
        SOURCE: {"kind": "torch", "file": f"{FUNASR}/model.pt", "tensors": len(state), "prefix": PREFIX},
        "am.mvn": {"kind": "file", "file": f"{FUNASR}/am.mvn"},
        "codebook": {"kind": "file", "file": "linguistic_tokenizer.npy"},
        "s3": {"kind": "file", "file": "speech_tokenizer_v1.onnx"},
    }
    copies = [{"from": "am.mvn", "to": "am.mvn"}, {"from": "codebook", "to": "linguistic_tokenizer.npy"},
              {"from": "s3", "to": "vq06.onnx"}]
    tpl.write_template_set(out, template_id, description, sources, {}, [GRAPH], copies,
                           {"name": "step-audio-editx",
                            "description": "Step-Audio-EditX built from the published weights by Retake's pack builder",
                            "components": fragment},
                           {"folder": FOLDER, "exporter": tpl.exporter_fingerprint(GRAPH_SOURCES)})


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export tokenizer-template", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="the tiny test model's geometry (tokenizer --tiny-random)")
    ap.add_argument("--out", help=f"template folder (default {os.path.relpath(DEFAULT_OUT, REPO)})")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if a.tiny:
        if not a.out:
            ap.error("--out is required with --tiny")
        cfg, tid, desc = tiny_config(), "vq02-tiny", "The tiny random vq02 of the tests (tokenizer --tiny-random)"
    else:
        cfg, tid, desc = EncoderConfig(), "vq02-paraformer", "The vq02 encoder as published (EDITX-SPEC.md §4)"
    out = os.path.abspath(a.out or DEFAULT_OUT)
    print(f"vq02 template {tid} -> {out}", flush=True)
    try:
        write(cfg, out, tid, desc, lambda s: print(s, flush=True), stand_in=a.tiny)
    except (ExportError, tpl.TemplateError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
