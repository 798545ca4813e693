"""Connections whose checkout is bounded by the pool timeout, whatever the database does.

The pool's own timeout covers waiting for a free connection, but not a server that accepts
TCP and never answers (pre-ping or the handshake then wait forever). Bounding the whole
checkout keeps every request within POOL_TIMEOUT: it answers 503 instead of hanging.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fuel_analytics.adapters.sqlalchemy.instrument import (
    observe_checkout,
    observe_pool,
    pool_exhausted,
)
from fuel_analytics.domain.errors import StorageUnavailable

DEFAULT_CHECKOUT_TIMEOUT_S = 30.0


def checkout_timeout(engine: AsyncEngine) -> float:
    timeout = getattr(engine.pool, "timeout", None)
    return float(timeout()) if callable(timeout) else DEFAULT_CHECKOUT_TIMEOUT_S


@asynccontextmanager
async def connect(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    conn = engine.connect()
    waited = pool_exhausted(engine)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(checkout_timeout(engine)):
            await conn.start()
    except RuntimeError as error:
        # asyncmy, on a connection reset during its handshake ("Transport does not expose
        # socket instance"): the server is unreachable, not a bug of ours (503, not 500)
        raise StorageUnavailable(f"database unavailable: {error}") from error
    finally:
        observe_checkout(time.perf_counter() - started, waited=waited)
    try:
        yield conn
    finally:
        await conn.close()
        observe_pool(engine)  # now that the connection is back in the pool


@asynccontextmanager
async def begin(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with connect(engine) as conn, conn.begin():
        yield conn
