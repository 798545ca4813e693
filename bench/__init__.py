"""Benchmarks and load tests (not part of `make test`; see the README)."""
