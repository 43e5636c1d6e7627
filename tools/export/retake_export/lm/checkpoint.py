"""Loads the published Step1 checkpoint (bf16 safetensors, one file or shards + index) into tools/export/step1.py.

Tensor names of the published Step-Audio-EditX LM (Hugging Face layout, see step1.Step1):
  model.embed_tokens.weight                                   (vocab, hidden)
  model.layers.N.input_layernorm.weight                       (hidden,)
  model.layers.N.self_attn.{q,k,v,o}_proj.weight              (out, in)
  model.layers.N.post_attention_layernorm.weight              (hidden,)
  model.layers.N.mlp.{gate,up,down}_proj.weight               (out, in)
  model.norm.weight                                           (hidden,)
  lm_head.weight                                              (vocab, hidden)
Any missing, extra or misshaped tensor is an error that lists them all.

CLI: python3 load_checkpoint.py CHECKPOINT_DIR  (prints the config and checks every tensor name and shape).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from typing import Dict, List, Optional

import torch

from ..common.safetensors_io import SafetensorsFile
from .step1 import Step1, Step1Config, load_config_file


class CheckpointError(Exception):
    pass


def checkpoint_files(path: str) -> List[str]:
    """The safetensors files of a checkpoint: a single file, or a folder (with or without an index)."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise CheckpointError(f"{path} does not exist")
    index = os.path.join(path, "model.safetensors.index.json")
    if os.path.isfile(index):
        with open(index, "r", encoding="utf-8") as f:
            weight_map: Dict[str, str] = json.load(f)["weight_map"]
        files = sorted(set(weight_map.values()))
        missing = [f for f in files if not os.path.isfile(os.path.join(path, f))]
        if missing:
            raise CheckpointError(f"{path}: the index names shards that are not there: {', '.join(missing)}")
        return [os.path.join(path, f) for f in files]
    files = sorted(glob.glob(os.path.join(path, "*.safetensors")))
    if not files:
        raise CheckpointError(f"{path} holds no .safetensors file")
    return files


def config_for(path: str) -> Optional[Step1Config]:
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    cfg = os.path.join(folder, "config.json")
    return load_config_file(cfg) if os.path.isfile(cfg) else None


def check_tensors(found: Dict[str, tuple], expected: Dict[str, tuple], dupes: List[str], path: str,
                  cfg: Step1Config) -> None:
    """Raises CheckpointError naming every missing, extra, misshaped or duplicated tensor."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    misshaped = [
        f"{n}: checkpoint {list(found[n])}, model {list(expected[n])}"
        for n in sorted(set(found) & set(expected))
        if tuple(found[n]) != tuple(expected[n])
    ]
    problems = []
    if missing:
        problems.append(f"missing tensors ({len(missing)}): " + ", ".join(missing))
    if extra:
        problems.append(f"unexpected tensors ({len(extra)}): " + ", ".join(extra))
    if misshaped:
        problems.append("tensors with the wrong shape: " + "; ".join(misshaped))
    if dupes:
        problems.append("tensors stored twice: " + ", ".join(sorted(set(dupes))))
    if problems:
        raise CheckpointError(
            f"{path} does not match Step1 with {cfg.num_layers} layers, hidden {cfg.hidden_size}, "
            f"vocab {cfg.vocab_size}:\n  " + "\n  ".join(problems)
        )


class StreamedCheckpoint:
    """The checkpoint's tensors one at a time as float32 numpy arrays (as stored, (out, in)), checked against
    Step1 of `cfg` when opened: the int8/int4 export and its quality gate never hold the whole model."""

    def __init__(self, path: str, cfg: Step1Config):
        from .random_weights import checkpoint_shapes

        self.files = [SafetensorsFile(f) for f in checkpoint_files(path)]
        self.where: Dict[str, SafetensorsFile] = {}
        dupes: List[str] = []
        for f in self.files:
            for name in f.keys():
                if name in self.where:
                    dupes.append(name)
                self.where[name] = f
        try:
            check_tensors({n: tuple(f.shape(n)) for n, f in self.where.items()}, checkpoint_shapes(cfg), dupes, path, cfg)
        except CheckpointError:
            self.close()
            raise
        self._last: Optional[tuple] = None

    def tensor(self, name: str):
        if self._last is None or self._last[0] != name:
            self._last = (name, self.where[name].get(name).float().numpy())
        return self._last[1]

    def rows(self, name: str, start: int, stop: int):
        return self.tensor(name)[start:stop]

    def close(self) -> None:
        for f in self.files:
            f.close()


def load_into(model: Step1, path: str, dtype: Optional[torch.dtype] = None) -> Dict[str, str]:
    """Copies every checkpoint tensor into model (converted to the model's dtype, or to dtype when given).

    Returns {tensor name: stored dtype}. Raises CheckpointError naming every missing, extra or misshaped tensor.
    """
    files = [SafetensorsFile(f) for f in checkpoint_files(path)]
    try:
        expected = model.state_dict()
        found: Dict[str, SafetensorsFile] = {}
        dupes: List[str] = []
        for f in files:
            for name in f.keys():
                if name in found:
                    dupes.append(name)
                found[name] = f
        check_tensors({n: tuple(f.shape(n)) for n, f in found.items()},
                      {n: tuple(t.shape) for n, t in expected.items()}, dupes, path, model.cfg)
        params = dict(model.named_parameters())
        stored: Dict[str, str] = {}
        with torch.no_grad():
            for name in expected:
                f = found[name]
                t = f.get(name)
                stored[name] = f.dtype(name)
                target = params[name]
                target.copy_(t.to(dtype or target.dtype))
        return stored
    finally:
        for f in files:
            f.close()


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description="Check a Step1 checkpoint against the exporter's model definition.")
    ap.add_argument("checkpoint", help="folder with config.json and *.safetensors, or one .safetensors file")
    ap.add_argument("--config", help="Step1 config JSON (defaults to the checkpoint's config.json, else the spec's)")
    a = ap.parse_args(argv)
    cfg = load_config_file(a.config) if a.config else (config_for(a.checkpoint) or Step1Config())
    print(json.dumps(cfg.to_json(), indent=1))
    model = Step1(cfg, dtype=torch.bfloat16, skip_init=True)
    try:
        stored = load_into(model, a.checkpoint)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"ok: {len(stored)} tensors, dtypes {sorted(set(stored.values()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
