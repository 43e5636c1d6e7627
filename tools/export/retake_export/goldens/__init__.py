"""Generators of committed reference data (goldens) for the TypeScript tests."""
