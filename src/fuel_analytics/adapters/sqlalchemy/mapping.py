"""Rows to domain objects and back: explicit, no ORM."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any

import orjson

from fuel_analytics.domain.latest import TimedValue
from fuel_analytics.domain.model import (
    CarrierId,
    LatestState,
    Reading,
    SensorValue,
    Truck,
    TruckId,
)
from fuel_analytics.domain.telemetry import NUMERIC_FIELDS, SENSOR_FIELDS

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
CODE_FIELDS = frozenset(spec.name for spec in SENSOR_FIELDS if spec.kind == "codes")


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


def sensors_to_text(sensors: Mapping[str, SensorValue]) -> str:
    """``{"sensor": [value, "RFC 3339 ts"], ...}`` (orjson writes datetimes as isoformat())."""
    return orjson.dumps({name: (s.value, s.ts) for name, s in sensors.items()}).decode()


def timed_values_to_text(values: Mapping[str, TimedValue]) -> str:
    """The same text from ``newest_values``' (value, ts) pairs."""
    return orjson.dumps(values).decode()


def merged_sensors_text(stored: str, newer: Mapping[str, TimedValue]) -> str:
    """Stored sensors text with ``newer`` values replacing their sensors' entries: the
    latest state when every one of them is newer than anything stored (no datetime parsed)."""
    sensors: dict[str, Any] = orjson.loads(stored)
    sensors.update(newer)
    return orjson.dumps(sensors).decode()


def row_to_latest(row: Mapping[Any, Any]) -> LatestState | None:
    if row["ts"] is None:
        return None
    raw: dict[str, list[Any]] = orjson.loads(row["sensors"])
    stamps: dict[str, datetime] = {}  # most sensors of a truck share a few timestamps
    sensors: dict[str, SensorValue] = {}
    for name, (value, text) in raw.items():
        ts = stamps.get(text)
        if ts is None:
            ts = stamps[text] = datetime.fromisoformat(text)
        sensors[name] = SensorValue(value=tuple(value) if name in CODE_FIELDS else value, ts=ts)
    return LatestState(truck_id=TruckId(row["truck_id"]), ts=row["ts"], sensors=sensors)


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
