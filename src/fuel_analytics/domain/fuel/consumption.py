"""Distance, fuel used, idle and engine time per interval between consecutive readings.

Each quantity takes the best source available for each interval (DOMAIN.md §3):

- distance: the odometer delta (a negative one, or one implying more than
  ``max_plausible_mph`` beyond the odometer's resolution, is discarded and counted as a data
  quality issue); else the speed integral over gaps <= ``speed_integration_max_gap_s``,
  apportioned by GPS where both ends have a position (see :func:`_gps_apportion`);
- fuel: the ECU counter delta (a negative one is ignored and counted); else the fuel-rate
  integral over gaps <= ``rate_integration_max_gap_s``; else the smoothed level's fall
  (filled in later by :func:`level_fuel`, once refuels and drops are known);
- idle fuel: the ECU idle counter; else the rate integral while idle (the rate read at the
  idle reading, as the next one may already be driving); else the total counter while
  idle; else ``idle_default_gph`` x idle hours (ESTIMATED).

Speeds and rates are integrated as trapezoids (the known end alone when one is missing).
An interval takes the status of the reading that opens it (MOVING / IDLE / STOPPED).

Counter deltas are taken between consecutive readings that carry the counter within one
segment, and spread over the intervals between them in proportion to time.
Intervals of a gap longer than ``segment_gap_s`` get nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.segments import Series
from fuel_analytics.domain.model import TruckStatus

HOUR = 3600.0
EARTH_RADIUS_MI = 3958.8


@dataclass(frozen=True, slots=True)
class Intervals:
    """Per-interval facts (index ``i`` is the interval from reading ``i`` to ``i + 1``).

    ``burn`` is fuel the engine burned by any source but the level (or, lacking one, an
    estimate from distance / baseline MPG and the default idle rate): what a level drop is
    compared with. ``burn_cum[i]`` is the burn from the first reading to reading ``i``.
    ``issues`` holds the reading indices at which a counter delta was discarded.
    """

    distance: list[float]
    distance_source: list[Source]
    fuel: list[float]
    fuel_source: list[Source]
    burn: list[float]
    burn_cum: list[float]
    idle_hours: list[float]
    engine_hours: list[float]
    moving: list[bool]
    idle_fuel: list[float]
    idle_fuel_source: list[Source]
    issues: list[int]


def _counter_deltas(
    values: Sequence[float | None],
    series: Series,
    out: list[float],
    covered: list[bool],
    issues: list[int],
    *,
    max_per_s: float | None = None,
    slack: float = 0.0,
) -> None:
    """Deltas of a monotonic counter between consecutive readings carrying it."""
    t, dt, linked = series.t, series.dt, series.linked
    last = -1
    for i, value in enumerate(values):
        if i > 0 and not linked[i - 1]:
            last = -1
        if value is None:
            continue
        if last >= 0:
            previous = values[last]
            assert previous is not None
            delta = value - previous
            span = t[i] - t[last]
            if delta < 0 or (max_per_s is not None and delta - slack > max_per_s * span):
                issues.append(i)
            elif i - last == 1:
                out[last] = delta
                covered[last] = True
            else:
                for j in range(last, i):
                    out[j] = delta * dt[j] / span
                    covered[j] = True
        last = i


def _integral(values: Sequence[float | None], i: int, seconds: float, per: float) -> float | None:
    """Trapezoid of a rate over one interval; the known end alone when the other is missing."""
    a, b = values[i], values[i + 1]
    if a is not None and b is not None:
        return (a + b) / 2.0 * seconds / per
    if a is not None:
        return a * seconds / per
    if b is not None:
        return b * seconds / per
    return None


def great_circle_mi(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    """Haversine distance in miles."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp, dl = p1 - p0, math.radians(lon1 - lon0)
    h = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MI * math.asin(min(1.0, math.sqrt(h)))


