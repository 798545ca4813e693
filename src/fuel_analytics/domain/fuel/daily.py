"""One row per UTC day: distance, fuel, idle, refuels, drops and the daily fuel balance.

Intervals are shared between the days (and the edges of the analysed window) they overlap,
in proportion to time, so analysing [a, c) gives the rows of [a, b) followed by those of
[b, c) whenever b is a day boundary and the same readings are passed.

The level-based use is the smoothed level's fall over the day outside refuels and drops
(the same as start - end + refuels - drops, but right when an event spans midnight),
leaving out gaps in the data in which the truck may have driven (the fuel burned then is
unknown on both sides of the balance) but keeping gaps in which it stayed parked. The
daily balance (unexplained gallons) is that use minus the fuel burned.

A day's start and end levels are the smoothed level at its boundaries, interpolated
between the readings either side when they are less than ``segment_gap_s`` apart (so one
day's end is the next day's start); otherwise the first / last smoothed level inside it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import compress
from typing import overload

from fuel_analytics.domain.fuel.changes import Track
from fuel_analytics.domain.fuel.consumption import Intervals
from fuel_analytics.domain.fuel.model import DailyFuel, FuelEvent, FuelEventKind, Source
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.segments import Series, to_datetime
from fuel_analytics.domain.model import Truck

DAY = timedelta(days=1)


class _Bucket:
    """Running sums for one day while the intervals are added (private, mutable)."""

    __slots__ = (
        "distance",
        "distance_time",
        "end",
        "engine_hours",
        "fuel",
        "fuel_time",
        "has_distance",
        "has_fuel",
        "idle_fuel",
        "idle_hours",
        "idle_time",
        "level_use",
        "moving_distance",
        "moving_fuel",
        "moving_hours",
        "start",
    )

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.distance = self.fuel = self.level_use = self.idle_fuel = 0.0
        self.moving_distance = self.moving_fuel = self.moving_hours = 0.0
        self.idle_hours = self.engine_hours = 0.0
        self.has_distance = self.has_fuel = False
        self.distance_time: dict[Source, float] = {}
        self.fuel_time: dict[Source, float] = {}
        self.idle_time: dict[Source, float] = {}


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


def _times(weights: dict[Source, float], sources: list[Source], seconds: list[float]) -> None:
    for source in set(sources):
        if source is not Source.NONE:
            _add(weights, source, sum(compress(seconds, [s is source for s in sources])))


def _add_whole(
    bucket: _Bucket, iv: Intervals, level_fall: Sequence[float], dt: list[float], i0: int, i1: int
) -> None:
    """Intervals ``i0 .. i1 - 1``, all inside the bucket (the common case, in bulk)."""
    none = Source.NONE
    seconds = dt[i0:i1]
    d_src, f_src = iv.distance_source[i0:i1], iv.fuel_source[i0:i1]
    distance, fuel = iv.distance[i0:i1], iv.fuel[i0:i1]
    bucket.level_use += sum(level_fall[i0:i1])
    # values are 0 where an interval has no source
    bucket.distance += sum(distance)
    bucket.has_distance |= d_src.count(none) < len(d_src)
    _times(bucket.distance_time, d_src, seconds)
    bucket.fuel += sum(fuel)
    bucket.has_fuel |= f_src.count(none) < len(f_src)
    _times(bucket.fuel_time, f_src, seconds)
    moving = iv.moving[i0:i1]
    bucket.moving_hours += sum(compress(seconds, moving)) / 3600.0
    both = [
        m and a is not none and b is not none for m, a, b in zip(moving, d_src, f_src, strict=True)
    ]
    bucket.moving_distance += sum(compress(distance, both))
    bucket.moving_fuel += sum(compress(fuel, both))
    bucket.idle_hours += sum(iv.idle_hours[i0:i1])
    bucket.engine_hours += sum(iv.engine_hours[i0:i1])
    bucket.idle_fuel += sum(iv.idle_fuel[i0:i1])
    _times(bucket.idle_time, iv.idle_fuel_source[i0:i1], seconds)


def _add_part(
    bucket: _Bucket, iv: Intervals, level_fall: Sequence[float], series: Series, i: int
) -> None:
    """Interval ``i``, which crosses an edge of the bucket: its share of it."""
    a, b = series.t[i], series.t[i + 1]
    overlap = min(b, bucket.end) - max(a, bucket.start)
    if overlap <= 0:
        return
    share = overlap / series.dt[i]
    bucket.level_use += level_fall[i] * share
    if not series.linked[i]:
        return
    none = Source.NONE
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


def _accumulate(
    buckets: list[_Bucket], series: Series, iv: Intervals, level_fall: Sequence[float]
) -> None:
    """Add every interval (or its share) to the buckets it overlaps. Unlinked intervals (a
    gap) carry nothing but a parked gap's level change."""
    t, count = series.t, len(series.dt)
    for bucket in buckets:
        i0 = bisect_left(t, bucket.start)  # intervals i0 .. i1 - 1 lie inside the bucket
        i1 = min(count, bisect_right(t, bucket.end) - 1)
        if i1 > i0:
            _add_whole(bucket, iv, level_fall, series.dt, i0, i1)
        for i in sorted({i0 - 1, max(i0, i1)}):
            if 0 <= i < count and not i0 <= i < i1:
                _add_part(bucket, iv, level_fall, series, i)


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
            level_use = bucket.level_use
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
