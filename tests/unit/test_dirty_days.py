"""Which truck-days a batch marks stale: each reading's day, and the neighbouring day when it
is within the margin of midnight, whatever the batch shares (timestamps, trucks, zones)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from fuel_analytics.domain.dirty import DEFAULT_MARGIN, affected_days, day_start
from fuel_analytics.domain.model import Reading, TruckId

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def one_by_one(readings: list[Reading]) -> set[tuple[TruckId, date]]:
    """The rule, reading by reading."""
    days: set[tuple[TruckId, date]] = set()
    for r in readings:
        day = r.ts.date()
        days.add((r.truck_id, day))
        into_day = r.ts - day_start(day)
        if into_day < DEFAULT_MARGIN:
            days.add((r.truck_id, day - timedelta(days=1)))
        if timedelta(days=1) - into_day <= DEFAULT_MARGIN:
            days.add((r.truck_id, day + timedelta(days=1)))
    return days


readings = st.lists(
    st.builds(
        lambda truck, minutes, offset_h: Reading(
            truck_id=TruckId(f"T{truck}"),
            ts=(T0 + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=offset_h))),
        ),
        st.integers(0, 3),
        st.sampled_from([0, 1, 60 * 8 - 1, 60 * 8, 60 * 16, 60 * 16 + 1, 60 * 24 - 1, 2000]),
        st.sampled_from([0, 0, 0, 2, -5]),
    ),
    max_size=30,
)


@given(readings)
def test_a_batch_marks_what_its_readings_mark_one_by_one(batch: list[Reading]) -> None:
    assert affected_days(batch) == one_by_one(batch)


def test_the_margin_edges() -> None:
    def days(minutes: int) -> list[date]:
        return sorted(
            d for _, d in affected_days([Reading(TruckId("T"), T0 + timedelta(minutes=minutes))])
        )

    jan = [date(2026, 1, d) for d in (4, 5, 6)]
    assert days(60 * 8 - 1) == jan[:2]  # 07:59: the day before too
    assert days(60 * 8) == jan[1:2]
    assert days(60 * 16 - 1) == jan[1:2]
    assert days(60 * 16) == jan[1:]  # 16:00: 8 h before midnight, the day after too
