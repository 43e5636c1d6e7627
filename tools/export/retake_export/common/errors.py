"""The error every export check raises: main() prints its message and exits 1 (nothing is half-written for it)."""


class ExportError(Exception):
    pass
