"""One row per UTC day: distance, fuel, idle, refuels, drops and the daily fuel balance.

Intervals are shared between the days (and the edges of the analysed window) they overlap,
in proportion to time, so analysing [a, c) gives the rows of [a, b) followed by those of
[b, c) whenever b is a day boundary and the same readings are passed.

The level-based use is the smoothed level's fall over the day plus refuels minus drops,
leaving out gaps in the data in which the truck may have driven (the fuel burned then is
unknown on both sides of the balance) but keeping gaps in which it stayed parked.

A day's start and end levels are the smoothed level at its boundaries, interpolated
between the readings either side when they are less than ``segment_gap_s`` apart (so one
day's end is the next day's start); otherwise the first / last smoothed level inside it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import overload

from fuel_analytics.domain.fuel.changes import Track
from fuel_analytics.domain.fuel.consumption import Intervals
from fuel_analytics.domain.fuel.model import DailyFuel, FuelEvent, FuelEventKind, Source
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.segments import Series, to_datetime
from fuel_analytics.domain.model import Truck

DAY = timedelta(days=1)


@dataclass(slots=True)
class _Bucket:
    """Running sums for one day (internal and mutable while the intervals are added)."""

    start: float
    end: float
    distance: float = 0.0
    has_distance: bool = False
    fuel: float = 0.0
    has_fuel: bool = False
    moving_distance: float = 0.0
    moving_fuel: float = 0.0
    moving_hours: float = 0.0
    idle_hours: float = 0.0
    engine_hours: float = 0.0
    idle_fuel: float = 0.0
    level_use: float = 0.0
    distance_time: dict[Source, float] = field(default_factory=dict)
    fuel_time: dict[Source, float] = field(default_factory=dict)
    idle_time: dict[Source, float] = field(default_factory=dict)


def day_windows(start: datetime, end: datetime) -> list[tuple[float, float]]:
    """The UTC days meeting [start, end), each clipped to it."""
    out: list[tuple[float, float]] = []
    day = datetime(start.year, start.month, start.day, tzinfo=UTC)
    while day < end:
        lo, hi = max(day, start), min(day + DAY, end)
        out.append((lo.timestamp(), hi.timestamp()))
        day += DAY
    return out


def _add(weights: dict[Source, float], source: Source, amount: float) -> None:
    weights[source] = weights.get(source, 0.0) + amount


def _dominant(weights: dict[Source, float]) -> Source:
    """The source behind most of the time (ties: the better source, in enum order)."""
    order = list(Source)
    best = Source.NONE
    for source, amount in sorted(weights.items(), key=lambda kv: order.index(kv[0])):
        if source is not Source.NONE and amount > weights.get(best, 0.0):
            best = source
    return best


def _accumulate(
    buckets: list[_Bucket], series: Series, iv: Intervals, level_fall: Sequence[float]
) -> None:
    t, dt, linked = series.t, series.dt, series.linked
    bounds = [b.start for b in buckets]
    window_start, window_end = buckets[0].start, buckets[-1].end
    first = max(0, bisect_right(t, window_start) - 1)
    none = Source.NONE
    for i in range(first, len(dt)):
        a = t[i]
        if a >= window_end:
            break
        b = t[i + 1]
        if b <= window_start:
            continue
        seconds = dt[i]
        fell = level_fall[i]
        if not linked[i]:
            if fell:
                for bucket in buckets:
                    overlap = min(b, bucket.end) - max(a, bucket.start)
                    if overlap > 0:
                        bucket.level_use += fell * overlap / seconds
            continue
        index = max(0, bisect_right(bounds, a) - 1)
        while index < len(buckets) and buckets[index].start < b:
            bucket = buckets[index]
            overlap = min(b, bucket.end) - max(a, bucket.start)
            index += 1
            if overlap <= 0:
                continue
            share = overlap / seconds
            bucket.level_use += fell * share
            d_src, f_src = iv.distance_source[i], iv.fuel_source[i]
            if d_src is not none:
                bucket.distance += iv.distance[i] * share
                bucket.has_distance = True
                _add(bucket.distance_time, d_src, overlap)
            if f_src is not none:
                bucket.fuel += iv.fuel[i] * share
                bucket.has_fuel = True
                _add(bucket.fuel_time, f_src, overlap)
            if iv.moving[i]:
                bucket.moving_hours += overlap / 3600.0
                if d_src is not none and f_src is not none:
                    bucket.moving_distance += iv.distance[i] * share
                    bucket.moving_fuel += iv.fuel[i] * share
            bucket.idle_hours += iv.idle_hours[i] * share
            bucket.engine_hours += iv.engine_hours[i] * share
            i_src = iv.idle_fuel_source[i]
            if i_src is not none:
                bucket.idle_fuel += iv.idle_fuel[i] * share
                _add(bucket.idle_time, i_src, overlap)


def level_at(track: Track, moment: float, *, gap_s: float, side: int) -> float | None:
    """Smoothed level at ``moment``: interpolated across it when readings close enough lie
    either side; else the nearest reading inside the day (``side`` +1: after, -1: before)."""
    t, smooth = track.gauge.t, track.smooth
    after = bisect_left(t, moment)
    if 0 < after < len(t) and t[after] - t[after - 1] <= gap_s:
        t0, t1 = t[after - 1], t[after]
        share = (moment - t0) / (t1 - t0)
        return smooth[after - 1] + (smooth[after] - smooth[after - 1]) * share
    if after < len(t) and t[after] == moment:
        return smooth[after]
    index = after if side > 0 else after - 1
    if 0 <= index < len(t):
        return smooth[index]
    return None


def daily_rows(
    truck: Truck,
    series: Series,
    intervals: Intervals,
    track: Track,
    level_fall: Sequence[float],
    events: Sequence[FuelEvent],
    *,
    start: datetime,
    end: datetime,
    rules: FuelRules,
) -> list[DailyFuel]:
    windows = day_windows(start, end)
    if not windows or not len(series):
        return []
    buckets = [_Bucket(start=a, end=b) for a, b in windows]
    _accumulate(buckets, series, intervals, level_fall)
    t, gap = series.t, rules.segment_gap_s
    issue_times = sorted(t[i] for i in intervals.issues)
    event_times = [e.start.timestamp() for e in events]
    rows: list[DailyFuel] = []
    for bucket in buckets:
        lo, hi = bisect_left(t, bucket.start), bisect_left(t, bucket.end)
        if hi <= lo:
            continue
        # levels must come from inside the day or from across its boundary
        inside = bisect_left(track.gauge.t, bucket.start) < bisect_left(track.gauge.t, bucket.end)
        start_level = level_at(track, bucket.start, gap_s=gap, side=1) if inside else None
        end_level = level_at(track, bucket.end, gap_s=gap, side=-1) if inside else None
        refuel_gal = drop_gal = 0.0
        refuels = 0
        for event in events[
            bisect_left(event_times, bucket.start) : bisect_left(event_times, bucket.end)
        ]:
            if event.kind is FuelEventKind.REFUEL:
                refuels += 1
                refuel_gal += event.gallons
            elif event.kind is FuelEventKind.THEFT_SUSPECTED:
                drop_gal += event.gallons
        fuel = max(0.0, bucket.fuel) if bucket.has_fuel else None
        level_use = None
        unexplained = None
        if inside:
            level_use = bucket.level_use + refuel_gal - drop_gal
            if fuel is not None:
                unexplained = level_use - fuel
        defs = [v for v in series.def_level[lo:hi] if v is not None]
        rows.append(
            DailyFuel(
                truck_id=truck.truck_id,
                day=to_datetime(bucket.start).date(),
                start=to_datetime(bucket.start),
                end=to_datetime(bucket.end),
                readings=hi - lo,
                distance_mi=_r(bucket.distance) if bucket.has_distance else None,
                distance_source=_dominant(bucket.distance_time),
                fuel_used_gal=_r(fuel),
                fuel_source=_dominant(bucket.fuel_time),
                moving_distance_mi=_r(bucket.moving_distance),
                moving_fuel_gal=_r(max(0.0, bucket.moving_fuel)),
                moving_hours=_r(bucket.moving_hours),
                idle_hours=_r(bucket.idle_hours),
                engine_on_hours=_r(bucket.engine_hours),
                idle_fuel_gal=_r(bucket.idle_fuel),
                idle_fuel_source=_dominant(bucket.idle_time),
                refuel_count=refuels,
                refuel_gal=_r(refuel_gal),
                drop_gal=_r(drop_gal),
                start_level_pct=_r(start_level),
                end_level_pct=_r(end_level),
                level_use_gal=_r(level_use),
                unexplained_gal=_r(unexplained),
                data_quality_issues=bisect_left(issue_times, bucket.end)
                - bisect_left(issue_times, bucket.start),
                def_start_pct=defs[0] if defs else None,
                def_end_pct=defs[-1] if defs else None,
            )
        )
    return rows


@overload
def _r(value: float) -> float: ...
@overload
def _r(value: float | None) -> float | None: ...
def _r(value: float | None) -> float | None:
    """Rounded for reporting (a ten-thousandth of a gallon, mile or hour)."""
    return None if value is None else round(value, 4)
