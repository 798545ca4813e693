"""Which truck-days a batch of readings makes stale.

Derived results (daily fuel rollups, fuel events) are kept per truck and UTC day and
recomputed when readings arrive for that day. A reading near midnight can change an event that
started the day before or a classification that looks at the readings after it, so the
neighbouring day is marked too when the reading is within ``margin`` of the boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from fuel_analytics.domain.model import Reading, TruckId

DEFAULT_MARGIN = timedelta(hours=8)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def affected_days(
    readings: Iterable[Reading], margin: timedelta = DEFAULT_MARGIN
) -> set[tuple[TruckId, date]]:
    days: set[tuple[TruckId, date]] = set()
    for reading in readings:
        day = reading.ts.date()
        days.add((reading.truck_id, day))
        into_day = reading.ts - day_start(day)
        if into_day < margin:
            days.add((reading.truck_id, day - timedelta(days=1)))
        if timedelta(days=1) - into_day <= margin:
            days.add((reading.truck_id, day + timedelta(days=1)))
    return days
