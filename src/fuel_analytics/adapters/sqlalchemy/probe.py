"""Is the database there, how fast does it answer, and is its schema the code's?"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.metrics import DB_UP
from fuel_analytics.adapters.sqlalchemy.connections import connect
from fuel_analytics.adapters.sqlalchemy.engine import pool_stats
from fuel_analytics.adapters.sqlalchemy.instrument import observe_pool, pool_exhausted
from fuel_analytics.adapters.sqlalchemy.schema import current_revision, head_revision
from fuel_analytics.domain.model import DatabaseHealth


class SqlDatabaseProbe:
    def __init__(self, engine: AsyncEngine, timeout_s: float) -> None:
        self._engine = engine
        self._timeout_s = timeout_s

    async def check(self) -> DatabaseHealth:
        head = head_revision()
        # Every connection in use (slow queries, a burst): wait a moment for one, not the
        # whole pool timeout, so that /health answers promptly (503, the pool exhausted).
        exhausted = pool_exhausted(self._engine)
        timeout_s = min(self._timeout_s, EXHAUSTED_WAIT_S) if exhausted else self._timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                started = time.perf_counter()
                async with connect(self._engine) as conn:
                    await conn.execute(text("SELECT 1"))
                    elapsed_ms = (time.perf_counter() - started) * 1000.0
                    revision = await conn.run_sync(current_revision)
        except Exception as error:
            return DatabaseHealth(
                reachable=False,
                round_trip_ms=None,
                schema_version=None,
                expected_schema_version=head,
                pool=pool_stats(self._engine),
                error=_describe(error, exhausted=exhausted, waited_s=timeout_s),
            )
        return DatabaseHealth(
            reachable=True,
            round_trip_ms=round(elapsed_ms, 3),
            schema_version=revision,
            expected_schema_version=head,
            pool=pool_stats(self._engine),
        )


UP_CHECK_TIMEOUT_S = 2.0
EXHAUSTED_WAIT_S = 0.5


async def observe_database(engine: AsyncEngine, timeout_s: float = UP_CHECK_TIMEOUT_S) -> bool:
    """``fuel_db_up``: did the database answer SELECT 1 within ``timeout_s`` (short, so that a
    scrape never waits out the whole pool timeout)? Refreshes the pool gauges too."""
    try:
        async with asyncio.timeout(timeout_s), connect(engine) as conn:
            await conn.execute(text("SELECT 1"))
        up = True
    except Exception:
        up = False
    DB_UP.set(1 if up else 0)
    observe_pool(engine)
    return up


def _describe(error: BaseException, *, exhausted: bool = False, waited_s: float = 0.0) -> str:
    """The driver's own message, without SQL text or parameters."""
    if isinstance(error, TimeoutError) and exhausted:
        return f"pool exhausted: no connection free within {waited_s:g} s"
    if isinstance(error, TimeoutError):
        return f"no answer within the pool timeout ({type(error).__name__})"
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {cause}"[:300]
