"""Trips and stops (DOMAIN.md §3), and speeding events.

A trip starts at the first reading seen MOVING (speed above the status rules' threshold)
and ends at the first reading of a stop that lasts at least ``trip_end_stop_s`` (a stop
runs from the first reading seen not moving to the next one seen moving). Shorter stops
stay inside the trip and are listed. A gap longer than ``segment_gap_s`` right after a
moving reading breaks the trip off there (nothing is known of the gap): it is incomplete,
as is a trip still under way when the readings end.

Distance and fuel reuse the fuel analytics' per-interval measures (odometer with the
plausibility rule, else the speed integral apportioned by GPS; ECU counter, else the rate
integral). A trip takes its intervals from its start to its end, plus the interval just
before its start (the truck set off somewhere inside it), so that the trips of a period add
up to the distance of every interval touching a moving reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.fuel.segments import to_datetime
from fuel_analytics.domain.model import Reading, Truck, TruckStatus
from fuel_analytics.domain.trips.model import SpeedingEvent, Stop, Trip
from fuel_analytics.domain.trips.rules import TripRules
from fuel_analytics.domain.trips.signals import Measured, measure


@dataclass(frozen=True, slots=True)
class TripSpan:
    """Reading indices of one trip: ``first`` (seen moving) to ``last`` (its end), stops
    as (first not moving, next moving) pairs."""

    first: int
    last: int
    complete: bool
    stops: tuple[tuple[int, int], ...]


def trip_spans(measured: Measured, rules: TripRules) -> list[TripSpan]:
    series = measured.series
    t, linked = series.t, series.linked
    moving = [status is TruckStatus.MOVING for status in series.status]
    n = len(moving)
    spans: list[TripSpan] = []
    i = 0
    while i < n:
        if not moving[i]:
            i += 1
            continue
        first, last_moving = i, i
        stops: list[tuple[int, int]] = []
        while True:
            k = last_moving + 1
            if k >= n or not linked[last_moving]:
                end, complete = last_moving, False
                break
            if moving[k]:
                last_moving = k
                continue
            b = k
            while b < n and not moving[b]:
                b += 1
            if b >= n:
                end, complete = k, t[n - 1] - t[k] >= rules.trip_end_stop_s
                break
            if t[b] - t[k] >= rules.trip_end_stop_s:
                end, complete = k, True
                break
            stops.append((k, b))
            last_moving = b
        spans.append(TripSpan(first, end, complete, tuple(stops)))
        i = end + 1
    return spans


def detect_trips(truck: Truck, readings: Sequence[Reading], rules: TripRules) -> list[Trip]:
    """The truck's trips in time order; the order of ``readings`` never matters."""
    measured = measure(truck, readings, rules)
    return [_trip(measured, span, rules) for span in trip_spans(measured, rules)]


def _position(measured: Measured, order: Sequence[int]) -> tuple[float | None, float | None]:
    """The first known position among readings ``order``."""
    lat, lon = measured.series.lat, measured.series.lon
    for k in order:
        if lat[k] is not None and lon[k] is not None:
            return lat[k], lon[k]
    return None, None


def _main_source(sources: Sequence[Source], weights: Sequence[float]) -> Source:
    tally: dict[Source, float] = {}
    for source, weight in zip(sources, weights, strict=True):
        if source is not Source.NONE:
            tally[source] = tally.get(source, 0.0) + weight + 1e-9
    if not tally:
        return Source.NONE
    return min(tally, key=lambda s: (-tally[s], list(Source).index(s)))


