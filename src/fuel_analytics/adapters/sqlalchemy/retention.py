"""Raw readings past their retention go by whole months; derived results never do.

MySQL/MariaDB: the month partitions entirely before ``keep_from`` are dropped (instant,
whatever their size) and the coming months are split off the catch-all partition. SQLite:
the same readings are deleted in chunks of :data:`DELETE_CHUNK`, each its own transaction,
so ingestion is never held up for long. Both: the stale marks (dirty_days) of the days
before ``keep_from`` are removed, so no recompute ever runs over readings that are gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, func, literal_column, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy import partitions
from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.tables import dirty_days, readings
from fuel_analytics.domain.errors import DomainError
from fuel_analytics.domain.retention import (
    MonthPartition,
    RetentionPlan,
    RetentionWindow,
    add_months,
    month_start,
    partition_name,
)

DELETE_CHUNK = 10_000


@contextmanager
def _errors() -> Iterator[None]:
    with storage_errors():
        try:
            yield
        except sa_exc.DBAPIError as error:
            if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
                raise
            raise DomainError(f"the database refused: {error.orig}") from error


def _plan(conn: Connection, window: RetentionWindow) -> RetentionPlan:
    keep_from = window.keep_from
    stale = 0
    if keep_from is not None:
        stale = conn.execute(
            select(func.count()).select_from(dirty_days).where(dirty_days.c.day < keep_from.date())
        ).scalar_one()
    if not partitions.is_mysql(conn):
        expired = 0
        if keep_from is not None:
            expired = conn.execute(
                select(func.count()).select_from(readings).where(readings.c.ts < keep_from)
            ).scalar_one()
        return RetentionPlan(keep_from, False, expired_readings=expired, expired_stale_days=stale)
    existing = partitions.partitions(conn)
    if not existing:
        raise DomainError(
            "the readings table is not partitioned on this MySQL database: "
            "run `fuel-analytics migrate` first"
        )
    drop = tuple(
        MonthPartition(p.name, p.below, partitions.count_in(conn, p.name))
        for p in existing
        if p.below is not None and keep_from is not None and p.below <= keep_from
    )
    return RetentionPlan(
        keep_from,
        True,
        drop=drop,
        add=_to_add(existing, window),
        expired_readings=sum(p.readings for p in drop),
        expired_stale_days=stale,
    )


def _to_add(
    existing: list[partitions.Partition], window: RetentionWindow
) -> tuple[MonthPartition, ...]:
    bounded = [p.below for p in existing if p.below is not None]
    last = max(bounded) if bounded else month_start(window.now)
    added: list[MonthPartition] = []
    below = add_months(last, 1)
    while below <= window.partitions_until:
        added.append(MonthPartition(partition_name(below), below))
        below = add_months(below, 1)
    return tuple(added)


def _change_partitions(conn: Connection, plan: RetentionPlan) -> None:
    """New months first (the catch-all is split while the old ones are still there),
    then the expired ones."""
    if plan.add:
        existing = partitions.partitions(conn)
        partitions.add_months_before(conn, existing, [p.below for p in plan.add])
    if plan.drop:
        partitions.drop(conn, [p.name for p in plan.drop])


class SqlReadingRetention:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def plan(self, window: RetentionWindow) -> RetentionPlan:
        with _errors():
            async with connect(self._engine) as conn:
                return await conn.run_sync(_plan, window)

    async def apply(self, plan: RetentionPlan) -> RetentionPlan:
        with _errors():
            if plan.partitioned:
                async with begin(self._engine) as conn:  # DDL: MySQL commits each at once
                    await conn.run_sync(_change_partitions, plan)
                deleted = plan.expired_readings
            else:
                deleted = await self._delete_readings(plan.keep_from)
            stale = await self._delete_stale_marks(plan.keep_from)
        return replace(plan, expired_readings=deleted, expired_stale_days=stale)

    async def _delete_readings(self, keep_from: datetime | None) -> int:
        if keep_from is None:
            return 0
        rowid: ColumnElement[int] = literal_column("rowid")
        chunk = select(rowid).select_from(readings).where(readings.c.ts < keep_from)
        statement = delete(readings).where(rowid.in_(chunk.limit(DELETE_CHUNK)))
        deleted = 0
        while True:
            async with begin(self._engine) as conn:
                done = (await conn.execute(statement)).rowcount
            deleted += done
            if done < DELETE_CHUNK:
                return deleted

    async def _delete_stale_marks(self, keep_from: datetime | None) -> int:
        if keep_from is None:
            return 0
        async with begin(self._engine) as conn:
            result = await conn.execute(
                delete(dirty_days).where(dirty_days.c.day < keep_from.date())
            )
        return result.rowcount
