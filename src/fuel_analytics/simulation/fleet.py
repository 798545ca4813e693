"""The demo fleet: configuration, the simulated fleet and its lazily generated readings.

Everything is deterministic for a seed: each truck is planned from its own random streams
seeded with ``(seed, truck index)``, so one truck's readings can be regenerated on their own,
identically, without keeping anything but a small profile per truck in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from fuel_analytics.domain.model import Reading, Truck, TruckId
from fuel_analytics.simulation.duty import Plan, build_plan
from fuel_analytics.simulation.events import SensorScript, build_script
from fuel_analytics.simulation.profiles import TruckProfile, build_profiles
from fuel_analytics.simulation.sensors import count_readings, render
from fuel_analytics.simulation.truth import (
    GroundTruth,
    TruckTruth,
    TruthEvent,
    TruthTrip,
    truck_truth,
)


@dataclass(frozen=True, slots=True)
class FleetConfig:
    """What to simulate.

    ``start``/``end`` are aware datetimes. Without ``end`` the period ends now (rounded down
    to the minute) or ``days`` after ``start``; without ``start`` it begins ``days`` before
    ``end``. Pass ``end`` for output that does not depend on the wall clock.
    ``inject_events`` toggles thefts, glitches, flapping, siphoning, degradations, DTCs and
    stuck sensors; refuels (and top-offs) always happen.
    """

    trucks: int = 25
    days: int = 14
    seed: int = 42
    start: datetime | None = None
    end: datetime | None = None
    interval_s: tuple[int, int] = (60, 120)
    inject_events: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.trucks <= 999:
            raise ValueError("trucks must be between 1 and 999")
        if self.days < 1:
            raise ValueError("days must be at least 1")
        low, high = self.interval_s
        if not 1 <= low <= high:
            raise ValueError("interval_s must be (low, high) with 1 <= low <= high")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")

    def period(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        """The resolved (start, end) in UTC."""
        span = timedelta(days=self.days)
        end = self.end
        if end is None:
            if self.start is not None:
                end = self.start + span
            else:
                end = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        start = self.start if self.start is not None else end - span
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if start >= end:
            raise ValueError("start must be before end")
        return start, end

    def resolved(self, now: datetime | None = None) -> FleetConfig:
        """This config with ``start`` and ``end`` filled in."""
        start, end = self.period(now)
        return replace(self, start=start, end=end)


def _window(config: FleetConfig) -> tuple[float, float]:
    start, end = config.period()
    return start.timestamp(), end.timestamp()


def _truck_plan(config: FleetConfig, profile: TruckProfile) -> tuple[Plan, SensorScript]:
    start, end = _window(config)
    plan = build_plan(profile, start, end, config.seed)
    return plan, build_script(plan, config.seed)


@dataclass(frozen=True, slots=True)
class SimulatedFleet:
    """A simulated fleet: registry entries, ground truth and lazily generated readings.

    ``config`` is resolved (``start`` and ``end`` set), so regenerating is stable.
    """

    config: FleetConfig
    trucks: tuple[Truck, ...]
    truth: GroundTruth
    _profiles: tuple[TruckProfile, ...] = field(repr=False, compare=False, default=())

    def _profile(self, truck_id: TruckId) -> TruckProfile:
        for profile in self._profiles:
            if profile.truck_id == truck_id:
                return profile
        raise KeyError(truck_id)

    def readings(self, truck_id: TruckId) -> Iterator[Reading]:
        """One truck's readings in time order (strictly increasing ts), generated lazily.

        Raises KeyError at once for a truck that is not in the fleet.
        """
        return self._generate(self._profile(truck_id))

    def _generate(self, profile: TruckProfile) -> Iterator[Reading]:
        plan, script = _truck_plan(self.config, profile)
        yield from render(plan, script, self.config.interval_s, self.config.seed)

    def iter_readings(self) -> Iterator[Reading]:
        """Every truck's readings, truck after truck."""
        for truck in self.trucks:
            yield from self.readings(truck.truck_id)

    def reading_count(self) -> int:
        """The exact number of readings ``iter_readings`` yields (runs only the clocks)."""
        total = 0
        for profile in self._profiles:
            plan, script = _truck_plan(self.config, profile)
            total += count_readings(plan, script, self.config.interval_s, self.config.seed)
        return total


def simulate_fleet(config: FleetConfig) -> SimulatedFleet:
    """Plan every truck and collect the ground truth; readings are generated on demand."""
    config = config.resolved()
    profiles = build_profiles(config.trucks, config.seed, config.inject_events)
    events: list[TruthEvent] = []
    trips: list[TruthTrip] = []
    per_truck: dict[TruckId, TruckTruth] = {}
    for profile in profiles:
        plan, script = _truck_plan(config, profile)
        truth, truck_events, truck_trips = truck_truth(plan, script)
        per_truck[profile.truck_id] = truth
        events.extend(truck_events)
        trips.extend(truck_trips)
    events.sort(key=lambda e: (e.start, e.truck_id, e.kind))
    trips.sort(key=lambda t: (t.start, t.truck_id))
    ground = GroundTruth(tuple(events), tuple(trips), MappingProxyType(per_truck))
    return SimulatedFleet(config, tuple(p.truck for p in profiles), ground, profiles)
