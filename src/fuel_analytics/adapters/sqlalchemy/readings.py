"""Readings: idempotent batch storage with the latest-state upsert, history, live state.

Concurrent batches of one process are stored together, one transaction a group
(grouping.py, decision 38); on MySQL a batch of many trucks is cut into shards of its trucks,
whose groups run side by side (decision 46)."""

from __future__ import annotations

import asyncio
import functools
import logging
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy import Row, exc, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import StaticPool

from fuel_analytics.adapters.sqlalchemy.connections import begin, checkout_timeout, connect
from fuel_analytics.adapters.sqlalchemy.dialect import insert_if_absent, insert_rows
from fuel_analytics.adapters.sqlalchemy.errors import is_retryable, storage_errors
from fuel_analytics.adapters.sqlalchemy.grouping import (
    MAX_IN_FLIGHT,
    Absorb,
    Batch,
    GroupCommit,
    Outcome,
)
from fuel_analytics.adapters.sqlalchemy.mapping import (
    READING_COLUMNS,
    merged_sensors_text,
    reading_values,
    row_to_latest,
    row_to_reading,
    sensors_to_text,
    timed_values_to_text,
    truck_to_row,
)
from fuel_analytics.adapters.sqlalchemy.tables import dirty_days, readings, truck_latest, trucks
from fuel_analytics.domain.dirty import affected_days
from fuel_analytics.domain.errors import StorageUnavailable
from fuel_analytics.domain.latest import TimedValue, merge_latest
from fuel_analytics.domain.model import (
    CarrierId,
    LatestState,
    Reading,
    StoreResult,
    Truck,
    TruckId,
)
from fuel_analytics.domain.telemetry import SENSOR_FIELDS

logger = logging.getLogger("fuel_analytics.ingest")

STORE_ATTEMPTS = 3
MAX_KNOWN_LATEST_ROWS = 100_000
# existence checks: a truck with this many readings in a batch, and at least a
# RANGE_SCANS_MAX-th of them, gets a range scan, the rest primary-key lookups, this many per
# statement (a group of 20 time-major batches has 20 readings of each of its 1,000 trucks:
# lookups, not 1,000 range scans)
RANGE_SCAN_MIN = 8
RANGE_SCANS_MAX = 50
KEYS_PER_LOOKUP = 500
LOOKUP_SPAN = timedelta(hours=1)


def _values(batch: list[Reading]) -> list[tuple[Any, ...]]:
    return [reading_values(r) for r in batch]


_SENSORS: tuple[str, ...] = tuple(spec.name for spec in SENSOR_FIELDS)
_sensor_values = attrgetter(*_SENSORS)


def newest_of_run(run: list[Reading]) -> dict[str, TimedValue]:
    """``newest_values`` (domain/latest.py) of one truck's readings in time order, each
    timestamp once (as the primary key holds them): no two values of a sensor can tie, so
    a sensor's value is that of the newest reading carrying it. The same pairs in the same
    order, from the newest reading at once and the older ones only for the sensors it
    lacks: a group of time-major batches has several readings of every truck, and walking
    every sensor of each of them cost 30 ms a batch (tests/unit/test_newest_of_run.py)."""
    newest = run[-1]
    ts = newest.ts
    values = _sensor_values(newest)
    best: dict[str, TimedValue] = {
        name: (value, ts) for name, value in zip(_SENSORS, values, strict=True) if value is not None
    }
    if len(run) == 1 or len(best) == len(_SENSORS):
        return best
    missing = [i for i, value in enumerate(values) if value is None]
    for reading in reversed(run[:-1]):
        older = _sensor_values(reading)
        lacking = []
        for i in missing:
            value = older[i]
            if value is None:
                lacking.append(i)
            else:
                best[_SENSORS[i]] = (value, reading.ts)
        if not lacking:
            break
        missing = lacking
    return best


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


# a batch of this many trucks or more is stored one shard of its trucks at a time, the
# shards side by side, each in its own transaction (decision 46)
SHARD_MIN_TRUCKS = 64


