"""Retake's model exporter: turns the published Step-Audio-EditX checkpoints into a model pack (ONNX graphs +
manifest.json) and builds the tiny random-weight pack the tests use. One entry point:

    PYTHONPATH=tools/export /usr/bin/python3 -m retake_export COMMAND ...

Sub-packages: common (errors, manifest, checkpoint readers, paths), lm (Step1), text (text tokenizer), and one per
model part as it lands; goldens/ holds the generators of committed reference data.
"""
