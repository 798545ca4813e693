"""One truck over a window: daily fuel rows and fuel events (the domain's entry point)."""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.fuel.consumption import level_changes, level_fuel, measure_intervals
from fuel_analytics.domain.fuel.daily import daily_rows
from fuel_analytics.domain.fuel.detection import detect_events
from fuel_analytics.domain.fuel.model import (
    SENSOR_FAULTS,
    FuelEvent,
    FuelEventKind,
    TruckFuelAnalysis,
)
from fuel_analytics.domain.fuel.rules import FuelRules, rules_for
from fuel_analytics.domain.fuel.segments import as_utc, build_series
from fuel_analytics.domain.model import Reading, Truck

_FILLS_AND_DROPS = frozenset({FuelEventKind.REFUEL, FuelEventKind.THEFT_SUSPECTED})


def _spans(
    events: Sequence[FuelEvent], kinds: Set[FuelEventKind] | None = None
) -> list[tuple[float, float]]:
    return [
        (e.start.timestamp(), e.end.timestamp()) for e in events if kinds is None or e.kind in kinds
    ]


def analyze_truck(
    truck: Truck,
    readings: Sequence[Reading],
    *,
    start: datetime,
    end: datetime,
    rules: FuelRules,
) -> TruckFuelAnalysis:
    """Daily rows and events of ``truck`` over [start, end).

    ``readings`` may reach beyond the window (pass a margin, e.g. a day each side, so that
    smoothing and detection see context); results only cover [start, end). Readings of
    other trucks are ignored; order does not matter; a second reading at the same ts is
    dropped. The truck's ``thresholds`` override ``rules``. Naive datetimes are UTC.
    """
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise InvalidField("end", "must be after start")
    rules = rules_for(truck, rules)
    series = build_series(
        truck.truck_id, readings, segment_gap_s=rules.segment_gap_s, status=rules.status
    )
    intervals = measure_intervals(series, truck.baseline_mpg, rules)
    detection = detect_events(series, intervals, truck.tank_capacity_gal, rules)
    gauge, smooth = detection.track.gauge, detection.track.smooth
    capacity = truck.tank_capacity_gal
    # fuel from the level: nothing inside any event (refuels and drops removed)
    level_fuel(intervals, series, gauge.at, smooth, _spans(detection.events), capacity)
    level_fall = level_changes(
        series,
        gauge.at,
        smooth,
        _spans(detection.events, SENSOR_FAULTS),
        _spans(detection.events, _FILLS_AND_DROPS),
        capacity,
        rules,
    )
    days = daily_rows(
        truck,
        series,
        intervals,
        detection.track,
        level_fall,
        detection.events,
        start=start,
        end=end,
        rules=rules,
    )
    events = tuple(e for e in detection.events if start <= e.start < end)
    return TruckFuelAnalysis(
        truck_id=truck.truck_id, start=start, end=end, days=tuple(days), events=events
    )
