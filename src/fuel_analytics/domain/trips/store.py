"""What persisting trips needs: stable trip ids and the trips query."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.telemetry import parse_truck_id
from fuel_analytics.domain.trips.model import Trip


def trip_id(truck_id: TruckId, start: datetime) -> str:
    """``TRUCK.<unix seconds of the start>``: stable across recomputes as long as the trip
    starts at the same reading (truck ids never hold a dot)."""
    return f"{truck_id}.{int(start.timestamp())}"


def parse_trip_id(text: str) -> tuple[TruckId, datetime]:
    """The truck and the start second a trip id names; InvalidField when it names none."""
    truck, _, seconds = text.rpartition(".")
    # isdigit() alone also accepts "²" and other non-ASCII digits int() cannot read
    if not truck or not (seconds.isascii() and seconds.isdigit()) or len(seconds) > 12:
        raise InvalidField("trip_id", "is not a trip id (TRUCK.<unix seconds>)")
    try:
        start = datetime.fromtimestamp(int(seconds), tz=UTC)
    except (OverflowError, OSError, ValueError):  # beyond the year 9999
        raise InvalidField("trip_id", "is not a trip id (TRUCK.<unix seconds>)") from None
    return parse_truck_id(truck, "trip_id"), start


@dataclass(frozen=True, slots=True)
class TripQuery:
    """Trips with start in [start, end), oldest first, after the cursor (start, trip_id)."""

    truck_ids: Collection[TruckId] | None = None
    driver_ids: Collection[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 100


def in_query(trip: Trip, query: TripQuery) -> bool:
    """Whether ``trip`` is one ``query`` asks for (the cursor and limit aside)."""
    return (
        (query.truck_ids is None or trip.truck_id in query.truck_ids)
        and (query.driver_ids is None or trip.driver_id in query.driver_ids)
        and (query.start is None or trip.start >= query.start)
        and (query.end is None or trip.start < query.end)
    )
