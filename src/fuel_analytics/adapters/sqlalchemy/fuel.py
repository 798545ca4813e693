"""Daily fuel rollups and fuel events."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.paging import keyset_page
from fuel_analytics.adapters.sqlalchemy.tables import fuel_daily, fuel_events
from fuel_analytics.domain.fuel.model import (
    DailyFuel,
    EvidencePoint,
    FuelEvent,
    FuelEventKind,
    Source,
)
from fuel_analytics.domain.fuel.store import EventQuery, StoredEvent, event_id
from fuel_analytics.domain.model import TruckId

DAILY_FIELDS = tuple(f.name for f in dataclasses.fields(DailyFuel))
SOURCE_FIELDS = ("distance_source", "fuel_source", "idle_fuel_source")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def daily_to_row(row: DailyFuel) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in DAILY_FIELDS}
    for name in SOURCE_FIELDS:
        values[name] = str(values[name])
    return values


def row_to_daily(row: Mapping[Any, Any]) -> DailyFuel:
    values = {name: row[name] for name in DAILY_FIELDS}
    values["truck_id"] = TruckId(values["truck_id"])
    for name in SOURCE_FIELDS:
        values[name] = Source(values[name])
    return DailyFuel(**values)


def event_to_row(event: FuelEvent) -> dict[str, Any]:
    evidence = [
        [p.ts.isoformat(), p.level_pct, p.smoothed_pct, p.speed_mph] for p in event.evidence
    ]
    return {
        "event_id": event_id(event),
        "truck_id": event.truck_id,
        "kind": str(event.kind),
        "start": event.start,
        "end": event.end,
        "level_before_pct": event.level_before_pct,
        "level_after_pct": event.level_after_pct,
        "gallons": event.gallons,
        "lat": event.lat,
        "lon": event.lon,
        "confidence": event.confidence,
        "reason": event.reason,
        "evidence": orjson.dumps(evidence).decode(),
    }


def row_to_event(row: Mapping[Any, Any]) -> StoredEvent:
    evidence = tuple(
        EvidencePoint(datetime.fromisoformat(ts), level, smoothed, speed)
        for ts, level, smoothed, speed in orjson.loads(row.get("evidence") or "[]")
    )
    event = FuelEvent(
        truck_id=TruckId(row["truck_id"]),
        kind=FuelEventKind(row["kind"]),
        start=row["start"],
        end=row["end"],
        level_before_pct=row["level_before_pct"],
        level_after_pct=row["level_after_pct"],
        gallons=row["gallons"],
        lat=row["lat"],
        lon=row["lon"],
        confidence=row["confidence"],
        evidence=evidence,
        reason=row["reason"],
    )
    return StoredEvent(event_id=row["event_id"], event=event)


class SqlFuelResults:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def replace(
        self,
        truck_id: TruckId,
        start: date,
        end: date,
        days: Sequence[DailyFuel],
        events: Sequence[FuelEvent],
    ) -> list[FuelEvent]:
        with storage_errors():
            async with begin(self._engine) as conn:
                await conn.execute(
                    delete(fuel_daily).where(
                        fuel_daily.c.truck_id == truck_id,
                        fuel_daily.c.day >= start,
                        fuel_daily.c.day < end,
                    )
                )
                new = await self._replace_events(
                    conn, truck_id, start, end, events, siphoning=False
                )
                if days:
                    await conn.execute(insert(fuel_daily), [daily_to_row(d) for d in days])
                return new

    async def replace_siphoning(
        self, truck_id: TruckId, start: date, end: date, events: Sequence[FuelEvent]
    ) -> list[FuelEvent]:
        with storage_errors():
            async with begin(self._engine) as conn:
                return await self._replace_events(
                    conn, truck_id, start, end, events, siphoning=True
                )

    async def _replace_events(
        self,
        conn: AsyncConnection,
        truck_id: TruckId,
        start: date,
        end: date,
        events: Sequence[FuelEvent],
        *,
        siphoning: bool,
    ) -> list[FuelEvent]:
        """Returns the given events whose id was not stored before."""
        given = {event_id(e): e for e in events}
        known: set[str] = set()
        if given:  # by primary key, before the delete: what this replace adds
            found = await conn.execute(
                select(fuel_events.c.event_id).where(fuel_events.c.event_id.in_(sorted(given)))
            )
            known = {row.event_id for row in found}
        kind = fuel_events.c.kind
        await conn.execute(
            delete(fuel_events).where(
                fuel_events.c.truck_id == truck_id,
                fuel_events.c.start >= _midnight(start),
                fuel_events.c.start < _midnight(end),
                kind == FuelEventKind.SIPHONING.value
                if siphoning
                else kind != FuelEventKind.SIPHONING.value,
            )
        )
        if given:  # one row per id
            await conn.execute(insert(fuel_events), [event_to_row(e) for e in given.values()])
        return [e for key, e in given.items() if key not in known]

    async def daily(
        self, truck_ids: Collection[TruckId] | None, start: date, end: date
    ) -> list[DailyFuel]:
        query = select(fuel_daily).where(fuel_daily.c.day >= start, fuel_daily.c.day < end)
        if truck_ids is not None:
            query = query.where(fuel_daily.c.truck_id.in_(sorted(truck_ids)))
        query = query.order_by(fuel_daily.c.truck_id, fuel_daily.c.day)
        with storage_errors():
            async with connect(self._engine) as conn:
                return [row_to_daily(r._mapping) for r in await conn.execute(query)]

    async def events(self, query: EventQuery) -> list[StoredEvent]:
        table = fuel_events
        columns = [c for c in table.columns if query.with_evidence or c.name != "evidence"]
        statement = select(*columns)
        if query.truck_ids is not None:
            statement = statement.where(table.c.truck_id.in_(sorted(query.truck_ids)))
        if query.kinds is not None:
            statement = statement.where(table.c.kind.in_(sorted(str(k) for k in query.kinds)))
        if query.start is not None:
            statement = statement.where(table.c.start >= query.start)
        if query.end is not None:
            statement = statement.where(table.c.start < query.end)
        if query.min_confidence is not None:
            statement = statement.where(table.c.confidence >= query.min_confidence)
        statement = keyset_page(
            statement, table.c.start, table.c.event_id, query.after, query.limit
        )
        with storage_errors():
            async with connect(self._engine) as conn:
                return [row_to_event(r._mapping) for r in await conn.execute(statement)]
