"""Shared by every part of the exporter: the error type, the pack manifest writer, checkpoint readers, paths."""
