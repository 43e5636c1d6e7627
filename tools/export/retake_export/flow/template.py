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

Not covered: the builder takes the flow's settings (CFG rate, steps, prompt mel) from the template, which holds
EDITX-SPEC.md's values, without reading the published cosyvoice.yaml.
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
    flow_settings = settings(cfg, None)
    flow_settings["settingsFrom"] = f"the graph template {template_id} (EDITX-SPEC.md §6 values; cosyvoice.yaml not read)"
    fragment = {
        "flow": {
            "architecture": "cosyvoice2-dit",
            "config": manifest_config(cfg),
            "graphs": {k: {**g, "files": {"$graphFiles": GRAPHS[k]}} for k, g in graphs.items()},
            "noise": {"file": {"$file": NOISE_FILE}, "dtype": "float32", "shape": [cfg.mel_bins, cfg.noise_frames],
                      "seed": NOISE_SEED, "generator": NOISE_GENERATOR},
            "settings": flow_settings,
            "promptMel": prompt_mel_settings(None),
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
