"""`vocoder-template`: the HiFT vocoder's graph templates (common/template.py) for the app's pack builder.

  python3 -m retake_export vocoder-template [--out models/templates/hift-cosyvoice2]   the published geometry
  python3 -m retake_export vocoder-template --tiny --out DIR                            the tiny test model's geometry

The graphs are exported exactly as `vocoder` exports them (vocoder_component: the F0 predictor and the trunk) and
traced back to the checkpoint (`hift.pt` with weight norm removed: the 246 tensors of EDITX-SPEC.md §6) by
common/traced_template.py. The merge of the source module's sines (m_source.l_linear, 10 values) is read by the
builder into the manifest ($tensor directives).

The graphs are small (HiFT has ~21 M parameters), so the full-size template is an ordinary export; template.json
records the hash of the sources that shape the graphs (GRAPH_SOURCES), which tests/test_template.py checks.
Settings: the builder reads the published `cosyvoice.yaml` (HyperPyYAML) as `vocoder --checkpoint` does. Every size
baked into the graphs (and the harmonics count, the merge's shape) is an expectation of that file (YAML_EXPECT: the
keys and fallbacks of hift.config_from_yaml), so a yaml that disagrees with the template is refused naming file and
key; the values applied outside the graphs (sample rate, NSF amplitudes and threshold, audio limit) are taken from it
into the manifest, with config_from_yaml's fallbacks where the file has none (YAML_TAKE).
Not covered: the builder reads hift.pt only in the plain form (weight norm removed), not as weight_g/weight_v pairs.
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
from .export import vocoder_component
from .hift import Hift, HiftConfig, init_random, tiny_config

DEFAULT_OUT = os.path.join(REPO, "models", "templates", "hift-cosyvoice2")
SOURCE = "hift"
HIFT_FILE = "CosyVoice-300M-25Hz/hift.pt"
YAML_FILE = "CosyVoice-300M-25Hz/cosyvoice.yaml"
GRAPHS = {"f0": "hift_f0.onnx", "trunk": "hift_trunk.onnx"}
MERGE = "m_source.l_linear"
GRAPH_SOURCES = ["vocoder/hift.py", "vocoder/export.py", "vocoder/template.py", "common/onnx_export.py",
                 "common/template.py", "common/traced_template.py"]


# (HiftConfig field, key path in cosyvoice.yaml): baked into the graphs (the harmonics count into the merge's shape);
# the fallback when the key is absent is HiftConfig()'s, as config_from_yaml takes it.
YAML_EXPECT = [
    ("mel_bins", "hift.in_channels"), ("base_channels", "hift.base_channels"), ("nb_harmonics", "hift.nb_harmonics"),
    ("upsample_rates", "hift.upsample_rates"), ("upsample_kernel_sizes", "hift.upsample_kernel_sizes"),
    ("n_fft", "hift.istft_params.n_fft"), ("hop", "hift.istft_params.hop_len"),
    ("resblock_kernel_sizes", "hift.resblock_kernel_sizes"), ("resblock_dilation_sizes", "hift.resblock_dilation_sizes"),
    ("source_resblock_kernel_sizes", "hift.source_resblock_kernel_sizes"),
    ("source_resblock_dilation_sizes", "hift.source_resblock_dilation_sizes"), ("lrelu_slope", "hift.lrelu_slope"),
    ("f0_channels", "hift.f0_predictor.cond_channels"),
]
# Manifest values applied outside the graphs, read from cosyvoice.yaml: (path in the vocoder entry, field, key path).
YAML_TAKE = [
    (("sampleRate",), "sample_rate", "hift.sampling_rate"), (("source", "sineAmp"), "nsf_alpha", "hift.nsf_alpha"),
    (("source", "noiseStd"), "nsf_sigma", "hift.nsf_sigma"),
    (("source", "voicedThreshold"), "nsf_voiced_threshold", "hift.nsf_voiced_threshold"),
    (("audioLimit",), "audio_limit", "hift.audio_limit"),
]


def yaml_expectations(cfg: HiftConfig) -> List[Dict[str, Any]]:
    d = HiftConfig()
    return [{"keys": [key], "value": getattr(cfg, field), "default": getattr(d, field)} for field, key in YAML_EXPECT]


def _model(cfg: HiftConfig, seed: int) -> Hift:
    hift = Hift(cfg)
    init_random(hift, seed)
    return traced.perturb(hift, seed).eval()


def _export(hift: Hift, out: str) -> Dict[str, Any]:
    return vocoder_component(hift, out, False, lambda s: None)


def write(cfg: HiftConfig, out: str, template_id: str, description: str, log, seed: int = 11) -> Dict[str, Any]:
    """Writes the template folder; returns the vocoder component the Python export writes for the first model."""
    os.makedirs(out, exist_ok=True)
    hift, other = _model(cfg, seed), _model(cfg, seed + 1)
    state = {k: v.detach().numpy() for k, v in hift.checkpoint_state().items()}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        comp = _export(hift, a)
        _export(other, b)
        read: Dict[str, List[int]] = {}
        for graph in GRAPHS.values():
            wmap = traced.graph_template(onnx.load(os.path.join(a, graph)), onnx.load(os.path.join(b, graph)), state,
                                         SOURCE, out, graph)
            for e in wmap["initializers"]:
                read[e["from"]["tensors"][0]] = e["from"]["shapes"][0]
            log(f"  {graph}: {len(wmap['initializers'])} weights, {wmap['dataBytes'] / 1e6:.2f} MB of data")
    merge = {f"{MERGE}.weight": list(state[f"{MERGE}.weight"].shape), f"{MERGE}.bias": list(state[f"{MERGE}.bias"].shape)}
    unread = sorted(set(state) - set(read) - set(merge))
    if unread:
        raise ExportError(f"HiFT template: checkpoint tensors no graph or manifest reads: {', '.join(unread)}")
    fragment = dict(comp)
    fragment["graphs"] = {k: {**g, "files": {"$graphFiles": GRAPHS[k]}} for k, g in comp["graphs"].items()}
    fragment["source"] = {
        **comp["source"],
        "mergeWeight": {"$tensor": {"source": SOURCE, "name": f"{MERGE}.weight", "shape": merge[f"{MERGE}.weight"]}},
        "mergeBias": {"$tensor": {"source": SOURCE, "name": f"{MERGE}.bias", "shape": merge[f"{MERGE}.bias"],
                                  "scalar": True}},
    }
    d = HiftConfig()
    for path, field, key in YAML_TAKE:
        node = fragment
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = {"$json": {"source": "config", "key": key, "default": getattr(d, field)}}
    fragment["settingsFrom"] = "cosyvoice.yaml"
    sources = {SOURCE: {"kind": "torch", "file": HIFT_FILE, "tensors": len(state)},
               "config": {"kind": "hyperyaml", "file": YAML_FILE, "expect": yaml_expectations(cfg)}}
    tpl.write_template_set(out, template_id, description, sources, {}, list(GRAPHS.values()), [],
                           {"name": "step-audio-editx",
                            "description": "Step-Audio-EditX built from the published weights by Retake's pack builder",
                            "components": {"vocoder": fragment}},
                           {"exporter": tpl.exporter_fingerprint(GRAPH_SOURCES)})
    return comp


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export vocoder-template", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="the tiny test model's geometry (vocoder --tiny-random)")
    ap.add_argument("--out", help=f"template folder (default {os.path.relpath(DEFAULT_OUT, REPO)})")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if a.tiny:
        if not a.out:
            ap.error("--out is required with --tiny")
        cfg, tid, desc = tiny_config(), "hift-tiny", "The tiny random HiFT of the tests (vocoder --tiny-random)"
    else:
        cfg, tid, desc = HiftConfig(), "hift-cosyvoice2", "HiFT as published with Step-Audio-EditX (EDITX-SPEC.md §6)"
    out = os.path.abspath(a.out or DEFAULT_OUT)
    print(f"HiFT template {tid} -> {out}", flush=True)
    try:
        write(cfg, out, tid, desc, lambda s: print(s, flush=True))
    except (ExportError, tpl.TemplateError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
