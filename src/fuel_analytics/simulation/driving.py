"""Driving and stopping: the building blocks of a duty day.

A :class:`Driver` drives routes segment by segment (street, cruise, speeding, traffic), and
stops: short stops inside trips (2-7 min, engine idling), breaks, customer stops, fuel
stops (single or multi-step fills) and the occasional top-off.
"""

from __future__ import annotations

import random
from typing import Final

from fuel_analytics.simulation.geo import Route
from fuel_analytics.simulation.plan import PlanBuilder
from fuel_analytics.simulation.profiles import CITY, REGIONAL, TruckProfile

HOUR: Final = 3600.0
DAY: Final = 86_400.0


class Driver:
    def __init__(self, profile: TruckProfile, start: float, end: float, seed: int) -> None:
        self.p = profile
        self.rng = random.Random(f"{seed}/{profile.index}/plan")
        cap = profile.capacity
        self.b = PlanBuilder(
            start=start,
            end=end,
            capacity=cap,
            tank=cap * self.rng.uniform(0.4, 0.95),
            lat=profile.home_lat,
            lon=profile.home_lon,
            rng=self.rng,
            refuel_range=(profile.refuel_low, profile.refuel_high),
        )
        self.break_after = self.rng.uniform(3.5, 5.0) * HOUR
        self.topped_off_at = start - DAY

    def idle(self, seconds: float, *, reefer: bool = False) -> None:
        rng = self.rng
        if reefer:
            gph, rpm, load = rng.uniform(0.95, 1.15), rng.uniform(650, 700), rng.uniform(20, 28)
        else:
            gph, rpm, load = rng.uniform(0.6, 0.85), rng.uniform(600, 650), rng.uniform(9, 14)
        self.b.idle(seconds, gph=gph, rpm=rpm, load=load)

    def fuel_stop(self) -> None:
        b, rng, cap = self.b, self.rng, self.p.capacity
        self.idle(rng.uniform(60, 150))
        began = b.t
        b.off(rng.uniform(30, 90))
        gallons = cap * rng.uniform(0.85, 1.0) - b.tank
        if gallons > 5:
            steps = 1 if rng.random() < 0.7 else 2 if rng.random() < 0.65 else 3
            weights = [rng.uniform(0.3, 1.0) for _ in range(steps)]
            parts = [gallons * w / sum(weights) for w in weights]
            pauses = [rng.uniform(90, 300) for _ in range(steps - 1)]
            b.refuel(parts, rng.uniform(8, 14), pauses, "REFUEL")
        b.off(rng.uniform(240, 720))
        if b.t - began < 16 * 60:
            b.off(16 * 60 - (b.t - began) + rng.uniform(0, 120))
        self.idle(rng.uniform(60, 180))

    def maybe_topoff(self) -> None:
        """A splash of 2-7 gal (<= 5 % of the tank) that leaves it above 96 %: to be ignored."""
        b, cap = self.b, self.p.capacity
        if b.t - b.last_refuel_end < 45 * 60 or self.topped_off_at > b.last_refuel_end:
            return
        low = max(2.0, 0.96 * cap - b.tank + 0.3)
        high = min(7.0, 0.05 * cap, 0.995 * cap - b.tank)
        if low < high and self.rng.random() < 0.35:
            self.topped_off_at = b.t
            b.refuel([self.rng.uniform(low, high)], self.rng.uniform(6, 10), [], "TOPOFF")

    def short_stop(self) -> None:
        self.idle(self.rng.uniform(120, 420))  # 2-7 min: stays inside the trip

    def take_break(self) -> None:
        rng = self.rng
        self.idle(rng.uniform(60, 120))
        if rng.random() < self.p.idle_habit:
            self.idle(rng.uniform(1800, 2400), reefer=self.p.reefer)
        else:
            self.b.off(rng.uniform(1800, 2400))
        self.idle(rng.uniform(60, 120))
        self.break_after = rng.uniform(3.5, 5.0) * HOUR

    def customer_stop(self, minutes: float) -> None:
        b, rng = self.b, self.rng
        self.idle(rng.uniform(60, 240))
        seconds = minutes * 60
        if rng.random() < 0.15 + 0.35 * self.p.idle_habit:
            self.idle(seconds, reefer=self.p.reefer and rng.random() < 0.5)
        else:
            head = rng.uniform(120, 300)
            b.off(head)
            self.maybe_topoff()
            b.off(seconds - head)
        self.idle(rng.uniform(60, 200))

    def drive_route(self, route: Route, style: str) -> None:
        b, rng, p = self.b, self.rng, self.p
        total, done = route.length_mi, 0.0
        trip_mpg = p.truck.baseline_mpg * p.mpg_factor * rng.uniform(0.97, 1.03)  # load
        base_load = rng.uniform(45, 70)
        street = 0.0 if style == CITY else min(3.0, total * 0.08)
        while total - done > 1e-6 and not b.done:
            left = total - done
            city = True
            if style == CITY:
                speed = rng.uniform(15, 40)
                miles = min(left, max(0.3, speed * rng.uniform(2, 8) / 60))
                adjust = rng.uniform(0.95, 1.04)
            elif done < street or left <= street + 0.5:
                speed = rng.uniform(20, 35)
                miles = min(left, street) if done < street else left
                adjust = rng.uniform(0.85, 0.95)
            else:
                city = False
                speed, minutes = self._cruise(style)
                miles = min(left - street, speed * minutes / 60)
                adjust = min(1.08, max(0.88, 1 - 0.012 * (speed - 63)))
            load = rng.uniform(35, 70) if city else base_load + (speed - 60) * 0.8
            load = min(95.0, max(25.0, load + rng.uniform(-5, 5)))
            done += miles
            b.drive(speed, miles, trip_mpg * adjust, load, route.at(done / total), city=city)
            left = total - done
            if b.tank < b.refuel_at and (left > 5 or style == CITY):
                self.fuel_stop()
            elif b.cont_drive_s >= self.break_after and left > 20:
                self.take_break()
            elif left > 1 and rng.random() < {CITY: 0.3, REGIONAL: 0.08}.get(style, 0.02):
                self.short_stop()

    def _cruise(self, style: str) -> tuple[float, float]:
        """Speed (mph) and minutes of one open-road segment."""
        rng, p = self.rng, self.p
        roll = rng.random()
        if roll < 0.06:
            return rng.uniform(35, 50), rng.uniform(3, 10)
        if style == REGIONAL and roll < 0.45:
            return rng.uniform(45, 56), rng.uniform(5, 20)
        if roll < 0.06 + p.speeding * (0.5 if style == REGIONAL else 1.0):
            return rng.uniform(69, 74), rng.uniform(5, 25)
        return p.cruise_mph + rng.uniform(-2.5, 2.5), rng.uniform(10, 35)
