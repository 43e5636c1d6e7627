"""The audio tokenizer parts of a pack: vq02 (the Paraformer streaming encoder, run chunk by chunk, + codebook) and
vq06 (the S3 tokenizer ONNX, or a stand-in with its I/O for the tiny pack). See tools/export/README.md."""