def by_shard(candidates: list[Reading], shards: int) -> list[list[Reading]]:
    """The candidates (in primary-key order) cut by a stable hash of their truck into at
    most ``shards`` parts of disjoint trucks, each in primary-key order: the whole batch
    as one part when it has fewer than SHARD_MIN_TRUCKS trucks (a few trucks' readings
    gain nothing from two transactions)."""
    if shards < 2:
        return [candidates]
    trucks = dict.fromkeys(r.truck_id for r in candidates)
    if len(trucks) < SHARD_MIN_TRUCKS:
        return [candidates]
    shard_of = {t: zlib.crc32(t.encode()) % shards for t in trucks}
    parts: list[list[Reading]] = [[] for _ in range(shards)]
    for reading in candidates:
        parts[shard_of[reading.truck_id]].append(reading)
    return [part for part in parts if part]


class _SomeAlreadyStored(Exception):
    """The optimistic INSERT IGNORE skipped rows: roll back and find which, then store."""


class _NoLatestRow(Exception):
    """Trucks without a truck_latest row to lock: roll back, add the rows, store again."""

    def __init__(self, truck_ids: list[TruckId]) -> None:
        super().__init__(truck_ids)
        self.truck_ids = truck_ids


ONE_MICROSECOND = timedelta(microseconds=1)


