"""Readings: idempotent batch storage with the latest-state upsert, history, live state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import exc, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.dialect import (
    insert_if_absent,
    insert_or_bump,
    insert_rows,
    upsert,
)
from fuel_analytics.adapters.sqlalchemy.errors import is_retryable, storage_errors
from fuel_analytics.adapters.sqlalchemy.mapping import (
    READING_COLUMNS,
    reading_values,
    row_to_latest,
    row_to_reading,
    sensors_to_text,
    truck_to_row,
)
from fuel_analytics.adapters.sqlalchemy.tables import dirty_days, readings, truck_latest, trucks
from fuel_analytics.domain.dirty import affected_days
from fuel_analytics.domain.latest import merge_latest
from fuel_analytics.domain.model import (
    CarrierId,
    LatestState,
    Reading,
    StoreResult,
    Truck,
    TruckId,
)

STORE_ATTEMPTS = 3
# existence checks: a truck with this many readings in a batch gets a range scan, the rest
# primary-key lookups, this many per statement
RANGE_SCAN_MIN = 8
KEYS_PER_LOOKUP = 500
LOOKUP_SPAN = timedelta(hours=1)


def _lookup_groups(
    keys: list[tuple[TruckId, datetime]],
) -> list[tuple[datetime, datetime, set[TruckId]]]:
    """The keys in time order, cut into groups of at most KEYS_PER_LOOKUP spanning at most
    LOOKUP_SPAN: (first ts, last ts, their trucks)."""
    groups: list[tuple[datetime, datetime, set[TruckId]]] = []
    count = 0
    for truck_id, ts in sorted(keys, key=lambda k: k[1]):
        if groups and count < KEYS_PER_LOOKUP and ts - groups[-1][0] <= LOOKUP_SPAN:
            lo, _, members = groups[-1]
            members.add(truck_id)
            groups[-1] = (lo, ts, members)
            count += 1
        else:
            groups.append((ts, ts, {truck_id}))
            count = 1
    return groups


class SqlReadings:
    """ReadingStore, ReadingHistory and LatestReadings over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def store(
        self, batch: Sequence[Reading], *, carrier_id: CarrierId | None = None
    ) -> StoreResult:
        if not batch:
            return StoreResult(accepted=0, duplicates=0)
        with storage_errors():
            for attempt in range(1, STORE_ATTEMPTS + 1):
                try:
                    async with begin(self._engine) as conn:
                        accepted = await self._store(conn, batch, carrier_id)
                    return StoreResult(accepted=accepted, duplicates=len(batch) - accepted)
                except (exc.OperationalError, exc.IntegrityError) as error:
                    if attempt == STORE_ATTEMPTS or not is_retryable(error):
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _store(
        self, conn: AsyncConnection, batch: Sequence[Reading], carrier_id: CarrierId | None
    ) -> int:
        now = datetime.now(UTC)
        fresh = await self._new_readings(conn, batch)
        truck_ids = sorted({r.truck_id for r in batch})
        await conn.execute(
            insert_if_absent(conn, trucks, "truck_id"),
            [
                {
                    **truck_to_row(Truck(truck_id=t, carrier_id=carrier_id)),
                    "created_at": now,
                    "updated_at": now,
                }
                for t in truck_ids
            ],
        )
        if not fresh:
            return 0
        # A plain INSERT: a reading stored by a concurrent batch since the check above is an
        # IntegrityError, and the whole transaction is tried again (store's retry loop).
        await insert_rows(conn, readings, READING_COLUMNS, [reading_values(r) for r in fresh])
        await self._merge_latest(conn, fresh, now)
        await conn.execute(
            insert_or_bump(conn, dirty_days, ["truck_id", "day"], "version"),
            [
                {"truck_id": t, "day": d, "version": 1, "marked_at": now}
                for t, d in sorted(affected_days(fresh))
            ],
        )
        return len(fresh)

    async def _new_readings(self, conn: AsyncConnection, batch: Sequence[Reading]) -> list[Reading]:
        """The batch without readings already stored or repeated inside it (first wins):
        only these may touch the latest state, so a duplicate never changes anything."""
        unique: dict[tuple[TruckId, datetime], Reading] = {}
        for reading in batch:
            unique.setdefault(reading.key, reading)
        stored: set[tuple[str, datetime]] = set()
        by_truck: dict[TruckId, list[datetime]] = defaultdict(list)
        for truck_id, ts in unique:
            by_truck[truck_id].append(ts)
        single: list[tuple[TruckId, datetime]] = []
        for truck_id, stamps in by_truck.items():
            if len(stamps) < RANGE_SCAN_MIN:
                single += [(truck_id, ts) for ts in stamps]
                continue
            # a truck's run of readings (a backfill): one range scan of the primary key;
            # batches are mostly recent, contiguous data, where it holds few stored readings
            rows = await conn.execute(
                select(readings.c.ts).where(
                    readings.c.truck_id == truck_id,
                    readings.c.ts >= min(stamps),
                    readings.c.ts <= max(stamps),
                )
            )
            stored.update((truck_id, row.ts) for row in rows)
        # a few readings each of many trucks (a gateway's live batch): one statement per
        # group of up to KEYS_PER_LOOKUP readings within LOOKUP_SPAN of each other, a short
        # primary-key range of each of their trucks (a row-value IN list is scanned whole
        # by MariaDB: 145 ms a statement for 500 keys)
        for lo, hi, group in _lookup_groups(single):
            rows = await conn.execute(
                select(readings.c.truck_id, readings.c.ts).where(
                    readings.c.truck_id.in_(sorted(group)),
                    readings.c.ts >= lo,
                    readings.c.ts <= hi,
                )
            )
            stored.update((row.truck_id, row.ts) for row in rows)
        return [r for key, r in unique.items() if key not in stored]

    async def _merge_latest(
        self, conn: AsyncConnection, fresh: Sequence[Reading], now: datetime
    ) -> None:
        by_truck: dict[TruckId, list[Reading]] = defaultdict(list)
        for reading in fresh:
            by_truck[reading.truck_id].append(reading)
        truck_ids = sorted(by_truck)
        await conn.execute(
            insert_if_absent(conn, truck_latest, "truck_id"),
            [{"truck_id": t, "ts": None, "sensors": "{}", "updated_at": now} for t in truck_ids],
        )
        rows = await conn.execute(
            select(truck_latest)
            .where(truck_latest.c.truck_id.in_(truck_ids))
            .order_by(truck_latest.c.truck_id)
            .with_for_update()
        )
        current = {row.truck_id: row_to_latest(row._mapping) for row in rows}
        updates = []
        for truck_id in truck_ids:
            merged = merge_latest(current.get(truck_id), by_truck[truck_id])
            if merged is None:  # pragma: no cover - a non-empty group always merges
                continue
            updates.append(
                {
                    "truck_id": truck_id,
                    "ts": merged.ts,
                    "sensors": sensors_to_text(merged.sensors),
                    "updated_at": now,
                }
            )
        # the rows exist and are locked (above): one multi-row upsert, not an UPDATE a truck
        await conn.execute(upsert(conn, truck_latest, ["truck_id"]), updates)

    async def readings(
        self,
        truck_id: TruckId,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        query = select(readings).where(readings.c.truck_id == truck_id)
        if start is not None:
            query = query.where(readings.c.ts >= start)
        if end is not None:
            query = query.where(readings.c.ts < end)
        if limit is not None:
            query = query.limit(limit)
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = await conn.execute(query.order_by(readings.c.ts))
                return [row_to_reading(row._mapping) for row in rows]

    async def count(self) -> int:
        with storage_errors():
            async with connect(self._engine) as conn:
                return int(
                    (await conn.execute(select(func.count()).select_from(readings))).scalar_one()
                )

    async def latest(self, truck_id: TruckId) -> LatestState | None:
        with storage_errors():
            async with connect(self._engine) as conn:
                row = (
                    await conn.execute(
                        select(truck_latest).where(truck_latest.c.truck_id == truck_id)
                    )
                ).first()
        return None if row is None else row_to_latest(row._mapping)

    async def all_latest(self) -> list[LatestState]:
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = await conn.execute(select(truck_latest).order_by(truck_latest.c.truck_id))
                states = [row_to_latest(row._mapping) for row in rows]
        return [s for s in states if s is not None]