def _gps_apportion(
    series: Series, distance: list[float], source: Sequence[Source], rules: FuelRules
) -> None:
    """Without an odometer, let GPS say where the speed integral's miles were driven.

    Sampled speed is a poor measure of one interval: on the interval in which the truck set
    off or stopped, the trapezoid cannot know when in it the truck started or stopped (it
    assumes half-way, up to ``speed x gap / 2`` wrong), and each sample's speed is noisy.
    The straight line between two GPS fixes is exact about where the truck went but short
    of the road (bends, turns). So, on every speed-integrated interval with a moving end and
    a position at both ends: miles = straight-line miles x the road factor, the ratio of the
    speed integral to the straight-line miles over the intervals moving at both ends, at
    speeds at most ``gps_calibration_steady_mph`` apart, within ``gps_calibration_window_s``
    either side. Over that window the miles are the speed integral's; GPS only apportions
    them. Kept as the plain speed integral when the window covers less than
    ``gps_calibration_min_mi`` of GPS distance, when the factor is outside
    ``gps_road_factor_min``..``gps_road_factor_max`` (a speedometer or GPS that is off), or
    when a straight line implies more than ``max_plausible_mph`` (a GPS jump).

    The window (12 h by default) stays inside the day of context the derived results are
    recomputed with, so a day recomputed alone gets the distances a full recompute gets.
    """
    t, dt, lat, lon = series.t, series.dt, series.lat, series.lon
    moving = [s is TruckStatus.MOVING for s in series.status]
    speeds = series.speed
    limit = rules.max_plausible_mph / HOUR
    chord: list[float | None] = [None] * len(dt)
    for i, seconds in enumerate(dt):
        if source[i] is not Source.SPEED_INTEGRAL or not (moving[i] or moving[i + 1]):
            continue
        a0, o0, a1, o1 = lat[i], lon[i], lat[i + 1], lon[i + 1]
        if a0 is None or o0 is None or a1 is None or o1 is None:
            continue
        straight = great_circle_mi(a0, o0, a1, o1)
        if straight <= limit * seconds:
            chord[i] = straight
    # calibration intervals: moving at both ends at a steady speed (where the trapezoid is
    # right but for the speedometer's noise: no change of pace hides between the samples)
    steady = rules.gps_calibration_steady_mph
    at: list[float] = []
    by_speed, by_gps = [0.0], [0.0]  # running sums over them
    for i, line in enumerate(chord):
        if line is not None and moving[i] and moving[i + 1]:
            a, b = speeds[i], speeds[i + 1]
            if a is not None and b is not None and abs(a - b) <= steady:
                at.append(t[i])
                by_speed.append(by_speed[-1] + distance[i])
                by_gps.append(by_gps[-1] + line)
    if not at:
        return
    window = rules.gps_calibration_window_s
    for i, line in enumerate(chord):
        if line is None:
            continue
        lo, hi = bisect_left(at, t[i] - window), bisect_right(at, t[i] + window)
        gps = by_gps[hi] - by_gps[lo]
        if gps < rules.gps_calibration_min_mi or gps <= 0:
            continue
        factor = (by_speed[hi] - by_speed[lo]) / gps
        if rules.gps_road_factor_min <= factor <= rules.gps_road_factor_max:
            distance[i] = line * factor


