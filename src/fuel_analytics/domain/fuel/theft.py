"""Is an unexplained fall a theft, and how sure are we (DOMAIN.md §4)?

Local time for "night" is UTC + round(lon / 15) hours when the truck's longitude is known
near the event (a solar-time zone: no daylight saving, no political borders), else UTC.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from fuel_analytics.domain.fuel.gauge import Finding, Gauge, Limits, minutes, pct
from fuel_analytics.domain.fuel.model import FuelEventKind
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.segments import Series
from fuel_analytics.domain.model import TruckStatus

DAY_S = 86_400.0


def utc_offset_hours(lon: float | None) -> int:
    """Hours to add to UTC for local time: round(lon / 15), or 0 when lon is unknown."""
    return 0 if lon is None else round(lon / 15.0)


def local_hour(ts: float, lon: float | None) -> float:
    """Hour of day (0-24) at the truck: UTC + round(lon / 15) h, UTC when lon is unknown."""
    return ((ts + utc_offset_hours(lon) * 3600.0) % DAY_S) / 3600.0


def is_night(hour: float, rules: FuelRules) -> bool:
    start, end = rules.night_start_hour, rules.night_end_hour
    if start <= end:
        return start <= hour < end
    return hour >= start or hour < end


def known_near(values: Sequence[float | None], lo: int, hi: int) -> float | None:
    """The first known value in ``values[lo:hi + 1]``, else the last known one before."""
    for i in range(lo, hi + 1):
        value = values[i]
        if value is not None:
            return value
    for i in range(lo - 1, -1, -1):
        value = values[i]
        if value is not None:
            return value
    return None


def theft_finding(
    gauge: Gauge,
    series: Series,
    distance: Sequence[float],
    *,
    j: int,
    first: int,
    low: int,
    before: float,
    after: float,
    burned_pct: float,
    unexplained_pct: float,
    limits: Limits,
    rules: FuelRules,
) -> Finding | None:
    """A THEFT_SUSPECTED finding, or None when the truck moved while the level fell."""
    a, b = gauge.at[j], gauge.at[low]
    fall_a = gauge.at[first]
    moving = TruckStatus.MOVING
    if any(series.status[i] is moving for i in range(fall_a, b + 1)):
        return None
    t = series.t
    lo = bisect_left(t, t[a] - rules.drop_window_s)
    hi = bisect_right(t, t[b] + rules.drop_window_s) - 1
    moved = sum(distance[i] for i in range(lo, min(hi, len(distance))))
    parked = moved < rules.parked_max_mi and not any(
        series.status[i] is moving for i in range(lo, hi + 1)
    )
    lon = known_near(series.lon, a, b)
    hour = local_hour(t[a], lon)
    night = is_night(hour, rules)
    gallons = limits.gallons(before - after)
    threshold_gal = limits.gallons(limits.drop_pct)
    size = min(1.0, max(0.0, (gallons - threshold_gal) / threshold_gal)) if threshold_gal else 1.0
    weak = [v for v in series.battery[a : b + 1] if v is not None and v < rules.low_battery_v]
    no_gps = all(series.lat[i] is None or series.lon[i] is None for i in range(a, b + 1))
    confidence = rules.theft_confidence_base + rules.theft_confidence_size * size
    words = [
        f"the level fell {pct(before)} -> {pct(after)} ({gallons:.1f} gal) in "
        f"{minutes(t[b] - t[a])} with the truck not moving; the engine burned "
        f"{limits.gallons(burned_pct):.1f} gal of it, leaving "
        f"{limits.gallons(unexplained_pct):.1f} gal unexplained (a drop is "
        f"{threshold_gal:.1f} gal beyond the burn and a {pct(rules.drop_tolerance_pct)} "
        f"tolerance); the level did not come back within {minutes(rules.change_hold_s)}"
    ]
    if parked:
        confidence += rules.theft_confidence_parked
        words.append(f"parked ({moved:.1f} mi moved around it)")
    if night:
        confidence += rules.theft_confidence_night
        zone = "UTC" if lon is None else f"UTC{utc_offset_hours(lon):+d}"
        words.append(f"at night ({int(hour):02d}:{int(hour % 1 * 60):02d} local, {zone})")
    if weak:
        confidence -= rules.theft_confidence_low_battery
        words.append(f"but the battery was low ({min(weak):.1f} V), which can upset the gauge")
    if no_gps:
        confidence -= rules.theft_confidence_no_gps
        words.append("but without GPS")
    return Finding(
        kind=FuelEventKind.THEFT_SUSPECTED,
        start=t[a],
        end=t[b],
        start_at=a,
        end_at=b,
        before=before,
        after=after,
        confidence=min(1.0, max(0.0, confidence)),
        reason="; ".join(words),
    )
