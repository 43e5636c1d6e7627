"""The Step1 language model: torch definition from EDITX-SPEC.md §5, checkpoint loader, ONNX export with KV cache."""
