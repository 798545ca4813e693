"""Trip tests and a tiny reading builder: phases of (seconds, speed mph, engine on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fuel_analytics.domain.model import Reading, Truck, TruckId

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
ROAD_MILES_PER_DEG = 69.05 * 1.25  # a road 1.25 x as long as the straight line
TRUCK = Truck(truck_id=TruckId("T1"), make="Volvo", model="VNL", year=2021, baseline_mpg=6.5)


@dataclass
class Builder:
    """Appends a reading every ``step_s``; the odometer and fuel counter follow the speed
    exactly (trapezoids), so distance is known in closed form.

    The truck drives north: its latitude moves by ``odometer / miles_per_deg`` (the default
    makes GPS useless as a distance; ``ROAD_MILES_PER_DEG`` is a road 1.25 x the straight
    line). ``with_odometer`` / ``with_counter`` False leave those fields out."""

    step_s: float = 60.0
    miles_per_deg: float = 1000.0
    with_odometer: bool = True
    with_counter: bool = True
    t: datetime = T0
    odometer: float = 1000.0
    fuel: float = 500.0
    speed: float = 0.0
    driver: str | None = "D1"
    readings: list[Reading] = field(default_factory=list)

    def emit(self, speed: float, engine: bool, **extra: object) -> None:
        self.readings.append(
            Reading(
                truck_id=TruckId("T1"),
                ts=self.t,
                speed_mph=speed,
                rpm=1200.0 if speed > 2 else (650.0 if engine else 0.0),
                fuel_rate_gph=(speed / 6.5 if speed > 2 else (0.8 if engine else 0.0)),
                odometer_mi=round(self.odometer, 6) if self.with_odometer else None,
                total_fuel_gal=round(self.fuel, 6) if self.with_counter else None,
                lat=40.0 + self.odometer / self.miles_per_deg,
                lon=-80.0,
                driver_id=self.driver,
                **extra,  # type: ignore[arg-type]
            )
        )

    def phase(self, seconds: float, speed: float, engine: bool = True) -> Builder:
        """Readings every ``step_s`` for ``seconds`` at ``speed`` (the first one now)."""
        steps = max(1, round(seconds / self.step_s))
        for _ in range(steps):
            if self.readings:
                self.t += timedelta(seconds=self.step_s)
                hours = self.step_s / 3600.0
                self.odometer += (self.speed + speed) / 2.0 * hours
                self.fuel += (self.speed + speed) / 2.0 / 6.5 * hours
                if speed <= 2 and engine:
                    self.fuel += 0.8 * hours
            self.speed = speed
            self.emit(speed, engine)
        return self

    def gap(self, seconds: float) -> Builder:
        """No reading for ``seconds`` (the truck keeps its state; the odometer does not move)."""
        self.t += timedelta(seconds=seconds - self.step_s)
        self.speed = 0.0
        return self