def measure_intervals(series: Series, baseline_mpg: float, rules: FuelRules) -> Intervals:
    size = len(series.dt)
    dt, linked, status = series.dt, series.linked, series.status
    issues: list[int] = []

    distance = [0.0] * size
    odo_covered = [False] * size
    _counter_deltas(
        series.odometer,
        series,
        distance,
        odo_covered,
        issues,
        max_per_s=rules.max_plausible_mph / HOUR,
        slack=rules.odometer_resolution_mi,
    )
    fuel = [0.0] * size
    counter_covered = [False] * size
    _counter_deltas(series.fuel_total, series, fuel, counter_covered, issues)
    idle_fuel = [0.0] * size
    idle_covered = [False] * size
    _counter_deltas(series.idle_fuel_total, series, idle_fuel, idle_covered, issues)

    distance_source = [Source.NONE] * size
    fuel_source = [Source.NONE] * size
    idle_fuel_source = [Source.NONE] * size
    burn = [0.0] * size
    idle_hours = [0.0] * size
    engine_hours = [0.0] * size
    moving = [False] * size
    speed_gap, rate_gap = rules.speed_integration_max_gap_s, rules.rate_integration_max_gap_s
    speeds, rates = series.speed, series.rate
    idle_gph = rules.idle_default_gph
    for i in range(size):
        if not linked[i]:
            continue
        if odo_covered[i]:
            distance_source[i] = Source.ODOMETER
        elif dt[i] <= speed_gap:
            miles = _integral(speeds, i, dt[i], HOUR)
            if miles is not None:
                distance[i] = miles
                distance_source[i] = Source.SPEED_INTEGRAL
    _gps_apportion(series, distance, distance_source, rules)
    for i in range(size):
        if not linked[i]:
            continue
        seconds = dt[i]
        state = status[i]
        used: float | None = None
        if counter_covered[i]:
            fuel_source[i] = Source.ECU_COUNTER
            used = fuel[i]
        elif seconds <= rate_gap:
            used = _integral(rates, i, seconds, HOUR)
            if used is not None:
                fuel[i] = used
                fuel_source[i] = Source.RATE_INTEGRAL
        if state is TruckStatus.STOPPED:
            burn[i] = used or 0.0
            if idle_covered[i]:
                idle_fuel_source[i] = Source.ECU_COUNTER
            continue
        engine_hours[i] = seconds / HOUR
        if state is TruckStatus.MOVING:
            moving[i] = True
            if used is None and distance_source[i] is not Source.NONE:
                used = distance[i] / baseline_mpg if baseline_mpg > 0 else 0.0
            burn[i] = used or 0.0
            if idle_covered[i]:
                idle_fuel_source[i] = Source.ECU_COUNTER
            continue
        idle_hours[i] = seconds / HOUR
        burn[i] = idle_gph * seconds / HOUR if used is None else used
        if idle_covered[i]:
            idle_fuel_source[i] = Source.ECU_COUNTER
            continue
        # the idle rate is the one read while idling (the left end): the next reading may
        # already be driving
        idle_rate = rates[i]
        by_rate = (
            idle_rate * seconds / HOUR if idle_rate is not None and seconds <= rate_gap else None
        )
        if by_rate is not None:
            idle_fuel[i], idle_fuel_source[i] = by_rate, Source.RATE_INTEGRAL
        elif counter_covered[i]:
            idle_fuel[i], idle_fuel_source[i] = fuel[i], Source.ECU_COUNTER
        else:
            idle_fuel[i], idle_fuel_source[i] = idle_gph * seconds / HOUR, Source.ESTIMATED
    burn_cum = [0.0] * (size + 1)
    total = 0.0
    for i, gallons in enumerate(burn):
        total += gallons
        burn_cum[i + 1] = total
    return Intervals(
        distance=distance,
        distance_source=distance_source,
        fuel=fuel,
        fuel_source=fuel_source,
        burn=burn,
        burn_cum=burn_cum,
        idle_hours=idle_hours,
        engine_hours=engine_hours,
        moving=moving,
        idle_fuel=idle_fuel,
        idle_fuel_source=idle_fuel_source,
        issues=sorted(issues),
    )


