"""Utilization and benchmarking (DOMAIN.md §3).

Engine-on and driving hours come from the fuel analytics' intervals (an interval takes the
status of the reading that opens it; nothing is counted across a gap longer than
``segment_gap_s``), clipped to the period. Available hours are the period's hours times
the share of the week on duty (24/7 by default). A day is active when the truck drove at
least ``active_day_min_driving_s`` in it (UTC days, split at midnight).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from fuel_analytics.domain.fuel.segments import seconds_of, to_datetime
from fuel_analytics.domain.model import Reading, Truck, TruckId
from fuel_analytics.domain.trips.model import Utilization
from fuel_analytics.domain.trips.rules import TripRules
from fuel_analytics.domain.trips.signals import measure

HOUR = 3600.0


def utilization(
    truck: Truck,
    readings: Sequence[Reading],
    period_start: datetime,
    period_end: datetime,
    rules: TripRules,
) -> Utilization:
    lo, hi = seconds_of(period_start), seconds_of(period_end)
    measured = measure(truck, readings, rules)
    series, iv = measured.series, measured.intervals
    engine = driving = idle = 0.0
    by_day: dict[date, float] = {}
    for i, seconds in enumerate(series.dt):
        a, b = max(lo, series.t[i]), min(hi, series.t[i + 1])
        if b <= a or seconds <= 0:
            continue
        share = (b - a) / seconds
        engine += iv.engine_hours[i] * share
        idle += iv.idle_hours[i] * share
        if iv.moving[i]:
            driving += (b - a) / HOUR
            for day, part in _split_days(a, b):
                by_day[day] = by_day.get(day, 0.0) + part
    active = tuple(sorted(d for d, s in by_day.items() if s >= rules.active_day_min_driving_s))
    return hours_used(
        truck.truck_id, to_datetime(lo), to_datetime(hi), engine, driving, idle, active, rules
    )


def available_hours(period_start: datetime, period_end: datetime, rules: TripRules) -> float:
    """The period's hours times the share of the day and of the week on duty."""
    hours = max(0.0, (period_end - period_start).total_seconds()) / HOUR
    return hours * rules.available_hours_per_day / 24.0 * rules.available_days_per_week / 7.0


def hours_used(
    truck_id: TruckId,
    period_start: datetime,
    period_end: datetime,
    engine_h: float,
    driving_h: float,
    idle_h: float,
    active_dates: tuple[date, ...],
    rules: TripRules,
) -> Utilization:
    """The measured hours against the period's available hours."""
    available = available_hours(period_start, period_end, rules)
    return Utilization(
        truck_id=truck_id,
        period_start=period_start,
        period_end=period_end,
        engine_on_h=round(engine_h, 3),
        driving_h=round(driving_h, 3),
        idle_h=round(idle_h, 3),
        available_h=round(available, 3),
        engine_pct=round(engine_h / available * 100.0, 2) if available > 0 else None,
        driving_pct=round(driving_h / available * 100.0, 2) if available > 0 else None,
        active_days=len(active_dates),
        active_dates=active_dates,
        idle_all_period=driving_h == 0.0,
    )


def _split_days(a: float, b: float) -> list[tuple[date, float]]:
    out: list[tuple[date, float]] = []
    while a < b:
        day = to_datetime(a).date()
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        cut = min(b, midnight.timestamp())
        out.append((day, cut - a))
        a = cut
    return out


def percentile_rank(value: float, peers: Sequence[float], higher_is_better: bool) -> float:
    """The % of peers that ``value`` does better than, ties counting half (0-100).

    With no peers the value is alone in its group: 100.
    """
    if value != value:
        raise ValueError("value is NaN")
    known = [p for p in peers if p == p]
    if not known:
        return 100.0
    better = sum(1 for p in known if (value > p if higher_is_better else value < p))
    equal = sum(1 for p in known if p == value)
    return round((better + 0.5 * equal) / len(known) * 100.0, 2)


def peer_group(truck: Truck, fleet: Sequence[Truck], *, year_window: int = 3) -> list[Truck]:
    """Other trucks of the same make and model (case-insensitive), model years within
    ``year_window``; none when the truck's make, model or year is unknown."""
    if truck.make is None or truck.model is None or truck.year is None:
        return []
    make, model = truck.make.strip().casefold(), truck.model.strip().casefold()
    peers = {
        other.truck_id: other
        for other in fleet
        if other.truck_id != truck.truck_id
        and other.make is not None
        and other.model is not None
        and other.year is not None
        and other.make.strip().casefold() == make
        and other.model.strip().casefold() == model
        and abs(other.year - truck.year) <= year_window
    }
    return [peers[k] for k in sorted(peers)]