def _trip(measured: Measured, span: TripSpan, rules: TripRules) -> Trip:
    series, iv = measured.series, measured.intervals
    t, dt = series.t, series.dt
    first, last = span.first, span.last
    inside = range(first, last)
    lead = first > 0 and series.linked[first - 1]
    counted = range(first - 1, last) if lead else inside

    d_sources = [iv.distance_source[i] for i in counted]
    f_sources = [iv.fuel_source[i] for i in counted]
    weights = [dt[i] for i in counted]
    distance_source = _main_source(d_sources, weights)
    fuel_source = _main_source(f_sources, weights)
    distance = (
        None if distance_source is Source.NONE else round(sum(iv.distance[i] for i in counted), 3)
    )
    fuel = None if fuel_source is Source.NONE else round(sum(iv.fuel[i] for i in counted), 3)
    mpg = None
    if (
        distance is not None
        and fuel is not None
        and distance >= rules.mpg_min_distance_mi
        and fuel >= rules.mpg_min_fuel_gal
    ):
        mpg = round(distance / fuel, 3)

    speeds = [s for s in series.speed[first : last + 1] if s is not None]
    speeding = 0.0
    for i in inside:
        above = measured.above[i]
        if above is not None:
            speeding += above[1] - above[0]

    drivers: dict[str, float] = {}  # driver -> seconds of the trip they opened
    for k in range(first, last + 1):
        driver = series.readings[k].driver_id
        if driver is not None:
            drivers[driver] = drivers.get(driver, 0.0) + (dt[k] if k < last else 0.0) + 1e-6
    driver_id = min(drivers, key=lambda d: (-drivers[d], d)) if drivers else None

    start_at = [first - 1, first] if lead else [first]
    start_lat, start_lon = _position(measured, start_at)
    end_lat, end_lon = _position(measured, range(last, first - 1, -1))
    stops = tuple(
        Stop(
            start=to_datetime(t[a]),
            end=to_datetime(t[b]),
            lat=_position(measured, [a])[0],
            lon=_position(measured, [a])[1],
            duration_s=round(t[b] - t[a], 3),
        )
        for a, b in span.stops
    )
    start = to_datetime(t[first])
    return Trip(
        truck_id=series.truck_id,
        trip_id=f"{series.truck_id}.{int(t[first])}",
        start=start,
        end=to_datetime(t[last]),
        start_lat=start_lat,
        start_lon=start_lon,
        end_lat=end_lat,
        end_lon=end_lon,
        distance_mi=distance,
        distance_source=distance_source,
        fuel_gal=fuel,
        fuel_source=fuel_source,
        mpg=mpg,
        driving_s=round(sum(dt[i] for i in inside if iv.moving[i]), 3),
        idle_s=round(sum(iv.idle_hours[i] for i in inside) * 3600.0, 3),
        max_speed_mph=max(speeds) if speeds else None,
        speeding_s=round(speeding, 3),
        harsh_accel=sum(1 for k in measured.accel_events if first <= k <= last),
        harsh_brake=sum(1 for k in measured.brake_events if first <= k <= last),
        driver_id=driver_id,
        stops=stops,
        complete=span.complete,
    )


def speeding_events(
    truck: Truck, readings: Sequence[Reading], rules: TripRules
) -> list[SpeedingEvent]:
    """Stretches above ``speeding_above_mph``; contiguous intervals above are one event."""
    measured = measure(truck, readings, rules)
    series = measured.series
    runs: list[tuple[float, float, list[int]]] = []
    for i, above in enumerate(measured.above):
        if above is None:
            continue
        lo, hi = above
        members = [k for k in (i, i + 1) if _over(series.speed[k], rules)]
        if runs and runs[-1][1] == lo:
            runs[-1] = (runs[-1][0], hi, runs[-1][2] + members)
        else:
            runs.append((lo, hi, members))
    events = []
    for lo, hi, members in runs:
        top = max(members, key=lambda k: (series.speed[k] or 0.0, -k))
        drivers = sorted({d for k in members if (d := series.readings[k].driver_id) is not None})
        lat, lon = _position(measured, [top, *members])
        events.append(
            SpeedingEvent(
                truck_id=series.truck_id,
                start=to_datetime(lo),
                end=to_datetime(hi),
                duration_s=round(hi - lo, 3),
                max_speed_mph=series.speed[top] or 0.0,
                lat=lat,
                lon=lon,
                driver_id=drivers[0] if drivers else None,
            )
        )
    return events


def _over(speed: float | None, rules: TripRules) -> bool:
    return speed is not None and speed > rules.speeding_above_mph
