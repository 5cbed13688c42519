"""Benchmarks and quality evaluation (not shipped in the package)."""
