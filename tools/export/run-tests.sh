#!/usr/bin/env bash
# Tests of the Python exporter package (tools/export/retake_export). Also (re)generates the tiny model pack the
# TypeScript tests read (test/fixtures/generated/tiny-pack), so run it before vitest on a fresh checkout.
#   bash tools/export/run-tests.sh              generate the tiny pack, then run the Python tests
#   bash tools/export/run-tests.sh --pack-only  only generate the tiny pack
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
if ! "$PY" -c "import torch, torchaudio, onnx, sentencepiece, numpy, yaml" 2>/dev/null; then
  echo "tools/export: $PY cannot import torch, torchaudio, onnx, sentencepiece, numpy and yaml." >&2
  echo "Install the Debian packages: sudo apt-get install python3-torch python3-torchaudio python3-onnx python3-sentencepiece python3-numpy python3-yaml" >&2
  exit 1
fi
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$PWD/tools/export"
"$PY" -m retake_export pack --quiet
echo "tools/export: tiny pack written to test/fixtures/generated/tiny-pack"
if [[ "${1:-}" == "--pack-only" ]]; then
  exit 0
fi
"$PY" -m unittest discover -s tools/export/tests -t tools/export
