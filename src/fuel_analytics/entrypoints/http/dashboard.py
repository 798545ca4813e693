"""The operator dashboard: static files shipped in the package, `index.html` served at `/`.

The page is plain ES modules that call the service's own API (and `/metrics`) from the
browser; nothing here computes anything. Not part of the API, so not in the OpenAPI document.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
REVALIDATE = {"cache-control": "no-cache"}  # an upgraded service never serves stale scripts


class _RevalidatedFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(REVALIDATE)
        return response


async def dashboard_index(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", headers=REVALIDATE)


def dashboard_routes() -> list[BaseRoute]:
    return [
        Route("/", dashboard_index, methods=["GET"], include_in_schema=False),
        Mount("/dashboard", app=_RevalidatedFiles(directory=STATIC_DIR), name="dashboard"),
    ]
