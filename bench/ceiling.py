"""The two bare ceilings `make bench` compares the service with (issue 7).

    CEILING_DATABASE_URL=mysql+asyncmy://user:pass@host:3306/db \
    CEILING_POOL_MIN=5 CEILING_POOL_MAX=20 \
    .venv/bin/python -m uvicorn bench.ceiling:create --factory --workers 1 --port 8042

- ``GET /constant``: a constant JSON object, no I/O (the HTTP stack's ceiling).
- ``GET /one-query/{truck_id}``: one primary-key SELECT on ``truck_latest`` through an asyncmy
  pool (the same pool size as the service's), the row as JSON (404 when absent).

Bare Starlette under uvicorn, nothing else: no middleware, no DI, no validation.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncmy
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CONSTANT = {"status": "ok", "service": "ceiling", "version": 1}
ONE_QUERY = "SELECT truck_id, ts, sensors, updated_at FROM truck_latest WHERE truck_id = %s"


def _pool_args(url: str) -> dict[str, Any]:
    parts = urlsplit(url.replace("mysql+asyncmy://", "mysql://"))
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "db": parts.path.lstrip("/"),
        "autocommit": True,
    }


def create() -> Starlette:
    pool: Any = None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncmy.create_pool(
            minsize=int(os.environ.get("CEILING_POOL_MIN", "5")),
            maxsize=int(os.environ.get("CEILING_POOL_MAX", "20")),
            **_pool_args(os.environ["CEILING_DATABASE_URL"]),
        )
        try:
            yield
        finally:
            pool.close()
            await pool.wait_closed()

    async def constant(request: Request) -> Response:
        return JSONResponse(CONSTANT)

    async def one_query(request: Request) -> Response:
        async with pool.acquire() as conn, conn.cursor() as cursor:
            await cursor.execute(ONE_QUERY, (request.path_params["truck_id"],))
            row = await cursor.fetchone()
        if row is None:
            return JSONResponse({"status": 404}, status_code=404)
        truck_id, ts, sensors, updated_at = row
        return JSONResponse(
            {
                "truck_id": truck_id,
                "ts": ts.isoformat() if ts else None,
                "sensors": sensors,
                "updated_at": updated_at.isoformat(),
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/constant", constant),
            Route("/one-query/{truck_id}", one_query),
            Route("/health", health),
        ],
        lifespan=lifespan,
    )
