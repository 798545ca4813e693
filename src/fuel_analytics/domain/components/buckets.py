"""Hourly and daily aggregates of a monitored sensor (count, mean, min, max, p95).

Buckets are aligned to UTC: a bucket of width ``w`` starts at a whole multiple of ``w``
since the Unix epoch (1970-01-01T00:00Z), so hours start on the hour and days at 00:00 UTC
(any width that divides 24 h lines up with UTC midnight). A naive timestamp is read as UTC.

``p95`` is the nearest-rank percentile: the value at rank ``ceil(0.95 * count)`` of the
bucket's values in ascending order (the largest value for fewer than 20 values, always one
of the observed values, never interpolated).

Every figure is computed from the bucket's values in sorted order (the mean with
``math.fsum``), so the result does not depend on the order of the input readings, down to
the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from fuel_analytics.domain.components.rules import (
    DEFAULT_CONDITIONS,
    ComponentMonitor,
    Condition,
    ConditionRules,
    condition_met,
)
from fuel_analytics.domain.model import Reading

HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
P95: Final = 0.95


@dataclass(frozen=True, slots=True)
class Bucket:
    """One monitor's values over ``[start, start + width)``; ``start`` is aware UTC."""

    monitor_key: str
    start: datetime
    count: int
    mean: float
    min: float
    max: float
    p95: float


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def bucket_start(ts: datetime, width: timedelta) -> datetime:
    """The start of the UTC-aligned bucket of ``width`` that holds ``ts``."""
    _check_width(width)
    return EPOCH + ((_utc(ts) - EPOCH) // width) * width


def _check_width(width: timedelta) -> None:
    if width <= timedelta(0):
        raise ValueError(f"bucket width must be positive, not {width}")


def nearest_rank(sorted_values: Sequence[float], fraction: float = P95) -> float:
    """The nearest-rank percentile of values already in ascending order."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(monitor_key: str, start: datetime, values: Iterable[float]) -> Bucket:
    """The bucket of these values, in any order (at least one value)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("a bucket needs at least one value")
    count = len(ordered)
    mean = math.fsum(ordered) / count
    # fsum is exact; the division can put the mean one ulp outside [min, max]
    mean = min(max(mean, ordered[0]), ordered[-1])
    return Bucket(monitor_key, start, count, mean, ordered[0], ordered[-1], nearest_rank(ordered))


def _value_getter(
    monitor: ComponentMonitor, rules: ConditionRules
) -> Callable[[Reading], float | None]:
    """``monitored_value`` specialised for one monitor (the hot loop of ``aggregate``)."""
    sensor, condition = monitor.sensor, monitor.condition
    rpm_on, rate_on = rules.engine_on_rpm, rules.engine_on_fuel_rate_gph
    if condition is Condition.ANY:
        return lambda reading: getattr(reading, sensor)
    if condition is Condition.ENGINE_RUNNING:

        def running(reading: Reading) -> float | None:
            value: float | None = getattr(reading, sensor)
            if value is None:
                return None
            rpm, rate = reading.rpm, reading.fuel_rate_gph
            if (rpm is not None and rpm > rpm_on) or (rate is not None and rate > rate_on):
                return value
            return None

        return running

    def other(reading: Reading) -> float | None:
        value: float | None = getattr(reading, sensor)
        if value is None or not condition_met(condition, reading, rules):
            return None
        return value

    return other


def samples(
    monitor: ComponentMonitor,
    readings: Iterable[Reading],
    rules: ConditionRules = DEFAULT_CONDITIONS,
) -> list[tuple[datetime, float]]:
    """The monitor's ``(ts, value)`` series, in time order (ties by value)."""
    value_of = _value_getter(monitor, rules)
    out: list[tuple[datetime, float]] = []
    for reading in readings:
        value = value_of(reading)
        if value is not None:
            out.append((_utc(reading.ts), float(value)))
    out.sort()
    return out


def aggregate_samples(
    monitor_key: str, series: Iterable[tuple[datetime, float]], width: timedelta
) -> list[Bucket]:
    """Buckets of ``(ts, value)`` pairs, in time order; empty buckets are left out."""
    _check_width(width)
    groups: dict[int, list[float]] = {}
    for ts, value in series:
        index = (_utc(ts) - EPOCH) // width
        group = groups.get(index)
        if group is None:
            groups[index] = [value]
        else:
            group.append(value)
    return [
        summarize(monitor_key, EPOCH + index * width, groups[index]) for index in sorted(groups)
    ]


def aggregate(
    monitor: ComponentMonitor,
    readings: Iterable[Reading],
    width: timedelta,
    rules: ConditionRules = DEFAULT_CONDITIONS,
) -> list[Bucket]:
    """The monitor's buckets of ``width`` (``HOUR``, ``DAY``) over one truck's readings.

    Only the readings that carry the sensor and meet the monitor's condition count; buckets
    without any such reading are left out. Returned in time order.
    """
    _check_width(width)
    value_of = _value_getter(monitor, rules)
    groups: dict[int, list[float]] = {}
    # readings mostly come in time order: remember the current bucket's bounds and only
    # compute an index when a reading falls outside them
    low = high = EPOCH
    group: list[float] = []
    for reading in readings:
        value = value_of(reading)
        if value is None:
            continue
        ts = reading.ts
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        if not low <= ts < high:
            index = (ts - EPOCH) // width
            low = EPOCH + index * width
            high = low + width
            found = groups.get(index)
            if found is None:
                found = groups[index] = []
            group = found
        group.append(float(value))
    return [
        summarize(monitor.key, EPOCH + index * width, groups[index]) for index in sorted(groups)
    ]
