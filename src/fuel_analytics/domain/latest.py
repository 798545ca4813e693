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
    repr so that the result never depends on arrival order.
    """
    ts = current.ts if current else None
    sensors: dict[str, SensorValue] = dict(current.sensors) if current else {}
    truck_id = current.truck_id if current else None
    for reading in readings:
        truck_id = reading.truck_id
        if ts is None or reading.ts > ts:
            ts = reading.ts
        for spec in SENSOR_FIELDS:
            value = getattr(reading, spec.name)
            if value is None:
                continue
            known = sensors.get(spec.name)
            if (
                known is None
                or reading.ts > known.ts
                or (reading.ts == known.ts and repr(value) > repr(known.value))
            ):
                sensors[spec.name] = SensorValue(value, reading.ts)
    if truck_id is None or ts is None:
        return None
    return LatestState(truck_id=truck_id, ts=ts, sensors=sensors)


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
