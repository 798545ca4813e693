"""In-memory repositories: the fakes unit tests use. They pass the same contract tests as
the SQL ones, and nothing in production uses them."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from fuel_analytics.domain.dirty import affected_days
from fuel_analytics.domain.latest import merge_latest
from fuel_analytics.domain.model import (
    CarrierId,
    DatabaseHealth,
    DirtyDay,
    LatestState,
    Page,
    PoolStats,
    Reading,
    StoreResult,
    Truck,
    TruckId,
)


class MemoryStore:
    """Readings, latest states and the registry, guarded by one lock like one transaction."""

    def __init__(self) -> None:
        self.readings: dict[tuple[TruckId, datetime], Reading] = {}
        self.latest_states: dict[TruckId, LatestState] = {}
        self.trucks: dict[TruckId, Truck] = {}
        self.dirty: dict[tuple[TruckId, date], int] = {}
        self.lock = asyncio.Lock()
        self.fail_next_store: BaseException | None = None


class MemoryReadings:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    async def store(
        self, batch: Sequence[Reading], *, carrier_id: CarrierId | None = None
    ) -> StoreResult:
        async with self._s.lock:
            if self._s.fail_next_store is not None:
                error, self._s.fail_next_store = self._s.fail_next_store, None
                raise error
            accepted = 0
            new: dict[tuple[TruckId, datetime], Reading] = {}
            for reading in batch:
                if reading.key not in self._s.readings and reading.key not in new:
                    new[reading.key] = reading
                    accepted += 1
            now = datetime.now(UTC)
            for reading in batch:
                self._s.trucks.setdefault(
                    reading.truck_id,
                    Truck(truck_id=reading.truck_id, carrier_id=carrier_id, created_at=now),
                )
            by_truck: dict[TruckId, list[Reading]] = {}
            for reading in new.values():
                by_truck.setdefault(reading.truck_id, []).append(reading)
            for truck_id, group in by_truck.items():
                merged = merge_latest(self._s.latest_states.get(truck_id), group)
                if merged is not None:
                    self._s.latest_states[truck_id] = merged
            self._s.readings.update(new)
            for key in affected_days(new.values()):
                self._s.dirty[key] = self._s.dirty.get(key, 0) + 1
            return StoreResult(accepted=accepted, duplicates=len(batch) - accepted)

    async def readings(
        self,
        truck_id: TruckId,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        found = [
            r
            for (t, ts), r in self._s.readings.items()
            if t == truck_id and (start is None or ts >= start) and (end is None or ts < end)
        ]
        ordered = sorted(found, key=lambda r: r.ts)
        return ordered if limit is None else ordered[:limit]

    async def count(self) -> int:
        return len(self._s.readings)

    async def latest(self, truck_id: TruckId) -> LatestState | None:
        return self._s.latest_states.get(truck_id)

    async def all_latest(self) -> list[LatestState]:
        return [self._s.latest_states[t] for t in sorted(self._s.latest_states)]


class MemoryDirtyDays:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    async def oldest(self, limit: int) -> list[DirtyDay]:
        return [DirtyDay(t, d, v) for (t, d), v in list(self._s.dirty.items())[:limit]]

    async def pending(
        self, truck_ids: Collection[TruckId] | None, start: date, end: date
    ) -> list[DirtyDay]:
        return sorted(
            (
                DirtyDay(t, d, v)
                for (t, d), v in self._s.dirty.items()
                if start <= d < end and (truck_ids is None or t in truck_ids)
            ),
            key=lambda item: (item.truck_id, item.day),
        )

    async def clear(self, days: Sequence[DirtyDay]) -> int:
        removed = 0
        for item in days:
            if self._s.dirty.get((item.truck_id, item.day)) == item.version:
                del self._s.dirty[(item.truck_id, item.day)]
                removed += 1
        return removed


class MemoryTrucks:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    async def get(self, truck_id: TruckId) -> Truck | None:
        return self._s.trucks.get(truck_id)

    async def page(self, offset: int, limit: int) -> Page[Truck]:
        ordered = [self._s.trucks[t] for t in sorted(self._s.trucks)]
        return Page(
            items=tuple(ordered[offset : offset + limit]),
            total=len(ordered),
            offset=offset,
            limit=limit,
        )

    async def all(self) -> list[Truck]:
        return [self._s.trucks[t] for t in sorted(self._s.trucks)]

    async def existing(self, truck_ids: Iterable[TruckId]) -> set[TruckId]:
        return {t for t in truck_ids if t in self._s.trucks}

    async def save(self, truck: Truck) -> Truck:
        known = self._s.trucks.get(truck.truck_id)
        created = known.created_at if known else datetime.now(UTC)
        stored = replace(truck, created_at=created)
        self._s.trucks[truck.truck_id] = stored
        return stored


class MemoryProbe:
    def __init__(self, reachable: bool = True) -> None:
        self.reachable = reachable

    async def check(self) -> DatabaseHealth:
        return DatabaseHealth(
            reachable=self.reachable,
            round_trip_ms=0.0 if self.reachable else None,
            schema_version="memory",
            expected_schema_version="memory",
            pool=PoolStats(size=1, checked_in=1, checked_out=0, overflow=0, max=1),
            error=None if self.reachable else "unreachable",
        )


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current
