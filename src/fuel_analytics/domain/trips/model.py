"""Trips, stops, speeding events, behaviour scores and utilization (DOMAIN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.model import TruckId


@dataclass(frozen=True, slots=True)
class Stop:
    """A stop shorter than the trip-ending one, inside a trip: from the first reading seen
    not moving to the next one seen moving."""

    start: datetime
    end: datetime
    lat: float | None
    lon: float | None
    duration_s: float


@dataclass(frozen=True, slots=True)
class Trip:
    """From the first reading seen moving to the first one seen stopped for good (or the
    last reading, when the readings end or break off while still in the trip).

    ``distance_mi`` and ``fuel_gal`` are ``None`` when no source measured them; ``mpg`` is
    ``None`` below the MPG minimums. ``complete`` is False when the readings end (or break
    off in a gap) while the truck is still in the trip.
    """

    truck_id: TruckId
    trip_id: str
    start: datetime
    end: datetime
    start_lat: float | None
    start_lon: float | None
    end_lat: float | None
    end_lon: float | None
    distance_mi: float | None
    distance_source: Source
    fuel_gal: float | None
    fuel_source: Source
    mpg: float | None
    driving_s: float
    idle_s: float
    max_speed_mph: float | None
    speeding_s: float
    harsh_accel: int
    harsh_brake: int
    driver_id: str | None
    stops: tuple[Stop, ...]
    complete: bool

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class SpeedingEvent:
    """A stretch above the speeding threshold; its ends are interpolated between samples."""

    truck_id: TruckId
    start: datetime
    end: datetime
    duration_s: float
    max_speed_mph: float
    lat: float | None
    lon: float | None
    driver_id: str | None


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One part of a behaviour score. ``value`` and ``score`` are ``None`` when the part
    could not be measured (too little driving); the overall score then leaves it out."""

    name: str
    weight: float
    value: float | None
    score: float | None
    explanation: str


@dataclass(frozen=True, slots=True)
class BehaviourScore:
    subject: str
    score: float | None
    parts: tuple[ScorePart, ...]
    distance_mi: float
    driving_h: float
    trip_count: int


@dataclass(frozen=True, slots=True)
class Utilization:
    truck_id: TruckId
    period_start: datetime
    period_end: datetime
    engine_on_h: float
    driving_h: float
    idle_h: float
    available_h: float
    engine_pct: float | None
    driving_pct: float | None
    active_days: int
    active_dates: tuple[date, ...]
    idle_all_period: bool
