"""`tokenizer-template`: the vq02 encoder's graph template (common/template.py) for the app's pack builder, with the
files the tokenizers use as published: am.mvn, linguistic_tokenizer.npy (the codebook) and speech_tokenizer_v1.onnx
(vq06, the S3 tokenizer, copied; its I/O read from the file).

  python3 -m retake_export tokenizer-template [--out models/templates/vq02-paraformer]   the published geometry
  python3 -m retake_export tokenizer-template --tiny --out DIR                          the tiny test model's geometry

The chunk-step graph is exported exactly as `tokenizer` exports it (onnx_encoder.export) and traced back to the
checkpoint (the FunASR Paraformer's model.pt: its 652 `encoder.` tensors, EDITX-SPEC.md §4; the decoder and predictor
tensors beside them are not read) by common/traced_template.py. Sources are paths inside the published
Step-Audio-Tokenizer folder (template.json `folder`).

Settings: the builder reads the Paraformer's config.yaml as `tokenizer --from` does (export.read_config): the encoder
sizes baked into the graph, the encoder kind and the front end the runtime implements are expectations of it
(CONFIG_EXPECT, with read_config's fallbacks), so a file that disagrees is refused naming the key; the LFR step and
the reference dither (not baked) go into the manifest from it. The streaming settings are the spec's (not in the file).

Not covered: the codebook's shape and am.mvn's size are not checked against the graph here (the engine's loader does,
when the pack is first used).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any, Dict, List

import onnx
import torch

from ..common import template as tpl
from ..common import traced_template as traced
from ..common.errors import ExportError
from ..common.paths import REPO
from . import onnx_encoder
from .export import CODEBOOK_SIZE, KALDI_DEFAULT_DITHER, STREAMING, VQ06, frontend_settings, manifest_config
from .paraformer import PREFIX, EncoderConfig, ParaformerEncoder, init_random, tiny_config

DEFAULT_OUT = os.path.join(REPO, "models", "templates", "vq02-paraformer")
SOURCE = "vq02"
FOLDER = "Step-Audio-Tokenizer"
FUNASR = "dengcunqin/speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online"
GRAPH = "vq02.onnx"
# The published config.yaml's frontend_conf (EDITX-SPEC.md §4): Kaldi fbank, 80 bins, LFR 7/6.
FRONTEND_CONF = {"fs": 16000, "window": "hamming", "n_mels": 80, "frame_length": 25, "frame_shift": 10, "lfr_m": 7,
                 "lfr_n": 6}
# (EncoderConfig field or a fixed value, key path in config.yaml, export.read_config's fallback; None: none)
CONFIG_EXPECT = [
    ("=SANMEncoderChunkOpt", "encoder", None),
    ("output_size", "encoder_conf.output_size", 256), ("attention_heads", "encoder_conf.attention_heads", 4),
    ("linear_units", "encoder_conf.linear_units", 2048), ("num_blocks", "encoder_conf.num_blocks", 6),
    ("kernel_size", "encoder_conf.kernel_size", 11), ("sanm_shift", "encoder_conf.sanm_shfit", 0),
    ("=pe_online", "encoder_conf.input_layer", "pe_online"), ("=sanm", "encoder_conf.selfattention_layer_type", "sanm"),
    ("=True", "encoder_conf.normalize_before", True),
    # export.check_frontend: the front end the runtime implements; LFR m × mel bins is the graph's input size
    ("=16000", "frontend_conf.fs", 16000), ("=80", "frontend_conf.n_mels", 80), ("=25", "frontend_conf.frame_length", 25),
    ("=10", "frontend_conf.frame_shift", 10), ("=hamming", "frontend_conf.window", "hamming"),
    ("lfr_m", "frontend_conf.lfr_m", 1),
]
GRAPH_SOURCES = ["tokenizer/paraformer.py", "tokenizer/onnx_encoder.py", "tokenizer/template.py",
                 "common/template.py", "common/traced_template.py"]


def config_expectations(cfg: EncoderConfig) -> List[Dict[str, Any]]:
    out = []
    for field, key, fallback in CONFIG_EXPECT:
        if field == "lfr_m":
            value: Any = cfg.input_size // FRONTEND_CONF["n_mels"]
        elif field.startswith("="):
            value = {"True": True}.get(field[1:], int(field[1:]) if field[1:].isdigit() else field[1:])
        else:
            value = getattr(cfg, field)
        e: Dict[str, Any] = {"keys": [key], "value": value}
        if fallback is not None:
            e["default"] = fallback
        out.append(e)
    return out


def frontend_directives() -> Dict[str, Any]:
    """export.frontend_settings(frontend_conf): fixed values are expectations; LFR n and the dither come from the file."""
    fe = frontend_settings(FRONTEND_CONF)
    fe["lfrN"] = {"$json": {"source": "config", "key": "frontend_conf.lfr_n", "default": 1}}
    fe["referenceDither"] = {"$json": {"source": "config", "key": "frontend_conf.dither", "default": KALDI_DEFAULT_DITHER}}
    return fe


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
    fe = frontend_directives()
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
        "config": {"kind": "hyperyaml", "file": f"{FUNASR}/config.yaml", "expect": config_expectations(cfg)},
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
