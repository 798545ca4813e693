"""The stale truck-days queue (written by ingestion, drained by the recompute)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.tables import dirty_days
from fuel_analytics.domain.model import DirtyDay, TruckId

COLUMNS = (dirty_days.c.truck_id, dirty_days.c.day, dirty_days.c.version)


class SqlDirtyDays:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def oldest(self, limit: int) -> list[DirtyDay]:
        query = (
            select(*COLUMNS).order_by(dirty_days.c.marked_at, dirty_days.c.truck_id).limit(limit)
        )
        return await self._fetch(query)

    async def pending(
        self, truck_ids: Collection[TruckId] | None, start: date, end: date
    ) -> list[DirtyDay]:
        query = select(*COLUMNS).where(dirty_days.c.day >= start, dirty_days.c.day < end)
        if truck_ids is not None:
            query = query.where(dirty_days.c.truck_id.in_(sorted(truck_ids)))
        return await self._fetch(query.order_by(dirty_days.c.truck_id, dirty_days.c.day))

    async def _fetch(self, query: Select[Any]) -> list[DirtyDay]:
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = await conn.execute(query)
                return [DirtyDay(TruckId(r.truck_id), r.day, int(r.version)) for r in rows]

    async def clear(self, days: Sequence[DirtyDay]) -> int:
        if not days:
            return 0
        removed = 0
        with storage_errors():
            async with begin(self._engine) as conn:
                for item in days:
                    result = await conn.execute(
                        delete(dirty_days).where(
                            and_(
                                dirty_days.c.truck_id == item.truck_id,
                                dirty_days.c.day == item.day,
                                dirty_days.c.version == item.version,
                            )
                        )
                    )
                    removed += result.rowcount
        return removed
