"""Database metrics from the engine: statement round trips, pool occupancy, checkout waits.

Pool gauges are written by each process when its pool changes (a checkout, a connection
returned through :func:`connections.connect`) and at each scrape, never computed at scrape
time alone: with several workers the scrape is answered by one of them, which cannot see the
others' pools.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.metrics import (
    DB_POOL_CHECKED_OUT,
    DB_POOL_MAX,
    DB_POOL_OVERFLOW,
    DB_POOL_SIZE,
    DB_POOL_WAIT,
    DB_POOL_WAITS,
    DB_QUERY,
)
from fuel_analytics.adapters.sqlalchemy.engine import pool_stats

_STARTED = "fuel_query_started"


def _before_cursor_execute(conn: Any, *args: Any) -> None:
    conn.info[_STARTED] = time.perf_counter()


def _after_cursor_execute(conn: Any, *args: Any) -> None:
    started = conn.info.pop(_STARTED, None)
    if started is not None:
        DB_QUERY.observe(time.perf_counter() - started)


def instrument(engine: AsyncEngine) -> None:
    """Time every statement and keep the pool gauges current (once per engine)."""
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", _before_cursor_execute)
    event.listen(sync_engine, "after_cursor_execute", _after_cursor_execute)
    # at checkout the pool's counts are already up to date; at checkin they are not yet
    # (the event fires before the connection is back), hence observe_pool after a release
    event.listen(sync_engine, "checkout", lambda *_: observe_pool(engine))
    observe_pool(engine)


def observe_pool(engine: AsyncEngine) -> None:
    stats = pool_stats(engine)
    DB_POOL_SIZE.set(stats.size)
    DB_POOL_MAX.set(stats.max)
    DB_POOL_CHECKED_OUT.set(stats.checked_out)
    DB_POOL_OVERFLOW.set(stats.overflow)


def pool_exhausted(engine: AsyncEngine) -> bool:
    """Whether a checkout now has to wait for a connection to come back."""
    stats = pool_stats(engine)
    return stats.checked_out >= stats.max


def observe_checkout(seconds: float, *, waited: bool) -> None:
    DB_POOL_WAIT.observe(seconds)
    if waited:
        DB_POOL_WAITS.inc()
