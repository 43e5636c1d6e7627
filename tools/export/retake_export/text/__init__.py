"""The text tokenizer: checks of the published tokenizer.model and the tiny test tokenizer."""
