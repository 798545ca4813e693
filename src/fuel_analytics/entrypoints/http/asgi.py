"""The ASGI factory uvicorn imports (``--factory``), one app and container per worker."""

from __future__ import annotations

from starlette.applications import Starlette

from fuel_analytics.entrypoints.http.app import create_app


def create() -> Starlette:
    return create_app()
