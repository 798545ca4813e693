"""The one place engines are made: pool sizing, pre-ping, recycle, SQLite pragmas."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from fuel_analytics.domain.model import PoolStats


@dataclass(frozen=True, slots=True)
class PoolConfig:
    size: int = 5
    max: int = 20
    timeout_s: float = 10.0
    recycle_s: int = 3600
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, pool: PoolConfig) -> AsyncEngine:
    """An async engine for ``mysql+asyncmy://`` or ``sqlite+aiosqlite://`` URLs, its
    statements and pool measured (``fuel_db_*`` metrics)."""
    from fuel_analytics.adapters.sqlalchemy.instrument import instrument  # uses pool_stats

    engine = _create_engine(url, pool)
    instrument(engine)
    return engine


def _create_engine(url: str, pool: PoolConfig) -> AsyncEngine:
    """In-memory SQLite must share one connection (StaticPool), which takes no pool sizes:
    hence the branch."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or "mode=memory" in url:
            engine = create_async_engine(
                url, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            engine = create_async_engine(
                url,
                pool_size=pool.size,
                max_overflow=max(0, pool.max - pool.size),
                pool_timeout=pool.timeout_s,
                pool_pre_ping=True,
                connect_args={"timeout": pool.timeout_s},
            )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # asyncmy logs every server warning at WARNING level; the only ones our statements raise
    # are the expected duplicate keys of idempotent ingestion (INSERT IGNORE) and alembic's
    # note on its version table's key name. Errors still raise as exceptions.
    logging.getLogger("asyncmy").setLevel(logging.ERROR)
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return create_async_engine(
        parsed,
        pool_size=pool.size,
        max_overflow=max(0, pool.max - pool.size),
        pool_timeout=pool.timeout_s,
        pool_recycle=pool.recycle_s,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": max(1, round(pool.connect_timeout_s)),
            # a query that gets no bytes from the server for this long fails instead of hanging
            "read_timeout": pool.read_timeout_s,
        },
    )


def pool_stats(engine: AsyncEngine) -> PoolStats:
    """Size, checked in/out and overflow of a queue pool (a fresh pool reports
    overflow as -size: clamped to 0)."""
    pool: Any = engine.pool
    if not hasattr(pool, "checkedout"):
        return PoolStats(size=1, checked_in=0, checked_out=0, overflow=0, max=1)
    size = int(pool.size())
    return PoolStats(
        size=size,
        checked_in=int(pool.checkedin()),
        checked_out=int(pool.checkedout()),
        overflow=max(0, int(pool.overflow())),
        max=size + int(getattr(pool, "_max_overflow", 0)),
    )
