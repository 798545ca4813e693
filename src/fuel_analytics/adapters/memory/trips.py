"""In-memory trips (tests only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips.model import Trip
from fuel_analytics.domain.trips.store import TripQuery, in_query


class MemoryTripResults:
    def __init__(self) -> None:
        self.by_id: dict[str, Trip] = {}

    async def replace(
        self, truck_id: TruckId, start: date, end: date, trips: Sequence[Trip]
    ) -> None:
        stale = [
            key
            for key, t in self.by_id.items()
            if t.truck_id == truck_id and start <= t.start.date() < end
        ]
        for key in stale:
            del self.by_id[key]
        for trip in trips:
            self.by_id[trip.trip_id] = trip

    async def trips(self, query: TripQuery) -> list[Trip]:
        found = [
            t
            for t in self.by_id.values()
            if in_query(t, query) and (query.after is None or (t.start, t.trip_id) > query.after)
        ]
        found.sort(key=lambda t: (t.start, t.trip_id))
        return found[: query.limit]

    async def trip(self, truck_id: TruckId, start: datetime) -> Trip | None:
        for t in self.by_id.values():
            if t.truck_id == truck_id and start <= t.start < start + timedelta(seconds=1):
                return t
        return None
