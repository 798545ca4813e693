"""The fleet's nouns: readings, trucks and what the service derives from them.

Frozen dataclasses only; no I/O, no third-party imports.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, NewType, TypeVar

TruckId = NewType("TruckId", str)
CarrierId = NewType("CarrierId", str)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Reading:
    """One truck at one instant. Every sensor is optional: absent is unknown, not zero."""

    truck_id: TruckId
    ts: datetime
    fuel_level_pct: float | None = None
    fuel_rate_gph: float | None = None
    total_fuel_gal: float | None = None
    total_idle_fuel_gal: float | None = None
    speed_mph: float | None = None
    rpm: float | None = None
    odometer_mi: float | None = None
    engine_hours: float | None = None
    idle_hours: float | None = None
    engine_load_pct: float | None = None
    coolant_temp_f: float | None = None
    oil_temp_f: float | None = None
    trans_temp_f: float | None = None
    intake_air_temp_f: float | None = None
    ambient_temp_f: float | None = None
    oil_pressure_psi: float | None = None
    boost_pressure_psi: float | None = None
    battery_voltage: float | None = None
    def_level_pct: float | None = None
    lat: float | None = None
    lon: float | None = None
    dtc_codes: tuple[str, ...] | None = None
    driver_id: str | None = None
    harsh_accel: bool | None = None
    harsh_brake: bool | None = None

    @property
    def key(self) -> tuple[TruckId, datetime]:
        """The identity of a reading: sending it twice stores it once."""
        return (self.truck_id, self.ts)


class TruckStatus(enum.StrEnum):
    MOVING = "MOVING"
    IDLE = "IDLE"
    STOPPED = "STOPPED"
    OFFLINE = "OFFLINE"


DEFAULT_TANK_CAPACITY_GAL = 200.0
DEFAULT_DEF_TANK_GAL = 15.0
DEFAULT_BASELINE_MPG = 6.5


@dataclass(frozen=True, slots=True)
class Truck:
    """A registry entry (DOMAIN.md §2)."""

    truck_id: TruckId
    carrier_id: CarrierId | None = None
    vin: str | None = None
    year: int | None = None
    make: str | None = None
    model: str | None = None
    tank_capacity_gal: float = DEFAULT_TANK_CAPACITY_GAL
    baseline_mpg: float = DEFAULT_BASELINE_MPG
    def_tank_gal: float = DEFAULT_DEF_TANK_GAL
    fuel_price_per_gal: float | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SensorValue:
    """The newest known value of one sensor, and when the truck sampled it."""

    value: float | str | bool | tuple[str, ...]
    ts: datetime


@dataclass(frozen=True, slots=True)
class LatestState:
    """What a truck's newest readings say, sensor by sensor.

    ``ts`` is the newest reading of any kind; each sensor keeps its own timestamp, so a
    reading that lacks a sensor never erases an older known value.
    """

    truck_id: TruckId
    ts: datetime
    sensors: Mapping[str, SensorValue]

    def value(self, name: str) -> float | None:
        sensor = self.sensors.get(name)
        if sensor is None or isinstance(sensor.value, (str, tuple)):
            return None
        return float(sensor.value)


@dataclass(frozen=True, slots=True)
class SensorSnapshot:
    truck: Truck
    state: LatestState
    status: TruckStatus
    data_age_s: float
    fuel_gal: float | None


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """The fleet right now (the live part of the fleet summary)."""

    generated_at: datetime
    truck_count: int
    by_status: Mapping[TruckStatus, int]
    fuel_on_hand_gal: float
    fuel_capacity_gal: float
    low_fuel: tuple[SensorSnapshot, ...]
    offline: tuple[SensorSnapshot, ...]
    newest_data_age_s: float | None
    never_reported: tuple[TruckId, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one row of a batch was not stored."""

    index: int
    field: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class StoreResult:
    accepted: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int
    rejected: tuple[Rejection, ...]

    @property
    def received(self) -> int:
        return self.accepted + self.duplicates + len(self.rejected)


@dataclass(frozen=True, slots=True)
class PoolStats:
    size: int
    checked_in: int
    checked_out: int
    overflow: int
    max: int


@dataclass(frozen=True, slots=True)
class DatabaseHealth:
    reachable: bool
    round_trip_ms: float | None
    schema_version: str | None
    expected_schema_version: str | None
    pool: PoolStats | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class DirtyDay:
    """A truck-day whose derived results are stale; ``version`` counts the marks, so a
    recompute only clears the mark if no reading arrived while it ran."""

    truck_id: TruckId
    day: date
    version: int


ZERO = timedelta(0)