def level_fuel(
    intervals: Intervals,
    series: Series,
    track_at: Sequence[int],
    track_smooth: Sequence[float],
    excluded: Sequence[tuple[float, float]],
    capacity_gal: float,
) -> None:
    """Fill intervals that have no better fuel source with the smoothed level's fall.

    Signed per interval (noise cancels out over a day), spread over the intervals between
    consecutive clean level readings, skipped across gaps and inside refuels, drops and
    sensor faults (``excluded`` time spans), so refuels and drops are removed.
    """
    t, dt = series.t, series.dt
    fuel, source = intervals.fuel, intervals.fuel_source
    none = Source.NONE
    needs = [ok and s is none for ok, s in zip(series.linked, source, strict=True)]
    if not any(needs):
        return  # every interval has a counter or a rate
    spans = sorted(excluded)
    cursor = 0
    for j in range(1, len(track_at)):
        p, q = track_at[j - 1], track_at[j]
        ta, tb = t[p], t[q]
        while cursor < len(spans) and spans[cursor][1] <= ta:
            cursor += 1
        if cursor < len(spans) and spans[cursor][0] < tb:
            continue  # overlaps an event span
        if not (needs[p] if q == p + 1 else all(needs[p:q])):
            continue
        gallons = (track_smooth[j - 1] - track_smooth[j]) * capacity_gal / 100.0
        span = tb - ta
        for i in range(p, q):
            fuel[i] = gallons * dt[i] / span
            source[i] = Source.LEVEL


def parked_gap(series: Series, i: int, rules: FuelRules) -> bool:
    """Did the truck stay parked across the gap after reading ``i``? Both ends STOPPED and,
    where known, the odometer and the fuel counter (nearly) unchanged."""
    stopped = TruckStatus.STOPPED
    if series.status[i] is not stopped or series.status[i + 1] is not stopped:
        return False
    a, b = series.odometer[i], series.odometer[i + 1]
    if a is not None and b is not None and b - a >= rules.parked_max_mi:
        return False
    a, b = series.fuel_total[i], series.fuel_total[i + 1]
    return a is None or b is None or b - a < rules.parked_gap_max_gal


def level_changes(
    series: Series,
    track_at: Sequence[int],
    track_smooth: Sequence[float],
    faults: Sequence[tuple[float, float]],
    fills_and_drops: Sequence[tuple[float, float]],
    capacity_gal: float,
    rules: FuelRules,
) -> list[float]:
    """Signed gallons the smoothed level fell per interval, spread over the intervals between
    consecutive clean level readings: the level-based use, refuels and drops removed.

    Readings inside a sensor fault (``faults`` time spans, ends included) are bridged over:
    the change is taken from the reading before the fault to the one after it. Changes
    inside a refuel or a drop (``fills_and_drops``) are left out, wherever the day boundary
    falls. Left out too across a gap in which the truck may have driven (nothing is known
    of it); kept across a gap in which it stayed parked (a loss there is a loss)."""
    t, dt, linked = series.t, series.dt, series.linked
    out = [0.0] * len(dt)
    spans = sorted(faults)
    kept: list[int] = []
    cursor = 0
    for j, i in enumerate(track_at):
        moment = t[i]
        while cursor < len(spans) and spans[cursor][1] < moment:
            cursor += 1
        if cursor < len(spans) and spans[cursor][0] <= moment:
            continue  # inside a fault (spans are sorted: no later one starts earlier)
        kept.append(j)
    countable = [ok or parked_gap(series, i, rules) for i, ok in enumerate(linked)]
    events = sorted(fills_and_drops)
    cursor = 0
    for before, after in pairwise(kept):
        p, q = track_at[before], track_at[after]
        while cursor < len(events) and events[cursor][1] <= t[p]:
            cursor += 1
        if cursor < len(events) and events[cursor][0] < t[q]:
            continue  # inside a refuel or a drop
        gallons = (track_smooth[before] - track_smooth[after]) * capacity_gal / 100.0
        if q == p + 1:
            if countable[p]:
                out[p] = gallons
            continue
        if not all(countable[p:q]):
            continue
        span = t[q] - t[p]
        for i in range(p, q):
            out[i] = gallons * dt[i] / span
    return out