class SqlReadings:
    """ReadingStore, ReadingHistory and LatestReadings over one engine."""

    def __init__(self, engine: AsyncEngine, *, shards: int | None = None) -> None:
        self._engine = engine
        # trucks known to have a truck_latest row (the service never deletes one): a hint
        # that spares a batch the check; a row found missing anyway is added then
        self._with_latest_row: set[str] = set()
        # concurrent batches share transactions; one connection (in-memory SQLite) can
        # hold one transaction only
        max_in_flight = 1 if isinstance(engine.pool, StaticPool) else MAX_IN_FLIGHT
        self.grouping = GroupCommit(
            self._store_batches, lambda: checkout_timeout(engine), max_in_flight=max_in_flight
        )
        # a batch of many trucks in this many transactions side by side (decision 46); on
        # SQLite one: it has one writer at a time, two transactions would queue on its lock
        if shards is None:
            shards = 1 if engine.dialect.name == "sqlite" else max_in_flight
        self.shards = shards

    async def store(
        self, batch: Sequence[Reading], *, carrier_id: CarrierId | None = None
    ) -> StoreResult:
        if not batch:
            return StoreResult(accepted=0, duplicates=0)
        unique: dict[tuple[TruckId, datetime], Reading] = {}
        for reading in batch:  # the first of a repeated reading wins
            unique.setdefault(reading.key, reading)
        # in primary-key order: InnoDB appends, and concurrent batches lock in one order
        candidates = [unique[key] for key in sorted(unique)]
        parts = by_shard(candidates, self.shards)
        if len(parts) == 1:
            return await self.grouping.submit(candidates, len(batch), carrier_id)
        # one transaction a shard, side by side (decision 46); every part is waited for,
        # so none is left running when the caller is answered
        outcomes = await asyncio.gather(
            *(self.grouping.submit(part, len(part), carrier_id) for part in parts),
            return_exceptions=True,
        )
        results = [o for o in outcomes if isinstance(o, StoreResult)]
        failed = [o for o in outcomes if not isinstance(o, StoreResult)]
        if failed:
            if results:
                logger.warning(
                    "a batch of %d readings was stored in part (%d readings of %d of its %d "
                    "shards) before an error; its retry stores the rest",
                    len(batch),
                    sum(r.accepted for r in results),
                    len(results),
                    len(parts),
                )
            raise failed[0]
        accepted = sum(r.accepted for r in results)
        return StoreResult(accepted=accepted, duplicates=len(batch) - accepted)

    async def _store_batches(
        self,
        batches: list[Batch],
        started: Callable[[], None],
        absorb: Absorb,
    ) -> list[Outcome]:
        """Store a group's batches in one transaction (with those that join it while its
        readings are written): an outcome per batch. When that fails in a way one batch's
        content may have caused, each batch on its own, so one bad batch does not fail the
        others."""
        try:
            return list(await self._store_together(batches, started, absorb))
        except StorageUnavailable as error:  # the database, not a batch: all of them
            return [error] * len(batches)
        except Exception as error:
            if len(batches) == 1:
                return [error]
            logger.warning(
                "a group of %d batches failed (%r): storing them one by one",
                len(batches),
                error,
            )
        outcomes: list[Outcome] = []
        for batch in list(batches):
            try:
                outcomes += await self._store_together([batch], started)
            except Exception as error:
                outcomes.append(error)
        return outcomes

    async def _store_together(
        self,
        batches: list[Batch],
        started: Callable[[], None],
        absorb: Absorb | None = None,
    ) -> list[StoreResult]:
        """One transaction for the batches (of one carrier) and those ``absorb`` adds to
        them once theirs are written: their readings unique by key, an earlier batch's
        reading before a later one's (the first stored wins), then each batch's count of
        the readings it stored."""
        carrier_id = batches[0].carrier_id
        check_first = False
        failures = 0
        with storage_errors():
            while True:
                union: dict[tuple[TruckId, datetime], Reading] = {}
                owned: list[int] = []  # per batch: its readings no earlier batch carries
                candidates = self._join(batches, union, owned)
                # batches that join: ``absorb`` adds them to ``batches`` (the group's list)
                more = functools.partial(self._absorbed, absorb, union, owned)
                truck_ids = list(dict.fromkeys(r.truck_id for r in candidates))
                try:
                    await self._add_latest_rows(truck_ids, started)
                    async with begin(self._engine) as conn:
                        started()
                        fresh = await self._store(conn, candidates, carrier_id, check_first, more)
                    break
                except _SomeAlreadyStored:
                    check_first = True  # rolled back; once more, looking before inserting
                except _NoLatestRow as missing:  # rolled back; deleted since they were seen
                    self._with_latest_row.difference_update(missing.truck_ids)
                    failures += 1
                    if failures == STORE_ATTEMPTS:
                        raise RuntimeError(
                            f"truck_latest rows keep vanishing: {missing}"
                        ) from missing
                except (exc.OperationalError, exc.IntegrityError) as error:
                    failures += 1
                    if failures == STORE_ATTEMPTS or not is_retryable(error):
                        raise
        if len(fresh) < len(union):  # some were stored before: whose were the others
            stored = {r.key for r in fresh}
            claimed: set[tuple[TruckId, datetime]] = set()
            for index, batch in enumerate(batches):
                mine = [r.key for r in batch.readings if r.key in stored]
                owned[index] = len(set(mine) - claimed)
                claimed.update(mine)
        return [
            StoreResult(accepted=accepted, duplicates=batch.sent - accepted)
            for batch, accepted in zip(batches, owned, strict=True)
        ]

    def _absorbed(
        self,
        absorb: Absorb | None,
        union: dict[tuple[TruckId, datetime], Reading],
        owned: list[int],
    ) -> list[Reading]:
        """The readings of the batches that join the group now, as ``_join`` gives them:
        only batches whose every truck is known to have its latest-state row join, as the
        transaction must not add one (``_add_latest_rows``)."""
        if absorb is None:
            return []
        return self._join(absorb(self._latest_rows_known), union, owned)

    def _latest_rows_known(self, batch: Batch) -> bool:
        return batch.trucks <= self._with_latest_row

    @staticmethod
    def _join(
        batches: list[Batch], union: dict[tuple[TruckId, datetime], Reading], owned: list[int]
    ) -> list[Reading]:
        """The batches' readings not in ``union`` yet, in primary-key order, added to it;
        each batch's count of them appended to ``owned``."""
        if len(batches) == 1 and not union:
            readings_ = batches[0].readings  # unique and in primary-key order already
            union.update((r.key, r) for r in readings_)
            owned.append(len(readings_))
            return readings_
        start = len(union)
        for batch in batches:
            before = len(union)
            for reading in batch.readings:
                union.setdefault(reading.key, reading)
            owned.append(len(union) - before)
        added = list(union.values())[start:]
        added.sort(key=attrgetter("key"))
        return added

    async def _store(
        self,
        conn: AsyncConnection,
        candidates: list[Reading],
        carrier_id: CarrierId | None,
        check_first: bool,
        more: Callable[[], list[Reading]] = list,
    ) -> list[Reading]:
        """Store the readings not stored yet (and return them); only these touch the latest
        state and the dirty days, so a duplicate (even with other values: the first stored
        wins) changes nothing.

        Once they are written, ``more`` gives the readings of batches that joined the group
        meanwhile (decision 43); they are written too, until it gives none, and then the
        latest state, registry and stale marks are done once for all of them.

        Optimistically (a live batch is almost always all new) every candidate goes in with
        INSERT IGNORE: a row count short of the batch means some were stored before, and
        the transaction is rolled back and run again with ``check_first``: an existence
        check, then a plain INSERT of the rest (a reading stored by a concurrent batch since
        the check is an IntegrityError, and the store's loop tries the whole transaction
        again).
        """
        now = datetime.now(UTC)
        fresh = await self._insert(conn, candidates, check_first)
        every = {r.truck_id for r in candidates} if check_first else set()
        joined = False
        while extra := more():
            fresh += await self._insert(conn, extra, check_first)
            if check_first:
                every.update(r.truck_id for r in extra)
            joined = True
        if joined:
            fresh.sort(key=attrgetter("key"))  # primary-key order, as _merge_latest needs
        new_trucks = await self._merge_latest(conn, fresh, now) if fresh else []
        # a truck with a latest state was registered with its first reading; only those
        # without one can be new (all of them when nothing of the batch was new)
        await self._register(conn, sorted(every) if check_first else new_trucks, carrier_id, now)
        if fresh:
            await insert_rows(
                conn,
                dirty_days,
                ("truck_id", "day", "version", "marked_at"),
                [(t, d, 1, now) for t, d in sorted(affected_days(fresh))],
                # a day already marked keeps its place in the queue (marked_at: since when
                # it waits); its version moves on, which is what a running recompute checks
                on_conflict="increment",
                keys=("truck_id", "day", "version"),
            )
        return fresh

    async def _insert(
        self, conn: AsyncConnection, candidates: list[Reading], check_first: bool
    ) -> list[Reading]:
        """Write the candidates not stored yet and return them (see ``_store``)."""
        if check_first:
            fresh = await self._new_readings(conn, candidates)
            if fresh:
                await insert_rows(conn, readings, READING_COLUMNS, _values(fresh))
            return fresh
        inserted = await insert_rows(
            conn, readings, READING_COLUMNS, _values(candidates), on_conflict="ignore"
        )
        if inserted != len(candidates):
            raise _SomeAlreadyStored
        return list(candidates)

    async def _add_latest_rows(self, truck_ids: list[TruckId], started: Callable[[], None]) -> None:
        """Give trucks not known to have one an empty truck_latest row (ts NULL: no state
        yet, the same to every reader), in a short transaction of its own.

        The batch's transaction then locks existing rows only. Locking a row that does not
        exist would lock the gap where it would go (REPEATABLE READ), and two batches each
        inserting into the gap the other locked is a deadlock: what the first readings of
        new trucks from concurrent batches did.
        """
        missing = [t for t in truck_ids if t not in self._with_latest_row]
        if not missing:
            return
        async with begin(self._engine) as conn:
            started()
            await insert_rows(
                conn,
                truck_latest,
                ("truck_id", "ts", "sensors", "updated_at"),
                [(t, None, "{}", datetime.now(UTC)) for t in missing],
                on_conflict="keep",
                keys=("truck_id",),
            )
        if len(self._with_latest_row) > MAX_KNOWN_LATEST_ROWS:  # bounded memory
            self._with_latest_row.clear()
        self._with_latest_row.update(missing)

    async def _register(
        self,
        conn: AsyncConnection,
        truck_ids: list[TruckId],
        carrier_id: CarrierId | None,
        now: datetime,
    ) -> None:
        """Auto-register the trucks of ``truck_ids`` the registry does not know."""
        if not truck_ids:
            return
        rows = await conn.execute(select(trucks.c.truck_id).where(trucks.c.truck_id.in_(truck_ids)))
        known = {row.truck_id for row in rows}
        missing = [t for t in truck_ids if t not in known]
        if missing:
            await conn.execute(
                insert_if_absent(conn, trucks, "truck_id"),
                [
                    {
                        **truck_to_row(Truck(truck_id=t, carrier_id=carrier_id)),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for t in missing
                ],
            )

    async def _new_readings(self, conn: AsyncConnection, unique: list[Reading]) -> list[Reading]:
        """Of readings unique in their batch, those not stored yet."""
        stored: set[tuple[str, datetime]] = set()
        by_truck: dict[TruckId, list[datetime]] = defaultdict(list)
        for reading in unique:
            by_truck[reading.truck_id].append(reading.ts)
        single: list[tuple[TruckId, datetime]] = []
        scan_min = max(RANGE_SCAN_MIN, len(unique) // RANGE_SCANS_MAX)
        for truck_id, stamps in by_truck.items():
            if len(stamps) < scan_min:
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
        return [r for r in unique if r.key not in stored]

    async def _merge_latest(
        self, conn: AsyncConnection, fresh: list[Reading], now: datetime
    ) -> list[TruckId]:
        """Merge new readings (in primary-key order) into their trucks' latest state under
        a row lock; the trucks that had no state yet."""
        # everything that needs no stored state is worked out before the rows are locked
        groups = [
            (TruckId(truck_id), list(group))
            for truck_id, group in groupby(fresh, key=attrgetter("truck_id"))
        ]
        newest = {truck_id: newest_of_run(group) for truck_id, group in groups}
        truck_ids = [truck_id for truck_id, _ in groups]
        current = await self._lock_latest(conn, truck_ids)
        if len(current) < len(truck_ids):
            raise _NoLatestRow([t for t in truck_ids if t not in current])
        new_trucks = [t for t in truck_ids if current[t].ts is None]
        updates = []
        for truck_id, group in groups:
            row = current[truck_id]
            stored_ts: datetime | None = row.ts
            values = newest[truck_id]
            if stored_ts is None:
                ts, text = group[-1].ts, timed_values_to_text(values)
            elif stored_ts < group[0].ts:
                # everything stored is older than the whole group: each sensor of the group
                # takes its newest value, the others stay as stored (merge_latest's answer)
                ts, text = group[-1].ts, merged_sensors_text(row.sensors, values)
            else:  # late or out-of-order readings: the full merge
                merged = merge_latest(row_to_latest(row._mapping), group)
                if merged is None:  # pragma: no cover - a non-empty group always merges
                    continue
                ts, text = merged.ts, sensors_to_text(merged.sensors)
            # the row's change stamp (services/fresh.py) must move on every write, even when
            # two processes write one truck within a microsecond: the row is locked here
            stamp = now if now > row.updated_at else row.updated_at + ONE_MICROSECOND
            updates.append((truck_id, ts, text, stamp))
        # the rows exist and are locked (above): one multi-row upsert, not an UPDATE a truck
        await insert_rows(
            conn,
            truck_latest,
            ("truck_id", "ts", "sensors", "updated_at"),
            updates,
            on_conflict="replace",
            keys=("truck_id",),
        )
        return new_trucks

    async def _lock_latest(
        self, conn: AsyncConnection, truck_ids: list[TruckId]
    ) -> dict[str, Row[str, datetime | None, str, datetime]]:
        rows = await conn.execute(
            select(
                truck_latest.c.truck_id,
                truck_latest.c.ts,
                truck_latest.c.sensors,
                truck_latest.c.updated_at,
            )
            .where(truck_latest.c.truck_id.in_(truck_ids))
            .order_by(truck_latest.c.truck_id)
            .with_for_update()
        )
        return {row.truck_id: row for row in rows}

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
