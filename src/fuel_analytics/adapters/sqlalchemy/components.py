"""Component history buckets (hour and day)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.tables import component_buckets
from fuel_analytics.domain.components.buckets import DAY, HOUR, Bucket
from fuel_analytics.domain.model import TruckId

RESOLUTION = {HOUR: "hour", DAY: "day"}


class SqlComponentBuckets:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def replace(
        self,
        truck_id: TruckId,
        start: datetime,
        end: datetime,
        hourly: Sequence[Bucket],
        daily: Sequence[Bucket],
    ) -> None:
        table = component_buckets
        tagged = [(b, "hour") for b in hourly] + [(b, "day") for b in daily]
        rows = [
            {
                "truck_id": truck_id,
                "monitor_key": b.monitor_key,
                "resolution": resolution,
                "start": b.start,
                "count": b.count,
                "mean": b.mean,
                "min": b.min,
                "max": b.max,
                "p95": b.p95,
            }
            for b, resolution in tagged
        ]
        with storage_errors():
            async with begin(self._engine) as conn:
                await conn.execute(
                    delete(table).where(
                        table.c.truck_id == truck_id, table.c.start >= start, table.c.start < end
                    )
                )
                if rows:
                    await conn.execute(insert(table), rows)

    async def buckets(
        self,
        truck_ids: Collection[TruckId] | None,
        monitor_key: str | None,
        width: timedelta,
        start: datetime,
        end: datetime,
        limit: int | None = None,
    ) -> list[tuple[TruckId, Bucket]]:
        table = component_buckets
        query = select(table).where(
            table.c.resolution == RESOLUTION[width], table.c.start >= start, table.c.start < end
        )
        if truck_ids is not None:
            query = query.where(table.c.truck_id.in_(sorted(truck_ids)))
        if monitor_key is not None:
            query = query.where(table.c.monitor_key == monitor_key)
        query = query.order_by(table.c.truck_id, table.c.monitor_key, table.c.start)
        if limit is not None:
            query = query.limit(limit)
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = (r._mapping for r in await conn.execute(query))
                return [
                    (
                        TruckId(m["truck_id"]),
                        Bucket(
                            m["monitor_key"], m["start"], m["count"], m["mean"], m["min"],
                            m["max"], m["p95"],
                        ),
                    )
                    for m in rows
                ]  # fmt: skip
