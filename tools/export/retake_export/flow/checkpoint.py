"""Loads the published flow (`flow.pt`: 605 tensors) and HiFT (`hift.pt`: 246 tensors once weight norm is folded)
into our models by name, with their configuration from the published `cosyvoice.yaml`.

A CosyVoice folder of the published model (`CosyVoice-300M-25Hz/` next to the LM) holds cosyvoice.yaml, flow.pt,
hift.pt and campplus.onnx; flow.safetensors / hift.safetensors are accepted in place of the .pt files."""

from __future__ import annotations

import os
from typing import Any, Dict, Tuple

import torch

from ..common import hyperyaml
from ..common.errors import ExportError
from ..common.torch_state import compare, find_state, fold_weight_norm, read_state
from ..vocoder.hift import Hift, HiftConfig
from ..vocoder.hift import config_from_yaml as hift_config_from_yaml
from .model import Flow, FlowConfig
from .model import config_from_yaml as flow_config_from_yaml

# Published tensor counts (EDITX-SPEC.md §6): a full-size model of ours must expect exactly these many.
PUBLISHED_FLOW_TENSORS = 605
PUBLISHED_HIFT_TENSORS = 246


def read_yaml(folder: str) -> Dict[str, Any]:
    path = os.path.join(folder, "cosyvoice.yaml")
    if not os.path.isfile(path):
        raise ExportError(f"{folder}: no cosyvoice.yaml (the published configuration of the flow and HiFT)")
    try:
        y = hyperyaml.load_file(path)
    except (ValueError, KeyError) as e:
        raise ExportError(f"{path}: {e}") from e
    for key in ("flow", "hift"):
        if key not in y:
            raise ExportError(f"{path}: no `{key}` entry")
    return y


def load_flow(folder: str, log=lambda s: None) -> Tuple[Flow, Dict[str, Any]]:
    y = read_yaml(folder)
    try:
        cfg = flow_config_from_yaml(y["flow"])
    except (KeyError, ValueError, TypeError) as e:
        raise ExportError(f"cosyvoice.yaml: flow: {e}") from e
    path = find_state(folder, "flow")
    state = {k: v.float() for k, v in read_state(path).items()}
    u = state.get("encoder.encoders.0.self_attn.pos_bias_u")
    if u is not None and u.dim() == 2 and u.shape[0] != cfg.enc_heads:
        # the spec: read the head count from the checkpoint; a config that disagrees is not the one it was trained with
        raise ExportError(f"{path}: pos_bias_u has {u.shape[0]} heads but cosyvoice.yaml says attention_heads "
                          f"{cfg.enc_heads}")
    model = Flow(cfg)
    compare(path, state, {k: tuple(v.shape) for k, v in model.state_dict().items()})
    model.load_state_dict(state, strict=True)
    log(f"  {os.path.basename(path)}: {len(state)} tensors")
    return model.eval(), y


def load_hift(folder: str, log=lambda s: None) -> Tuple[Hift, Dict[str, Any]]:
    y = read_yaml(folder)
    try:
        cfg = hift_config_from_yaml(y["hift"])
    except (KeyError, ValueError, TypeError) as e:
        raise ExportError(f"cosyvoice.yaml: hift: {e}") from e
    path = find_state(folder, "hift")
    raw = read_state(path)
    state, form = fold_weight_norm({k: v.float() for k, v in raw.items()})
    model = Hift(cfg)
    compare(f"{path} ({len(raw)} tensors stored, weight norm: {form}; after folding)", state, {k: tuple(v.shape) for k, v in model.checkpoint_state().items()})
    model.load_checkpoint_state(state)
    log(f"  {os.path.basename(path)}: {len(raw)} tensors, weight norm {form}")
    return model.eval(), y


def expected_counts(flow_cfg: FlowConfig, hift_cfg: HiftConfig) -> Tuple[int, int]:
    return len(Flow(flow_cfg).state_dict()), len(Hift(hift_cfg).checkpoint_state())
