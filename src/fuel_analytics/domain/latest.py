"""The live state of a truck: its newest value of every sensor, and what that says now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from fuel_analytics.domain.model import (
    LatestState,
    Reading,
    SensorSnapshot,
    SensorValue,
    Truck,
    TruckStatus,
)
from fuel_analytics.domain.telemetry import SENSOR_FIELDS


@dataclass(frozen=True, slots=True)
class StatusRules:
    """DOMAIN.md §3 defaults; every one of them comes from settings."""

    offline_after: timedelta = timedelta(minutes=15)
    moving_above_mph: float = 2.0
    engine_on_rpm: float = 300.0
    engine_on_fuel_rate_gph: float = 0.2
    low_fuel_pct: float = 20.0


TimedValue = tuple[float | str | bool | tuple[str, ...], datetime]
_SENSOR_NAMES: tuple[str, ...] = tuple(spec.name for spec in SENSOR_FIELDS)
_sensor_values = attrgetter(*_SENSOR_NAMES)


def _newest_first(reading: Reading) -> datetime:
    return reading.ts


def newest_values(readings: Sequence[Reading]) -> dict[str, TimedValue]:
    """Each sensor's newest ``(value, ts)`` among ``readings`` alone: the newest timestamp
    wins, ties go to the larger value's repr (so the answer never depends on their order).

    The batch half of :func:`merge_latest`, in plain tuples: the SQL store serialises it
    directly, and builds no :class:`SensorValue` it would only take apart again.
    """
    if len(readings) == 1:  # a gateway's live batch: one reading per truck
        (reading,) = readings
        ts = reading.ts
        return {
            name: (value, ts)
            for name, value in zip(_SENSOR_NAMES, _sensor_values(reading), strict=True)
            if value is not None
        }
    best: dict[str, TimedValue] = {}
    for reading in sorted(readings, key=_newest_first, reverse=True):
        ts = reading.ts
        for name, value in zip(_SENSOR_NAMES, _sensor_values(reading), strict=True):
            if value is None:
                continue
            found = best.get(name)
            # newest first: a later reading can only tie with what was found, never beat it
            if found is None or (ts == found[1] and repr(value) > repr(found[0])):
                best[name] = (value, ts)
    return best


def merge_latest(current: LatestState | None, readings: Iterable[Reading]) -> LatestState | None:
    """Fold readings into a truck's latest state.

    Each sensor keeps the value with the newest timestamp; ties go to the larger value's
    repr so that the result never depends on arrival order. The batch's own newest values
    come first (:func:`newest_values`), then each is compared with the known one once.
    """
    batch = readings if isinstance(readings, Sequence) else list(readings)
    if not batch:
        return current
    newest_reading = max(batch, key=_newest_first)
    sensors: dict[str, SensorValue] = dict(current.sensors) if current else {}
    newest = newest_reading.ts if current is None else max(current.ts, newest_reading.ts)
    for name, (value, ts) in newest_values(batch).items():
        known = sensors.get(name)
        if known is None or ts > known.ts or (ts == known.ts and repr(value) > repr(known.value)):
            sensors[name] = SensorValue(value, ts)
    return LatestState(truck_id=newest_reading.truck_id, ts=newest, sensors=sensors)


def _fresh(state: LatestState, name: str, window: timedelta) -> float | None:
    """A sensor's value counts for status only if it is no older than ``window`` before the
    newest reading: a speed last heard of hours ago says nothing about now."""
    sensor = state.sensors.get(name)
    if sensor is None or isinstance(sensor.value, (str, tuple)) or state.ts - sensor.ts > window:
        return None
    return float(sensor.value)


def truck_status(state: LatestState, *, now: datetime, rules: StatusRules) -> TruckStatus:
    if is_offline(state, now=now, rules=rules):
        return TruckStatus.OFFLINE
    return heard_status(state, rules)


def is_offline(state: LatestState, *, now: datetime, rules: StatusRules) -> bool:
    """Nothing heard for longer than ``offline_after``: the only part of a truck's status
    that depends on the time of asking."""
    return now - state.ts > rules.offline_after


def heard_status(state: LatestState, rules: StatusRules) -> TruckStatus:
    """The status the newest readings give while the truck is not offline."""
    speed = _fresh(state, "speed_mph", rules.offline_after)
    if speed is not None and speed > rules.moving_above_mph:
        return TruckStatus.MOVING
    rpm = _fresh(state, "rpm", rules.offline_after)
    rate = _fresh(state, "fuel_rate_gph", rules.offline_after)
    if (rpm is not None and rpm > rules.engine_on_rpm) or (
        rate is not None and rate > rules.engine_on_fuel_rate_gph
    ):
        return TruckStatus.IDLE
    return TruckStatus.STOPPED


def snapshot(
    truck: Truck, state: LatestState, *, now: datetime, rules: StatusRules
) -> SensorSnapshot:
    level = state.value("fuel_level_pct")
    return SensorSnapshot(
        truck=truck,
        state=state,
        status=truck_status(state, now=now, rules=rules),
        data_age_s=max(0.0, (now - state.ts).total_seconds()),
        fuel_gal=None if level is None else round(level / 100.0 * truck.tank_capacity_gal, 2),
    )
