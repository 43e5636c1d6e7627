"""Reading a published torch state dict (`flow.pt`, `hift.pt`, or the same tensors as .safetensors) and checking it
against a model, name by name, with one error that lists every missing, unexpected and misshaped tensor."""

from __future__ import annotations

import os
from typing import Dict, List, Tuple

import torch

from .errors import ExportError
from .safetensors_io import SafetensorsFile


def read_state(path: str) -> Dict[str, torch.Tensor]:
    if not os.path.isfile(path):
        raise ExportError(f"{path}: no such file")
    if path.endswith(".safetensors"):
        with SafetensorsFile(path) as f:
            return {k: f.get(k) for k in f.keys()}
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a bad file for us
        raise ExportError(f"{path}: not a torch checkpoint ({e})") from e
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ExportError(f"{path}: expected a dict of tensors (a state dict)")
    return dict(obj)


def find_state(folder: str, stem: str) -> str:
    for ext in (".pt", ".safetensors"):
        p = os.path.join(folder, stem + ext)
        if os.path.isfile(p):
            return p
    raise ExportError(f"{folder}: neither {stem}.pt nor {stem}.safetensors")


def compare(what: str, have: Dict[str, torch.Tensor], want: Dict[str, Tuple[int, ...]]) -> None:
    """Raises ExportError naming every tensor `want` lacks in `have`, every extra one, and every shape mismatch."""
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    bad = sorted(k for k in set(want) & set(have) if tuple(have[k].shape) != tuple(want[k]))
    if not (missing or extra or bad):
        return
    lines: List[str] = [f"{what}: {len(have)} tensors, the model expects {len(want)}"]
    if missing:
        lines.append(f"missing ({len(missing)}): " + ", ".join(missing))
    if extra:
        lines.append(f"unexpected ({len(extra)}): " + ", ".join(extra))
    if bad:
        lines.append(f"wrong shape ({len(bad)}): " + ", ".join(
            f"{k} {list(have[k].shape)} (expected {list(want[k])})" for k in bad))
    raise ExportError("\n  ".join(lines))


def fold_weight_norm(state: Dict[str, torch.Tensor]) -> Tuple[Dict[str, torch.Tensor], str]:
    """Replaces weight-norm pairs by the weight they stand for, w = v · g / ‖v‖ (norm over every dim but 0, torch's
    default): `X.weight_g` + `X.weight_v` (torch.nn.utils.weight_norm) and `X.parametrizations.weight.original0` +
    `original1` (the parametrization API). Returns the new dict and which form was found."""
    out: Dict[str, torch.Tensor] = {}
    forms = set()
    for k, v in state.items():
        if k.endswith(".weight_v") or k.endswith(".parametrizations.weight.original1"):
            gk = k[: -len("_v")] + "_g" if k.endswith("_v") else k[: -len("1")] + "0"
            if gk not in state:
                raise ExportError(f"weight-norm tensor {k} has no partner {gk}")
            continue
        if k.endswith(".weight_g"):
            base, vk = k[: -len(".weight_g")], k[: -len("_g")] + "_v"
            forms.add("weight_g/weight_v")
        elif k.endswith(".parametrizations.weight.original0"):
            base = k[: -len(".parametrizations.weight.original0")]
            vk = base + ".parametrizations.weight.original1"
            forms.add("parametrizations")
        else:
            out[k] = v
            continue
        if vk not in state:
            raise ExportError(f"weight-norm tensor {k} has no partner {vk}")
        # torch's own kernel, in the stored dtype: the weight the reference computes on every forward, bit for bit
        out[base + ".weight"] = torch._weight_norm(state[vk], v, 0)
    return out, ("plain (weight norm removed)" if not forms else " + ".join(sorted(forms)))
