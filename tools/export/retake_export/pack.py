"""`python3 -m retake_export pack [DIR]`: the tiny random-weight pack in one command — every part the exporter
knows, each with its torch reference outputs — for tests, benchmarks and checks. Default DIR:
test/fixtures/generated/tiny-pack."""

from __future__ import annotations

import argparse
import os
import sys
from typing import List

import torch

from . import pack_build_fixtures
from .common.errors import ExportError
from .common.paths import DEFAULT_TINY_PACK, REPO
from .flow import export as flow_export
from .flow import reference as decoder_reference
from .lm import export as lm_export
from .tokenizer import export as tokenizer_export
from .vocoder import export as vocoder_export

# Upstream decoder goldens (retake_export/goldens/upstream_decoder.py): their weights become a pack of their own in
# DIR/upstream-decoder, exported through the same loaders as the published checkpoint.
UPSTREAM_DECODER = os.path.join(REPO, "test", "fixtures", "editx", "upstream", "decoder")


def _decoder_reference(out: str, seed: int, log) -> None:
    decoder_reference.write(out, flow_export.tiny_model(seed), vocoder_export.tiny_model(seed))
    log("  reference/decoder-reference.safetensors")


def _upstream_decoder(out: str, seed: int, log) -> None:
    sub = os.path.join(out, "upstream-decoder")
    name = "upstream-decoder-golden"
    flow_export.run_checkpoint(UPSTREAM_DECODER, sub, os.path.join(UPSTREAM_DECODER, "golden.safetensors"), log,
                               standin_speaker=True, name=name)
    vocoder_export.run_checkpoint(UPSTREAM_DECODER, sub, log, name=name)


# The parts in build order: each adds its component(s) to the pack's manifest.
PARTS = [
    ("lm", lambda out, seed, log: lm_export.run_tiny(out, seed, 32, log)),
    ("tokenizer", lambda out, seed, log: tokenizer_export.run_tiny(out, seed, log)),
    ("flow", flow_export.run_tiny),
    ("vocoder", vocoder_export.run_tiny),
    ("decoder reference", _decoder_reference),
    ("upstream decoder goldens", _upstream_decoder),
    ("pack builder fixtures", pack_build_fixtures.write),
]


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export pack", description=__doc__)
    ap.add_argument("out", nargs="?", help="pack folder")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    log = (lambda s: None) if a.quiet else (lambda s: print(s, flush=True))
    out = os.path.abspath(a.out or DEFAULT_TINY_PACK)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    try:
        for name, build in PARTS:
            log(f"tiny pack: {name} -> {out}")
            build(out, a.seed, log)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
