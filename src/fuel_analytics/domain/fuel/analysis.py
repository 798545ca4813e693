"""One truck over a window: daily fuel rows and fuel events (the domain's entry point)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.fuel.consumption import level_changes, level_fuel, measure_intervals
from fuel_analytics.domain.fuel.daily import daily_rows
from fuel_analytics.domain.fuel.detection import detect_events
from fuel_analytics.domain.fuel.model import FuelEventKind, TruckFuelAnalysis
from fuel_analytics.domain.fuel.rules import FuelRules, rules_for
from fuel_analytics.domain.fuel.segments import as_utc, build_series
from fuel_analytics.domain.model import Reading, Truck

_NOT_BURN = frozenset({FuelEventKind.SIPHONING})


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
    excluded = [
        (e.start.timestamp(), e.end.timestamp())
        for e in detection.events
        if e.kind not in _NOT_BURN
    ]
    level_fuel(
        intervals,
        series,
        detection.track.gauge.at,
        detection.track.smooth,
        excluded,
        truck.tank_capacity_gal,
    )
    level_fall = level_changes(
        series,
        detection.track.gauge.at,
        detection.track.smooth,
        truck.tank_capacity_gal,
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
