"""Readings streamed from a server-side cursor, for exports of any size."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import checkout_timeout
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.tables import readings
from fuel_analytics.domain.model import TruckId


class SqlReadingRows:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def stream(
        self,
        truck_ids: Collection[TruckId] | None,
        start: datetime,
        end: datetime,
        columns: Sequence[str],
        batch: int,
    ) -> AsyncIterator[Sequence[tuple[Any, ...]]]:
        query = select(*(readings.c[name] for name in columns)).where(
            readings.c.ts >= start, readings.c.ts < end
        )
        if truck_ids is not None:
            query = query.where(readings.c.truck_id.in_(sorted(truck_ids)))
        query = query.order_by(readings.c.truck_id, readings.c.ts)
        with storage_errors():
            conn = self._engine.connect()
            async with asyncio.timeout(checkout_timeout(self._engine)):
                await conn.start()
            finished = False
            try:
                result = await conn.stream(query.execution_options(yield_per=batch))
                async for part in result.partitions(batch):
                    yield [tuple(row) for row in part]
                finished = True
            finally:
                if not finished:
                    # a client that went away mid-export: MySQL would make us read the rest
                    # of the result set to reuse the connection, so it is dropped instead
                    await conn.invalidate()
                await conn.close()
