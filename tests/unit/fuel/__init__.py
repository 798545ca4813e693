"""Fuel analytics tests, and the small truck simulator they build readings with.

:class:`Drive` keeps a truck's true state (tank, odometer, counters) and appends a reading
every ``step_s`` seconds: the gauge with triangular noise and 0.4 % steps, counters exact.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fuel_analytics.domain.fuel import FuelRules
from fuel_analytics.domain.model import Reading, Truck, TruckId

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, midnight UTC
RULES = FuelRules()


def truck(
    capacity: float = 200.0,
    baseline: float = 6.5,
    *,
    truck_id: str = "T1",
    thresholds: Mapping[str, float] | None = None,
) -> Truck:
    return Truck(
        truck_id=TruckId(truck_id),
        tank_capacity_gal=capacity,
        baseline_mpg=baseline,
        thresholds=dict(thresholds or {}),
    )


@dataclass
class Drive:
    """A test truck's life, one call per phase; ``readings`` is what its device sent."""

    capacity: float = 200.0
    seed: int = 1
    t: datetime = T0
    level: float = 60.0  # true tank level, % of capacity
    noise_pct: float = 0.8
    step_s: float = 60.0
    odometer: float | None = 120_000.0
    fuel_total: float | None = 40_000.0
    idle_fuel_total: float | None = None
    rate: bool = True
    speed: bool = True
    engine_hours: float = 9_000.0
    lon: float | None = -96.8
    lat: float | None = 32.8
    battery: float = 12.6
    def_level: float | None = None
    def_pct_per_mile: float = 0.025
    truck_id: str = "T1"
    readings: list[Reading] = field(default_factory=list)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # -- sampling --------------------------------------------------------------------------

    def gauge(self) -> float:
        noisy = self.level + (self.rng.random() + self.rng.random() - 1.0) * self.noise_pct
        return min(100.0, max(0.0, round(noisy * 2.5) / 2.5))

    def emit(
        self,
        *,
        mph: float = 0.0,
        gph: float = 0.0,
        rpm: float = 0.0,
        level: float | None = None,
        battery: float | None = None,
    ) -> None:
        self.readings.append(
            Reading(
                truck_id=TruckId(self.truck_id),
                ts=self.t,
                fuel_level_pct=self.gauge() if level is None else level,
                fuel_rate_gph=gph if self.rate else None,
                total_fuel_gal=None if self.fuel_total is None else round(self.fuel_total, 3),
                total_idle_fuel_gal=None
                if self.idle_fuel_total is None
                else round(self.idle_fuel_total, 3),
                speed_mph=mph if self.speed else None,
                rpm=rpm,
                odometer_mi=None if self.odometer is None else round(self.odometer, 2),
                engine_hours=round(self.engine_hours, 3),
                battery_voltage=self.battery if battery is None else battery,
                lat=self.lat,
                lon=self.lon,
                def_level_pct=None if self.def_level is None else round(self.def_level, 1),
            )
        )

    def _advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)

    def _burn(self, gallons: float) -> None:
        self.level -= gallons / self.capacity * 100.0
        if self.fuel_total is not None:
            self.fuel_total += gallons

    # -- phases ----------------------------------------------------------------------------

    def drive(self, minutes: float, mph: float = 60.0, mpg: float = 6.5) -> None:
        for _ in range(round(minutes * 60 / self.step_s)):
            self._advance(self.step_s)
            hours = self.step_s / 3600.0
            if self.odometer is not None:
                self.odometer += mph * hours
            self._burn(mph * hours / mpg)
            self.engine_hours += hours
            if self.def_level is not None:
                self.def_level -= mph * hours * self.def_pct_per_mile
            self.emit(mph=mph, gph=mph / mpg, rpm=1400.0)

    def idle(self, minutes: float, gph: float = 0.8) -> None:
        for _ in range(round(minutes * 60 / self.step_s)):
            self._advance(self.step_s)
            hours = self.step_s / 3600.0
            self._burn(gph * hours)
            if self.idle_fuel_total is not None:
                self.idle_fuel_total += gph * hours
            self.engine_hours += hours
            self.emit(gph=gph, rpm=650.0)

    def park(self, minutes: float, step_s: float | None = None) -> None:
        step = step_s or self.step_s
        for _ in range(round(minutes * 60 / step)):
            self._advance(step)
            self.emit()

    def fill(self, to_pct: float, minutes: float) -> None:
        """Pump fuel in (engine off) until the true level reaches ``to_pct``."""
        steps = max(1, round(minutes * 60 / self.step_s))
        per = (to_pct - self.level) / steps
        for _ in range(steps):
            self._advance(self.step_s)
            self.level += per
            self.emit()

    def siphon(
        self,
        gallons: float,
        minutes: float,
        *,
        moving_mph: float = 0.0,
        step_s: float | None = None,
    ) -> None:
        """Fuel leaves the tank without the engine burning it (parked unless ``moving_mph``)."""
        step = step_s or self.step_s
        steps = max(1, round(minutes * 60 / step))
        per = gallons / steps / self.capacity * 100.0
        for _ in range(steps):
            self._advance(step)
            self.level -= per
            if moving_mph:
                hours = step / 3600.0
                if self.odometer is not None:
                    self.odometer += moving_mph * hours
                self.emit(mph=moving_mph, gph=10.0, rpm=1400.0)
            else:
                self.emit()

    def flap(self, minutes: float, amplitude: float = 20.0, step_s: float | None = None) -> None:
        """Parked while the gauge flaps: each sample off by up to +-``amplitude`` %."""
        step = step_s or self.step_s
        for _ in range(round(minutes * 60 / step)):
            self._advance(step)
            shown = self.level + (2 * self.rng.random() - 1) * amplitude
            self.emit(level=min(100.0, max(0.0, round(shown * 2.5) / 2.5)))

    def fake(self, shown: float) -> None:
        """One sample in which the gauge shows ``shown`` whatever is in the tank."""
        self._advance(self.step_s)
        self.emit(level=shown)

    def sleep_until(self, moment: datetime, step_s: float = 600.0) -> None:
        """Parked, the device asleep (a reading every ``step_s``), until ``moment``."""
        self.park((moment - self.t).total_seconds() / 60, step_s=step_s)

    def gap(self, minutes: float) -> None:
        """The device is silent (offline) for a while; the truck does not move."""
        self._advance(minutes * 60.0)

    def shift(
        self, miles: float = 400.0, idle_min: float = 60.0, refuel_below: float = 40.0
    ) -> None:
        """A working shift at 60 mph: drive, a break, drive, idle; refuel when low."""
        self.drive(miles / 2)
        self.idle(idle_min / 2)
        self.park(30)
        self.drive(miles / 2)
        self.idle(idle_min / 2)
        if self.level < refuel_below:
            self.park(2)
            self.fill(90.0, 12)
            self.park(15)
