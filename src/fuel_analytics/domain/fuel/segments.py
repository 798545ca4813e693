"""One truck's readings as a time series: sorted, de-duplicated, split into segments.

Times are POSIX seconds (floats) inside the fuel analytics; datetimes only at the edges.
Consecutive readings further apart than ``segment_gap_s`` break the series: nothing is
integrated across such a gap. Every delta uses the actual time between readings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from fuel_analytics.domain.latest import StatusRules, truck_status
from fuel_analytics.domain.model import LatestState, Reading, SensorValue, TruckId, TruckStatus


@dataclass(frozen=True, slots=True)
class Series:
    """Parallel columns over readings sorted by ts (one reading per ts).

    ``dt[i]`` and ``linked[i]`` describe the interval from reading ``i`` to ``i + 1``;
    ``status[i]`` is the reading's own MOVING / IDLE / STOPPED (the live-status rules).
    """

    truck_id: TruckId
    readings: tuple[Reading, ...]
    t: list[float]
    dt: list[float]
    linked: list[bool]
    status: list[TruckStatus]
    level: list[float | None]
    speed: list[float | None]
    rate: list[float | None]
    fuel_total: list[float | None]
    idle_fuel_total: list[float | None]
    odometer: list[float | None]
    engine_hours: list[float | None]
    battery: list[float | None]
    lat: list[float | None]
    lon: list[float | None]
    def_level: list[float | None]

    def __len__(self) -> int:
        return len(self.t)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is read as UTC (DOMAIN.md)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def seconds_of(moment: datetime) -> float:
    """POSIX seconds; a naive datetime is read as UTC (never as the machine's local time)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC).timestamp()
    return moment.timestamp()


def unique_by_ts(truck_id: TruckId, readings: Sequence[Reading]) -> list[Reading]:
    """The truck's readings in time order, one per timestamp.

    Two readings with the same ts are the same reading sent twice; if they differ, the one
    with the greater ``repr`` is kept, so the choice never depends on arrival order.
    """
    keyed = sorted(
        ((seconds_of(r.ts), r) for r in readings if r.truck_id == truck_id),
        key=lambda pair: pair[0],
    )
    out: list[Reading] = []
    last = float("nan")
    for ts, reading in keyed:
        if ts == last:
            if repr(reading) > repr(out[-1]):
                out[-1] = reading
            continue
        out.append(reading)
        last = ts
    return out


def reading_status(reading: Reading, rules: StatusRules) -> TruckStatus:
    """MOVING / IDLE / STOPPED of one reading, by the same rules as the live status."""
    sensors: dict[str, SensorValue] = {}
    if reading.speed_mph is not None:
        sensors["speed_mph"] = SensorValue(reading.speed_mph, reading.ts)
    if reading.rpm is not None:
        sensors["rpm"] = SensorValue(reading.rpm, reading.ts)
    if reading.fuel_rate_gph is not None:
        sensors["fuel_rate_gph"] = SensorValue(reading.fuel_rate_gph, reading.ts)
    state = LatestState(truck_id=reading.truck_id, ts=reading.ts, sensors=sensors)
    return truck_status(state, now=reading.ts, rules=rules)


def build_series(
    truck_id: TruckId, readings: Sequence[Reading], *, segment_gap_s: float, status: StatusRules
) -> Series:
    rows = unique_by_ts(truck_id, readings)
    t = [seconds_of(r.ts) for r in rows]
    dt = [b - a for a, b in pairwise(t)]
    cache: dict[tuple[float | None, float | None, float | None], TruckStatus] = {}
    statuses: list[TruckStatus] = []
    for r in rows:
        key = (r.speed_mph, r.rpm, r.fuel_rate_gph)
        known = cache.get(key)
        if known is None:
            known = cache[key] = reading_status(r, status)
        statuses.append(known)
    return Series(
        truck_id=truck_id,
        readings=tuple(rows),
        t=t,
        dt=dt,
        linked=[d <= segment_gap_s for d in dt],
        status=statuses,
        level=[r.fuel_level_pct for r in rows],
        speed=[r.speed_mph for r in rows],
        rate=[r.fuel_rate_gph for r in rows],
        fuel_total=[r.total_fuel_gal for r in rows],
        idle_fuel_total=[r.total_idle_fuel_gal for r in rows],
        odometer=[r.odometer_mi for r in rows],
        engine_hours=[r.engine_hours for r in rows],
        battery=[r.battery_voltage for r in rows],
        lat=[r.lat for r in rows],
        lon=[r.lon for r in rows],
        def_level=[r.def_level_pct for r in rows],
    )
