"""Async fleet fuel analytics service."""

__version__ = "0.1.0"
