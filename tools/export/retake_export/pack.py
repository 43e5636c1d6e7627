"""`python3 -m retake_export pack [DIR]`: the tiny random-weight pack in one command — every part the exporter
knows, each with its torch reference outputs — for tests, benchmarks and checks. Default DIR:
test/fixtures/generated/tiny-pack."""

from __future__ import annotations

import argparse
import os
import sys
from typing import List

import torch

from .common.errors import ExportError
from .common.paths import DEFAULT_TINY_PACK
from . import pack_build_fixtures
from .lm import export as lm_export

# The parts in build order: each adds its component(s) to the pack's manifest.
PARTS = [
    ("lm", lambda out, seed, log: lm_export.run_tiny(out, seed, 32, log)),
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
