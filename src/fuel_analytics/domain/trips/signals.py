"""Per-interval and per-reading signals shared by trips and events: time above the speeding
threshold (interpolated between samples) and harsh accelerations and brakings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fuel_analytics.domain.fuel.consumption import Intervals, measure_intervals
from fuel_analytics.domain.fuel.segments import Series, build_series
from fuel_analytics.domain.model import Reading, Truck
from fuel_analytics.domain.trips.rules import TripRules

Span = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Measured:
    """A truck's series with its per-interval facts and the signals derived from them."""

    series: Series
    intervals: Intervals
    above: list[Span | None]  # per interval: the part of it above the speeding threshold
    accel_events: list[int]  # reading indices where a harsh acceleration begins
    brake_events: list[int]


def measure(truck: Truck, readings: Sequence[Reading], rules: TripRules) -> Measured:
    series = build_series(
        truck.truck_id, readings, segment_gap_s=rules.segment_gap_s, status=rules.status
    )
    intervals = measure_intervals(series, truck.baseline_mpg, rules.fuel_rules())
    accel, brake = harsh_events(series, rules)
    return Measured(series, intervals, above_spans(series, rules), accel, brake)


def above_spans(series: Series, rules: TripRules) -> list[Span | None]:
    """Per interval, the time span above ``speeding_above_mph``, the crossing interpolated
    linearly; ``None`` when nothing is known above (unknown speed, a gap longer than the
    speed-integration gap, or both ends at or below the threshold)."""
    limit = rules.speeding_above_mph
    out: list[Span | None] = []
    t, dt, speed = series.t, series.dt, series.speed
    for i, seconds in enumerate(dt):
        a, b = speed[i], speed[i + 1]
        if (
            not series.linked[i]
            or seconds > rules.speed_integration_max_gap_s
            or a is None
            or b is None
            or (a <= limit and b <= limit)
        ):
            out.append(None)
        elif a > limit and b > limit:
            out.append((t[i], t[i + 1]))
        elif a > limit:
            out.append((t[i], t[i] + seconds * (a - limit) / (a - b)))
        else:
            out.append((t[i + 1] - seconds * (b - limit) / (b - a), t[i + 1]))
    return out


def harsh_events(series: Series, rules: TripRules) -> tuple[list[int], list[int]]:
    """Reading indices where a harsh acceleration / braking begins.

    A reading is harsh by the device's own flag when the device sends flags; otherwise by
    the speed change from the previous reading, only when the two are at most
    ``harsh_max_gap_s`` apart (never from minute-level data). Consecutive harsh readings
    of one kind are one event.
    """
    rows = series.readings
    accel = [False] * len(rows)
    brake = [False] * len(rows)
    for k, row in enumerate(rows):
        flagged = row.harsh_accel is not None or row.harsh_brake is not None
        if flagged:
            accel[k], brake[k] = bool(row.harsh_accel), bool(row.harsh_brake)
            continue
        if k == 0 or not series.linked[k - 1]:
            continue
        previous = rows[k - 1]
        seconds = series.dt[k - 1]
        a, b = series.speed[k - 1], series.speed[k]
        if (
            previous.harsh_accel is not None
            or previous.harsh_brake is not None
            or a is None
            or b is None
            or seconds <= 0
            or seconds > rules.harsh_max_gap_s
        ):
            continue
        change = (b - a) / seconds
        accel[k] = change >= rules.harsh_accel_mph_s
        brake[k] = -change >= rules.harsh_brake_mph_s
    return _rising(accel), _rising(brake)


def _rising(marks: list[bool]) -> list[int]:
    return [k for k, on in enumerate(marks) if on and (k == 0 or not marks[k - 1])]
