"""Trips, replaced per truck and range of start days by the derived-results recompute."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.paging import keyset_page
from fuel_analytics.adapters.sqlalchemy.tables import trips
from fuel_analytics.domain.dirty import day_start
from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips.model import Stop, Trip
from fuel_analytics.domain.trips.store import TripQuery

SCALARS = (
    "truck_id", "start", "trip_id", "end", "start_lat", "start_lon", "end_lat", "end_lon",
    "distance_mi", "fuel_gal", "mpg", "driving_s", "idle_s", "max_speed_mph", "speeding_s",
    "harsh_accel", "harsh_brake", "driver_id", "complete",
)  # fmt: skip


def trip_to_row(trip: Trip) -> dict[str, Any]:
    values = {name: getattr(trip, name) for name in SCALARS}
    values["distance_source"] = str(trip.distance_source)
    values["fuel_source"] = str(trip.fuel_source)
    values["stops"] = orjson.dumps(
        [[s.start.isoformat(), s.end.isoformat(), s.lat, s.lon, s.duration_s] for s in trip.stops]
    ).decode()
    return values


def row_to_trip(row: Mapping[Any, Any]) -> Trip:
    values = {name: row[name] for name in SCALARS}
    values["truck_id"] = TruckId(row["truck_id"])
    values["complete"] = bool(row["complete"])
    values["harsh_accel"] = int(row["harsh_accel"])
    values["harsh_brake"] = int(row["harsh_brake"])
    stops = tuple(
        Stop(datetime.fromisoformat(a), datetime.fromisoformat(b), lat, lon, duration)
        for a, b, lat, lon, duration in orjson.loads(row["stops"])
    )
    return Trip(
        **values,
        distance_source=Source(row["distance_source"]),
        fuel_source=Source(row["fuel_source"]),
        stops=stops,
    )


class SqlTripResults:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def replace(
        self, truck_id: TruckId, start: date, end: date, found: Sequence[Trip]
    ) -> None:
        rows = {t.trip_id: trip_to_row(t) for t in found}  # one row per id
        with storage_errors():
            async with begin(self._engine) as conn:
                await conn.execute(
                    delete(trips).where(
                        trips.c.truck_id == truck_id,
                        trips.c.start >= day_start(start),
                        trips.c.start < day_start(end),
                    )
                )
                if rows:
                    await conn.execute(insert(trips), list(rows.values()))

    async def trips(self, query: TripQuery) -> list[Trip]:
        statement = select(trips)
        if query.truck_ids is not None:
            statement = statement.where(trips.c.truck_id.in_(sorted(query.truck_ids)))
        if query.driver_ids is not None:
            statement = statement.where(trips.c.driver_id.in_(sorted(query.driver_ids)))
        if query.start is not None:
            statement = statement.where(trips.c.start >= query.start)
        if query.end is not None:
            statement = statement.where(trips.c.start < query.end)
        statement = keyset_page(statement, trips.c.start, trips.c.trip_id, query.after, query.limit)
        with storage_errors():
            async with connect(self._engine) as conn:
                return [row_to_trip(r._mapping) for r in await conn.execute(statement)]

    async def trip(self, truck_id: TruckId, start: datetime) -> Trip | None:
        statement = select(trips).where(
            trips.c.truck_id == truck_id,
            trips.c.start >= start,
            trips.c.start < start + timedelta(seconds=1),
        )
        with storage_errors():
            async with connect(self._engine) as conn:
                row = (await conn.execute(statement)).first()
        return None if row is None else row_to_trip(row._mapping)
