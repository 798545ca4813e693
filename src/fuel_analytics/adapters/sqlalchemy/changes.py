"""Per-truck change stamps for the caches of services/fresh.py (port ``FleetChanges``).

A stamp is what the row's writer changes on every write: ``updated_at`` of the registry and
of the latest-state row (set by every write, to the microsecond), the derived-results
version (bumped after every recompute of the truck). The caches compare stamps for
equality, never order, so clocks that differ between workers or hosts do not matter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.dialect import insert_or_bump
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.mapping import row_to_latest, row_to_truck
from fuel_analytics.adapters.sqlalchemy.tables import derived_versions, truck_latest, trucks
from fuel_analytics.domain.model import LatestState, Truck, TruckId

CHUNK = 500  # ids per IN list


def _chunks(ids: Sequence[TruckId]) -> Iterator[Sequence[TruckId]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


class SqlFleetChanges:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def fleet_stamps(self) -> tuple[dict[TruckId, object], dict[TruckId, object]]:
        with storage_errors():
            async with connect(self._engine) as conn:
                registry = await conn.execute(select(trucks.c.truck_id, trucks.c.updated_at))
                registry_stamps = {TruckId(t): stamp for t, stamp in registry}
                latest = await conn.execute(
                    select(truck_latest.c.truck_id, truck_latest.c.updated_at)
                )
                return registry_stamps, {TruckId(t): stamp for t, stamp in latest}

    async def trucks_of(self, truck_ids: Sequence[TruckId]) -> list[Truck]:
        found: list[Truck] = []
        with storage_errors():
            async with connect(self._engine) as conn:
                for part in _chunks(truck_ids):
                    rows = await conn.execute(select(trucks).where(trucks.c.truck_id.in_(part)))
                    found += (row_to_truck(row._mapping) for row in rows)
        return found

    async def latest_of(self, truck_ids: Sequence[TruckId]) -> list[LatestState]:
        found: list[LatestState] = []
        with storage_errors():
            async with connect(self._engine) as conn:
                for part in _chunks(truck_ids):
                    rows = await conn.execute(
                        select(truck_latest).where(truck_latest.c.truck_id.in_(part))
                    )
                    for row in rows:
                        state = row_to_latest(row._mapping)
                        if state is not None:  # a placeholder row: no reading yet
                            found.append(state)
        return found

    async def derived_versions(self) -> dict[TruckId, int]:
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = await conn.execute(
                    select(derived_versions.c.truck_id, derived_versions.c.version)
                )
                return {TruckId(truck_id): int(version) for truck_id, version in rows}

    async def bump_derived(self, truck_ids: Sequence[TruckId]) -> None:
        if not truck_ids:
            return
        with storage_errors():
            async with begin(self._engine) as conn:
                await conn.execute(
                    insert_or_bump(conn, derived_versions, ["truck_id"], "version"),
                    [{"truck_id": t, "version": 1} for t in sorted(set(truck_ids))],
                )
