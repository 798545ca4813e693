"""Rows to domain objects and back: explicit, no ORM."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any

import orjson

from fuel_analytics.domain.model import (
    CarrierId,
    LatestState,
    Reading,
    SensorValue,
    Truck,
    TruckId,
)
from fuel_analytics.domain.telemetry import NUMERIC_FIELDS, SPECS

READING_COLUMNS = (
    "truck_id",
    "ts",
    *NUMERIC_FIELDS,
    "dtc_codes",
    "driver_id",
    "harsh_accel",
    "harsh_brake",
)


_READING_VALUES = attrgetter(*READING_COLUMNS)
_DTC_INDEX = READING_COLUMNS.index("dtc_codes")


def reading_values(reading: Reading) -> tuple[Any, ...]:
    """A reading as a tuple in READING_COLUMNS order (the hot path of ingestion)."""
    values: tuple[Any, ...] = _READING_VALUES(reading)
    codes = values[_DTC_INDEX]
    if codes is None:
        return values
    listed = list(values)
    listed[_DTC_INDEX] = ";".join(codes)
    return tuple(listed)


def reading_to_row(reading: Reading) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(reading, name) for name in READING_COLUMNS}
    codes = reading.dtc_codes
    row["dtc_codes"] = None if codes is None else ";".join(codes)
    return row


def row_to_reading(row: Mapping[Any, Any]) -> Reading:
    values = {name: row[name] for name in READING_COLUMNS}
    codes = values["dtc_codes"]
    values["dtc_codes"] = None if codes is None else tuple(c for c in codes.split(";") if c)
    for flag in ("harsh_accel", "harsh_brake"):
        if values[flag] is not None:
            values[flag] = bool(values[flag])
    return Reading(**values)


def _sensor_to_json(sensor: SensorValue) -> list[Any]:
    value = list(sensor.value) if isinstance(sensor.value, tuple) else sensor.value
    return [value, sensor.ts.isoformat()]


def sensors_to_text(sensors: Mapping[str, SensorValue]) -> str:
    return orjson.dumps({name: _sensor_to_json(s) for name, s in sensors.items()}).decode()


def _sensor_from_json(name: str, raw: list[Any]) -> SensorValue:
    value, ts = raw
    if SPECS[name].kind == "codes":
        value = tuple(value)
    return SensorValue(value=value, ts=datetime.fromisoformat(ts))


def row_to_latest(row: Mapping[Any, Any]) -> LatestState | None:
    if row["ts"] is None:
        return None
    raw: dict[str, list[Any]] = orjson.loads(row["sensors"])
    return LatestState(
        truck_id=TruckId(row["truck_id"]),
        ts=row["ts"],
        sensors={name: _sensor_from_json(name, value) for name, value in raw.items()},
    )


def truck_to_row(truck: Truck) -> dict[str, Any]:
    return {
        "truck_id": truck.truck_id,
        "carrier_id": truck.carrier_id,
        "vin": truck.vin,
        "year": truck.year,
        "make": truck.make,
        "model": truck.model,
        "tank_capacity_gal": truck.tank_capacity_gal,
        "baseline_mpg": truck.baseline_mpg,
        "def_tank_gal": truck.def_tank_gal,
        "fuel_price_per_gal": truck.fuel_price_per_gal,
        "thresholds": orjson.dumps(dict(truck.thresholds)).decode() if truck.thresholds else None,
    }


def row_to_truck(row: Mapping[Any, Any]) -> Truck:
    thresholds = row["thresholds"]
    carrier = row["carrier_id"]
    return Truck(
        truck_id=TruckId(row["truck_id"]),
        carrier_id=None if carrier is None else CarrierId(carrier),
        vin=row["vin"],
        year=row["year"],
        make=row["make"],
        model=row["model"],
        tank_capacity_gal=float(row["tank_capacity_gal"]),
        baseline_mpg=float(row["baseline_mpg"]),
        def_tank_gal=float(row["def_tank_gal"]),
        fuel_price_per_gal=row["fuel_price_per_gal"],
        thresholds=orjson.loads(thresholds) if thresholds else {},
        created_at=row["created_at"],
    )
