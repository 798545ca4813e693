"""The truck registry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.dialect import insert_if_absent
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.mapping import row_to_truck, truck_to_row
from fuel_analytics.adapters.sqlalchemy.tables import trucks
from fuel_analytics.domain.model import Page, Truck, TruckId


class SqlTrucks:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, truck_id: TruckId) -> Truck | None:
        with storage_errors():
            async with connect(self._engine) as conn:
                row = (
                    await conn.execute(select(trucks).where(trucks.c.truck_id == truck_id))
                ).first()
        return None if row is None else row_to_truck(row._mapping)

    async def page(self, offset: int, limit: int) -> Page[Truck]:
        with storage_errors():
            async with connect(self._engine) as conn:
                total = int(
                    (await conn.execute(select(func.count()).select_from(trucks))).scalar_one()
                )
                rows = await conn.execute(
                    select(trucks).order_by(trucks.c.truck_id).offset(offset).limit(limit)
                )
                items = tuple(row_to_truck(row._mapping) for row in rows)
        return Page(items=items, total=total, offset=offset, limit=limit)

    async def all(self) -> list[Truck]:
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = await conn.execute(select(trucks).order_by(trucks.c.truck_id))
                return [row_to_truck(row._mapping) for row in rows]

    async def existing(self, truck_ids: Iterable[TruckId]) -> set[TruckId]:
        wanted = sorted(set(truck_ids))
        if not wanted:
            return set()
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = await conn.execute(
                    select(trucks.c.truck_id).where(trucks.c.truck_id.in_(wanted))
                )
                return {TruckId(row.truck_id) for row in rows}

    async def save(self, truck: Truck) -> Truck:
        now = datetime.now(UTC)
        row = truck_to_row(truck)
        with storage_errors():
            async with begin(self._engine) as conn:
                await conn.execute(
                    insert_if_absent(conn, trucks, "truck_id"),
                    [{**row, "created_at": now, "updated_at": now}],
                )
                values = {k: v for k, v in row.items() if k != "truck_id"}
                await conn.execute(
                    update(trucks)
                    .where(trucks.c.truck_id == truck.truck_id)
                    .values(**values, updated_at=now)
                )
                stored = (
                    await conn.execute(select(trucks).where(trucks.c.truck_id == truck.truck_id))
                ).one()
        return row_to_truck(stored._mapping)
