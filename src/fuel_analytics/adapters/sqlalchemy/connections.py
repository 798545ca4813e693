"""Connections whose checkout is bounded by the pool timeout, whatever the database does.

The pool's own timeout covers waiting for a free connection, but not a server that accepts
TCP and never answers (pre-ping or the handshake then wait forever). Bounding the whole
checkout keeps every request within POOL_TIMEOUT: it answers 503 instead of hanging.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

DEFAULT_CHECKOUT_TIMEOUT_S = 30.0


def checkout_timeout(engine: AsyncEngine) -> float:
    timeout = getattr(engine.pool, "timeout", None)
    return float(timeout()) if callable(timeout) else DEFAULT_CHECKOUT_TIMEOUT_S


@asynccontextmanager
async def connect(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    conn = engine.connect()
    async with asyncio.timeout(checkout_timeout(engine)):
        await conn.start()
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def begin(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with connect(engine) as conn, conn.begin():
        yield conn
