"""Which truck-days a batch of readings makes stale.

Derived results (daily fuel rollups, fuel events) are kept per truck and UTC day and
recomputed when readings arrive for that day. A reading near midnight can change an event that
started the day before or a classification that looks at the readings after it, so the
neighbouring day is marked too when the reading is within ``margin`` of the boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from fuel_analytics.domain.model import Reading, TruckId

DEFAULT_MARGIN = timedelta(hours=8)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def affected_days(
    readings: Iterable[Reading], margin: timedelta = DEFAULT_MARGIN
) -> set[tuple[TruckId, date]]:
    days: set[tuple[TruckId, date]] = set()
    # the days a timestamp marks depend on it alone, and a batch has few distinct ones
    # (with its zone: equal instants in two zones have two dates)
    marks: dict[tuple[datetime, tzinfo | None], tuple[date, ...]] = {}
    for reading in readings:
        ts = reading.ts
        key = (ts, ts.tzinfo)
        found = marks.get(key)
        if found is None:
            found = marks[key] = _days_marked(ts, margin)
        for day in found:
            days.add((reading.truck_id, day))
    return days


def _days_marked(ts: datetime, margin: timedelta) -> tuple[date, ...]:
    day = ts.date()
    found = [day]
    into_day = ts - day_start(day)
    if into_day < margin:
        found.append(day - timedelta(days=1))
    if timedelta(days=1) - into_day <= margin:
        found.append(day + timedelta(days=1))
    return tuple(found)
