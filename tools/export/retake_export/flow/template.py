"""`flow-template`: the flow's graph templates (common/template.py) for the app's pack builder, with the speaker
encoder (the published campplus.onnx, copied and checked against its sha256).

  python3 -m retake_export flow-template [--out models/templates/flow-cosyvoice2]   the published geometry
  python3 -m retake_export flow-template --tiny --out DIR                          the tiny test model's geometry

The encoder, guided estimator and speaker graphs are exported exactly as `flow` exports them and traced back to the
checkpoint (`flow.pt`, 605 tensors: EDITX-SPEC.md §6) by common/traced_template.py.

The noise buffer: the reference draws one buffer of standard normal noise once per process (not reproducible), and
`flow` stores one drawn with torch's generator. The builder cannot run torch's generator bit for bit (its vectorised
Box-Muller), and committing a 9.6 MB buffer is not worth it, so the template asks the builder to generate the buffer:
`generated` in template.json, src-main/engines/editx/pack/build/noise.ts (seeded, standard normal, float32); the
manifest records its seed and generator. A built pack's noise therefore differs from the Python export's, as any two
draws of the reference do; the graphs are the same bit for bit.

The speaker encoder: the tiny template (tests) is made for a tiny published layout whose `campplus.onnx` is the
stand-in of the tiny pack, with that file's hash; the full one names the published file's sha256 and size. Its I/O
goes into the manifest from the file itself ($onnxIO).

Settings: the builder reads the published `cosyvoice.yaml` (HyperPyYAML) as `flow --checkpoint` does. Every size
baked into the graphs, and the CFG rate baked into the guided estimator, is an expectation of that file (YAML_EXPECT:
the keys and fallbacks of model.config_from_yaml), so a yaml that disagrees with the template is refused naming file
and key; the prompt mel (`mel_conf`, not baked) is taken from it into the manifest, with the spec's values where the
file has none (export.prompt_mel_settings). The Euler steps and time grid are not in the yaml (10, as `flow`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from typing import Any, Dict, List, Optional

import onnx
import torch

from ..common import template as tpl
from ..common import traced_template as traced
from ..common.errors import ExportError
from ..common.paths import REPO
from .export import CAMPPLUS, FLOW_RUNTIME, NOISE_SEED, export_graphs, manifest_config, prompt_mel_settings, settings
from .model import Flow, FlowConfig, init_random, tiny_config

DEFAULT_OUT = os.path.join(REPO, "models", "templates", "flow-cosyvoice2")
SOURCE = "flow"
FOLDER = "CosyVoice-300M-25Hz"
FLOW_FILE = f"{FOLDER}/flow.pt"
GRAPHS = {"encoder": "flow_encoder.onnx", "estimator": "flow_estimator.onnx", "speaker": "flow_speaker.onnx"}
NOISE_FILE = "flow_noise.f32"
NOISE_GENERATOR = "retake-normal-1"
GRAPH_SOURCES = ["flow/model.py", "flow/export.py", "flow/template.py", "common/onnx_export.py", "common/template.py",
                 "common/traced_template.py"]


def _model(cfg: FlowConfig, seed: int) -> Flow:
    flow = Flow(cfg)
    init_random(flow, seed)
    return traced.perturb(flow, seed).eval()


YAML_FILE = f"{FOLDER}/cosyvoice.yaml"

# (FlowConfig field, key path in cosyvoice.yaml, model.config_from_yaml's fallback when the key is absent; None: none)
YAML_EXPECT = [
    ("vocab_size", "flow.vocab_size", 5121), ("d_model", "flow.encoder.output_size", None),
    # config_from_yaml needs flow.input_size, and the encoder's input_size (flow.input_size when absent) to equal its
    # output_size: the graph's embed takes the encoder's width
    ("d_model", "flow.input_size", None), ("d_model", "flow.encoder.input_size", "d_model"),
    ("mel_bins", "flow.output_size", 80), ("spk_embed_dim", "flow.spk_embed_dim", 192),
    ("enc_heads", "flow.encoder.attention_heads", 4), ("enc_linear_units", "flow.encoder.linear_units", 2048),
    ("enc_blocks", "flow.encoder.num_blocks", 6), ("enc_up_blocks", "flow.encoder.num_up_blocks", 4),
    ("pre_lookahead", "flow.encoder.pre_lookahead_len", 3), ("up_stride", "flow.encoder.up_stride", 2),
    ("dit_hidden", "flow.decoder.estimator.hidden_size", 256), ("dit_depth", "flow.decoder.estimator.depth", 28),
    ("dit_heads", "flow.decoder.estimator.num_heads", 8), ("dit_head_dim", "flow.decoder.estimator.head_dim", 64),
    ("dit_mlp_ratio", "flow.decoder.estimator.mlp_ratio", 4.0),
    ("cfg_rate", "flow.decoder.inference_cfg_rate", 0.7),
]
# mel_conf keys of the manifest's promptMel (export.prompt_mel_settings: the spec's values where the yaml has none)
MEL_KEYS = {"sampleRate": "sampling_rate", "nFft": "n_fft", "hop": "hop_size", "win": "win_size", "melBins": "num_mels",
            "fmin": "fmin", "fmax": "fmax", "center": "center"}


def yaml_expectations(cfg: FlowConfig) -> List[Dict[str, Any]]:
    out = []
    for field, key, fallback in YAML_EXPECT:
        e: Dict[str, Any] = {"keys": [key], "value": getattr(cfg, field)}
        if fallback is not None:
            # a fallback named by a field is that field's expected value (flow.input_size, itself expected)
            e["default"] = getattr(cfg, fallback) if isinstance(fallback, str) else fallback
        out.append(e)
    return out


def prompt_mel_directives() -> Dict[str, Any]:
    spec = prompt_mel_settings(None)
    return {k: {"$json": {"source": "config", "key": f"mel_conf.{MEL_KEYS[k]}", "default": v}} for k, v in spec.items()}


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write(cfg: FlowConfig, out: str, template_id: str, description: str, log,
          campplus: Optional[Dict[str, Any]] = None, seed: int = 21) -> None:
    """Writes the template folder. `campplus`: the {sha256, bytes} the published-layout campplus.onnx must have
    (default: the published file's)."""
    os.makedirs(out, exist_ok=True)
    flow, other = _model(cfg, seed), _model(cfg, seed + 1)
    state = {k: v.detach().numpy() for k, v in flow.state_dict().items()}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        graphs = export_graphs(flow, a, lambda s: None)
        export_graphs(other, b, lambda s: None)
        read: List[str] = []
        for graph in GRAPHS.values():
            wmap = traced.graph_template(onnx.load(os.path.join(a, graph)), onnx.load(os.path.join(b, graph)), state,
                                         SOURCE, out, graph)
            read += traced.tensors_read([wmap])
            log(f"  {graph}: {len(wmap['initializers'])} weights, {wmap['dataBytes'] / 1e6:.2f} MB of data")
    unread = sorted(set(state) - set(read))
    if unread:
        raise ExportError(f"flow template: checkpoint tensors no graph reads: {', '.join(unread)}")
    known = campplus or {"sha256": CAMPPLUS["sha256"], "bytes": CAMPPLUS["bytes"]}
    # The values settings() derives from the config are expectations of cosyvoice.yaml, so the yaml holds them.
    flow_settings = settings(cfg, {})
    fragment = {
        "flow": {
            "architecture": "cosyvoice2-dit",
            "config": manifest_config(cfg),
            "graphs": {k: {**g, "files": {"$graphFiles": GRAPHS[k]}} for k, g in graphs.items()},
            "noise": {"file": {"$file": NOISE_FILE}, "dtype": "float32", "shape": [cfg.mel_bins, cfg.noise_frames],
                      "seed": NOISE_SEED, "generator": NOISE_GENERATOR},
            "settings": flow_settings,
            "promptMel": prompt_mel_directives(),
            "runtime": dict(FLOW_RUNTIME),
        },
        "speakerEncoder": {
            "kind": "campplus",
            "published": CAMPPLUS,
            "fbank": {"sampleRate": 16000, "melBins": 80, "window": "povey", "dither": 0, "meanSubtract": True},
            "standIn": campplus is not None,
            "files": [{"$file": "campplus.onnx"}],
            "inputs": {"$onnxIO": {"file": "campplus.onnx", "side": "inputs"}},
            "outputs": {"$onnxIO": {"file": "campplus.onnx", "side": "outputs"}},
        },
    }
    sources = {
        SOURCE: {"kind": "torch", "file": FLOW_FILE, "tensors": len(state)},
        "config": {"kind": "hyperyaml", "file": YAML_FILE, "expect": yaml_expectations(cfg)},
        "campplus": {"kind": "file", "file": f"{FOLDER}/campplus.onnx", "sha256": known["sha256"],
                     "bytes": known["bytes"]},
    }
    generated = [{"kind": "normalNoise", "to": NOISE_FILE, "shape": [cfg.mel_bins, cfg.noise_frames],
                  "seed": NOISE_SEED, "generator": NOISE_GENERATOR}]
    tpl.write_template_set(out, template_id, description, sources, {}, list(GRAPHS.values()),
                           [{"from": "campplus", "to": "campplus.onnx"}],
                           {"name": "step-audio-editx",
                            "description": "Step-Audio-EditX built from the published weights by Retake's pack builder",
                            "components": fragment},
                           {"generated": generated, "exporter": tpl.exporter_fingerprint(GRAPH_SOURCES)})


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export flow-template", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="the tiny test model's geometry (flow --tiny-random)")
    ap.add_argument("--campplus", help="with --tiny: the campplus.onnx of the tiny published layout")
    ap.add_argument("--out", help=f"template folder (default {os.path.relpath(DEFAULT_OUT, REPO)})")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    campplus = None
    if a.tiny:
        if not a.out or not a.campplus:
            ap.error("--tiny needs --out and --campplus")
        cfg, tid, desc = tiny_config(), "flow-tiny", "The tiny random flow of the tests (flow --tiny-random)"
        campplus = {"sha256": _sha256(a.campplus), "bytes": os.path.getsize(a.campplus)}
    else:
        cfg, tid, desc = FlowConfig(), "flow-cosyvoice2", "The flow as published with Step-Audio-EditX (EDITX-SPEC.md §6)"
    out = os.path.abspath(a.out or DEFAULT_OUT)
    print(f"flow template {tid} -> {out}", flush=True)
    try:
        write(cfg, out, tid, desc, lambda s: print(s, flush=True), campplus)
    except (ExportError, tpl.TemplateError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
