"""The live state of a truck: its newest value of every sensor, and what that says now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def merge_latest(current: LatestState | None, readings: Iterable[Reading]) -> LatestState | None:
    """Fold readings into a truck's latest state.

    Each sensor keeps the value with the newest timestamp; ties go to the larger value's
    repr so that the result never depends on arrival order. Readings are visited newest
    first, so a batch costs about one reading's worth of work once every sensor is known.
    """
    ordered = sorted(readings, key=lambda r: r.ts, reverse=True)
    if not ordered:
        return current
    sensors: dict[str, SensorValue] = dict(current.sensors) if current else {}
    newest = ordered[0].ts if current is None else max(current.ts, ordered[0].ts)
    settled: dict[str, datetime] = {}  # sensor -> ts of its newest value in this batch
    for reading in ordered:
        if len(settled) == len(SENSOR_FIELDS) and reading.ts < min(settled.values()):
            break
        for spec in SENSOR_FIELDS:
            name = spec.name
            found = settled.get(name)
            if found is not None and reading.ts < found:
                continue  # an older value of a sensor already settled: cannot win
            value = getattr(reading, name)
            if value is None:
                continue
            settled[name] = reading.ts
            known = sensors.get(name)
            if (
                known is None
                or reading.ts > known.ts
                or (reading.ts == known.ts and repr(value) > repr(known.value))
            ):
                sensors[name] = SensorValue(value, reading.ts)
    return LatestState(truck_id=ordered[0].truck_id, ts=newest, sensors=sensors)


def _fresh(state: LatestState, name: str, window: timedelta) -> float | None:
    """A sensor's value counts for status only if it is no older than ``window`` before the
    newest reading: a speed last heard of hours ago says nothing about now."""
    sensor = state.sensors.get(name)
    if sensor is None or isinstance(sensor.value, (str, tuple)) or state.ts - sensor.ts > window:
        return None
    return float(sensor.value)


def truck_status(state: LatestState, *, now: datetime, rules: StatusRules) -> TruckStatus:
    if now - state.ts > rules.offline_after:
        return TruckStatus.OFFLINE
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
