"""What the fuel analytics produce: fuel events and one truck's daily fuel rows."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from fuel_analytics.domain.model import TruckId


class Source(enum.StrEnum):
    """Where a distance or a volume came from, best first (DOMAIN.md §3)."""

    ECU_COUNTER = "ECU_COUNTER"
    RATE_INTEGRAL = "RATE_INTEGRAL"
    LEVEL = "LEVEL"
    ODOMETER = "ODOMETER"
    SPEED_INTEGRAL = "SPEED_INTEGRAL"
    ESTIMATED = "ESTIMATED"
    NONE = "NONE"


class FuelEventKind(enum.StrEnum):
    REFUEL = "REFUEL"
    SENSOR_GLITCH = "SENSOR_GLITCH"
    SENSOR_NOISE = "SENSOR_NOISE"
    SENSOR_DISCONNECT = "SENSOR_DISCONNECT"
    THEFT_SUSPECTED = "THEFT_SUSPECTED"
    SIPHONING = "SIPHONING"


SENSOR_FAULTS = frozenset(
    {FuelEventKind.SENSOR_GLITCH, FuelEventKind.SENSOR_NOISE, FuelEventKind.SENSOR_DISCONNECT}
)


@dataclass(frozen=True, slots=True)
class EvidencePoint:
    """One reading behind an event: the raw gauge, the smoothed level (None when the reading
    was set aside as a sensor fault) and the road speed."""

    ts: datetime
    level_pct: float
    smoothed_pct: float | None
    speed_mph: float | None


@dataclass(frozen=True, slots=True)
class FuelEvent:
    """A refuel, a drop and its class, or slow siphoning (DOMAIN.md §4).

    ``gallons`` is |after - before| % x tank capacity, always positive. For sensor faults
    ``level_after_pct`` is the level the faulty sensor showed, so ``gallons`` is what
    would have been reported as lost, not fuel that left the tank.
    """

    truck_id: TruckId
    kind: FuelEventKind
    start: datetime
    end: datetime
    level_before_pct: float
    level_after_pct: float
    gallons: float
    lat: float | None
    lon: float | None
    confidence: float
    evidence: tuple[EvidencePoint, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class DailyFuel:
    """One truck, one UTC day (or the part of it inside the analysed window).

    Distances in miles, volumes in gallons, hours of engine time. ``None`` means no data,
    never zero. ``moving_distance_mi`` and ``moving_fuel_gal`` cover the moving intervals
    that have both a distance and a fuel figure: their ratio over a period is the MPG.
    ``level_use_gal`` is the level-based use: the smoothed level's fall outside refuels and
    drops (start - end + refuels - drops, without the error an event across midnight would
    bring), across data gaps only where the truck stayed parked. ``unexplained_gal`` is the
    daily balance, start + refuels - burned - drops - end, computed as level use - burned.
    ``start_level_pct`` / ``end_level_pct`` are the smoothed level at the day's edges.
    """

    truck_id: TruckId
    day: date
    start: datetime
    end: datetime
    readings: int
    distance_mi: float | None
    distance_source: Source
    fuel_used_gal: float | None
    fuel_source: Source
    moving_distance_mi: float
    moving_fuel_gal: float
    moving_hours: float
    idle_hours: float
    engine_on_hours: float
    idle_fuel_gal: float
    idle_fuel_source: Source
    refuel_count: int
    refuel_gal: float
    drop_gal: float
    start_level_pct: float | None
    end_level_pct: float | None
    level_use_gal: float | None
    unexplained_gal: float | None
    data_quality_issues: int
    def_start_pct: float | None = None
    def_end_pct: float | None = None


@dataclass(frozen=True, slots=True)
class TruckFuelAnalysis:
    """``days``: each UTC day meeting [start, end) with readings in it; ``events``: refuels,
    drops and sensor faults whose start is in [start, end) (siphoning is found from days)."""

    truck_id: TruckId
    start: datetime
    end: datetime
    days: tuple[DailyFuel, ...]
    events: tuple[FuelEvent, ...]
