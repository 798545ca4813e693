"""Duty cycles: what a truck does day after day, as a plan of phases.

Shifts are anchored to the truck's local calendar (``utc_offset_hours``, fixed, no DST):
highway trucks run 1-2 long legs between towns and sleep at truck stops (idling, with or
without a reefer load, or engine off); regional trucks visit 2-3 customers and return to the
yard; city trucks make many short deliveries with short stops in between. Fuel stops happen
when the tank runs low; thefts and siphoning are scheduled on parked nights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from fuel_analytics.simulation.driving import DAY, HOUR, Driver
from fuel_analytics.simulation.geo import CITIES, Place, haversine_mi, make_route, offset
from fuel_analytics.simulation.plan import (
    REFUEL,
    FuelRecord,
    Phase,
    assign_def_levels,
    first_crossing,
)
from fuel_analytics.simulation.profiles import (
    CITY,
    DEF_LOW,
    HIGHWAY,
    REGIONAL,
    SIPHONING,
    THEFT,
    TruckProfile,
)

__all__ = ["DAY", "HOUR", "DayPlanner", "Injection", "Plan", "build_plan", "local_midnights"]


@dataclass(frozen=True, slots=True)
class Plan:
    profile: TruckProfile
    start: float
    end: float
    phases: tuple[Phase, ...]
    records: tuple[FuelRecord, ...]
    def_levels: tuple[float, ...]  # DEF % at each phase boundary (len(phases) + 1)
    def_crossings: tuple[tuple[float, float | None], ...]  # (threshold %, when), DEF-low only


@dataclass(frozen=True, slots=True)
class Injection:
    at: float
    kind: str  # THEFT or SIPHON
    seconds: float
    gallons: float
    night: bool
    episode: int = -1


def local_midnights(start: float, end: float, offset_hours: int) -> list[float]:
    """Local midnights (as POSIX seconds) from the one on or before ``start`` up to ``end``."""
    off = offset_hours * HOUR
    first = math.floor((start + off) / DAY) * DAY - off
    return [first + k * DAY for k in range(int((end - first) // DAY) + 1)]


class DayPlanner(Driver):
    """Day after day: shifts by duty cycle, nights parked, parked fuel events injected."""

    def __init__(self, profile: TruckProfile, start: float, end: float, seed: int) -> None:
        super().__init__(profile, start, end, seed)
        self.off_s = profile.utc_offset_hours * HOUR
        self.pending = self._schedule_injections(start, end)
        self.siphon_log: dict[int, list[tuple[float, float, float, float]]] = {}

    # -- time helpers ----------------------------------------------------------------------

    def local_hour(self, t: float) -> float:
        return ((t + self.off_s) % DAY) / HOUR

    def weekday(self, midnight: float) -> int:
        return datetime.fromtimestamp(midnight + self.off_s, UTC).weekday()

    # -- injected parked events ------------------------------------------------------------

    def _schedule_injections(self, start: float, end: float) -> list[Injection]:
        rng, cap, out = self.rng, self.p.capacity, []
        nights = [
            m
            for m in local_midnights(start, end, self.p.utc_offset_hours)
            if m - 3 * HOUR > start and m + 5 * HOUR < end
        ]
        if THEFT in self.p.scenarios and nights:
            count = max(1, round(len(nights) * 0.16))
            for m in sorted(rng.sample(nights, min(count, len(nights)))):
                gallons = min(80.0, max(rng.uniform(25.0, 80.0), 0.14 * cap + rng.uniform(2, 8)))
                seconds = rng.uniform(300.0, 1200.0)
                if self.weekday(m) in self.p.off_days and rng.random() < 0.4:
                    out.append(
                        Injection(m + rng.uniform(10, 15) * HOUR, THEFT, seconds, gallons, False)
                    )
                else:
                    out.append(
                        Injection(m + rng.uniform(0, 3.4) * HOUR, THEFT, seconds, gallons, True)
                    )
        if SIPHONING in self.p.scenarios and len(nights) >= 3:
            episodes = max(1, round(len(nights) / 14))
            chunk = len(nights) // episodes
            for e in range(episodes):
                part = nights[e * chunk : (e + 1) * chunk]
                n = min(len(part), rng.randint(3, 5))
                first = rng.randrange(len(part) - n + 1)
                per_night = [cap * rng.uniform(0.04, 0.055) for _ in range(n)]
                scale = max(1.0, 13.0 / sum(per_night))
                for m, gallons in zip(part[first : first + n], per_night, strict=True):
                    at = m + rng.uniform(0.5, 2.0) * HOUR
                    seconds = rng.uniform(1.5, 2.5) * HOUR
                    out.append(Injection(at, SIPHONING, seconds, gallons * scale, True, e))
        return sorted(out, key=lambda i: i.at)

    def _inject(self, inj: Injection) -> None:
        b, cap = self.b, self.p.capacity
        if inj.kind == THEFT:
            gallons = min(inj.gallons, b.tank - 0.06 * cap)
            if gallons >= max(25.0, 0.14 * cap):
                b.theft(inj.seconds, gallons, night=inj.night, local_hour=self.local_hour(b.t))
            return
        gallons = min(inj.gallons, b.tank - 0.08 * cap)
        if gallons > 0.5:
            start, before, after = b.siphon(inj.seconds, gallons)
            self.siphon_log.setdefault(inj.episode, []).append((start, b.t, before, after))

    # -- days and nights -------------------------------------------------------------------

    def rest_until(self, until: float) -> None:
        """Park for the night (or an off day): refuel first if needed, inject parked events."""
        b, rng, p = self.b, self.rng, self.p
        if b.done:
            return
        tonight = [i for i in self.pending if i.at < until]
        self.pending = [i for i in self.pending if i.at >= until]
        if b.engine_on:
            need = sum(i.gallons for i in tonight if i.kind == THEFT)
            if b.tank < b.refuel_at + 0.1 * p.capacity or b.tank - need < 0.3 * p.capacity:
                self.fuel_stop()
            self.idle(rng.uniform(120, 480))
            if not tonight and p.duty == HIGHWAY and rng.random() < p.idle_habit * 0.8:
                hours = (until - b.t) / HOUR if rng.random() < 0.5 else rng.uniform(1, 5)
                self.idle(
                    min(hours * HOUR, until - b.t - 600), reefer=p.reefer and rng.random() < 0.7
                )
            elif not tonight and rng.random() < 0.1 + 0.2 * p.idle_habit:
                self.idle(rng.uniform(600, 2700))
            if p.duty != HIGHWAY:
                b.driver = None
        for inj in tonight:
            at = inj.at
            if at < b.t + 1800:  # still driving when it was due: later the same night, or never
                at = b.t + rng.uniform(1800, 3600)
                if inj.night and not (self.local_hour(at) < 4.0 or self.local_hour(at) > 22.0):
                    continue
                if at + inj.seconds >= until - 1800:
                    continue
            b.off(at - b.t)
            self._inject(inj)
        b.off(until - b.t)

    def pick_driver(self) -> None:
        drivers = self.p.drivers
        self.b.driver = drivers[0] if len(drivers) == 1 else self.rng.choice(drivers)

    def pick_city(self, target_mi: float) -> Place:
        b, p = self.b, self.p
        scored = []
        for city in CITIES:
            d = haversine_mi(b.lat, b.lon, city.lat, city.lon)
            home = haversine_mi(p.home_lat, p.home_lon, city.lat, city.lon)
            if d > 40 and home < 1100:
                scored.append((abs(d - target_mi) + 0.3 * max(0.0, home - 600), city))
        scored.sort(key=lambda s: s[0])
        return self.rng.choice(scored[:3])[1]

    def highway_day(self, shift_end: float) -> None:
        b, rng = self.b, self.rng
        self.idle(rng.uniform(480, 900))
        legs = 2 if rng.random() < 0.6 else 1
        budget = rng.uniform(430, 600)
        for leg in range(legs):
            if b.done or b.t > shift_end - 3 * HOUR:
                break
            dest = self.pick_city(budget / legs * rng.uniform(0.85, 1.15))
            route = make_route(rng, (b.lat, b.lon), (dest.lat, dest.lon), road_factor=1.08)
            self.drive_route(route, HIGHWAY)
            if leg < legs - 1:
                self.customer_stop(rng.uniform(40, 110))

    def regional_day(self, shift_end: float) -> None:
        b, rng, p = self.b, self.rng, self.p
        self.idle(rng.uniform(300, 720))
        for _ in range(rng.randint(2, 3)):
            if b.done or b.t > shift_end - 3 * HOUR:
                break
            dest = offset(p.home_lat, p.home_lon, rng.uniform(30, 110), rng.uniform(0, 2 * math.pi))
            self.drive_route(make_route(rng, (b.lat, b.lon), dest, road_factor=1.15), REGIONAL)
            self.customer_stop(rng.uniform(20, 60))
        home = (p.home_lat, p.home_lon)
        self.drive_route(make_route(rng, (b.lat, b.lon), home, road_factor=1.15), REGIONAL)

    def city_day(self, shift_end: float) -> None:
        b, rng, p = self.b, self.rng, self.p
        self.idle(rng.uniform(300, 600))
        lunch = False
        for _ in range(rng.randint(6, 11)):
            if b.done or b.t > shift_end - 1.5 * HOUR:
                break
            dest = offset(p.home_lat, p.home_lon, rng.uniform(2, 18), rng.uniform(0, 2 * math.pi))
            route = make_route(rng, (b.lat, b.lon), dest, road_factor=1.3, bend=0.2)
            self.drive_route(route, CITY)
            if not lunch and self.local_hour(b.t) >= 11.5:
                lunch = True
                self.idle(rng.uniform(60, 120))
                b.off(rng.uniform(1800, 2700))
                self.idle(rng.uniform(60, 180))
            else:
                self.customer_stop(rng.uniform(15, 40))
        home = (p.home_lat, p.home_lon)
        self.drive_route(make_route(rng, (b.lat, b.lon), home, road_factor=1.3, bend=0.2), CITY)

    def run(self) -> Plan:
        b, rng, p = self.b, self.rng, self.p
        shift_len = {HIGHWAY: 13.0, REGIONAL: 11.0, CITY: 10.0}[p.duty] * HOUR
        min_rest = (10.0 if p.duty == HIGHWAY else 8.0) * HOUR
        first = True
        for midnight in local_midnights(b.start, b.end, p.utc_offset_hours):
            if b.done:
                break
            if self.weekday(midnight) in p.off_days:
                continue
            shift = midnight + (p.shift_start_h + rng.uniform(-0.5, 0.5)) * HOUR
            if first and shift < b.t:
                if b.t > shift + 4 * HOUR:
                    continue
                shift = b.t + rng.uniform(300, 1800)
            elif not first:
                shift = max(shift, b.t + min_rest)
            first = False
            self.rest_until(shift)
            if b.done:
                break
            self.pick_driver()
            day = {HIGHWAY: self.highway_day, REGIONAL: self.regional_day, CITY: self.city_day}
            day[p.duty](shift + shift_len)
        self.rest_until(b.end)
        return self._finish()

    def _finish(self) -> Plan:
        b, p = self.b, self.p
        records = list(b.records)
        for episode in sorted(self.siphon_log):
            nights = self.siphon_log[episode]
            per_night = [round(before - after, 2) for _, _, before, after in nights]
            records.append(
                FuelRecord(
                    "SIPHONING",
                    nights[0][0],
                    nights[-1][1],
                    sum(per_night),
                    nights[0][2],
                    nights[-1][3],
                    b.lat,
                    b.lon,
                    {"nights": len(nights), "per_night_gal": tuple(per_night)},
                )
            )
        starts = {r.start for r in b.records if r.kind == "REFUEL"}
        refill_at = {i for i, ph in enumerate(b.phases) if ph.kind == REFUEL and ph.t0 in starts}
        low = DEF_LOW in p.scenarios
        end_level = self.rng.uniform(3.0, 6.0) if low else self.rng.uniform(35, 90)
        levels, last_refill = assign_def_levels(
            b.phases,
            refill_at,
            pct_per_gal=p.def_ratio * 100 / p.truck.def_tank_gal,
            end_level=end_level,
            rng=self.rng,
        )
        phases, def_levels = tuple(b.phases), tuple(levels)
        crossings: tuple[tuple[float, float | None], ...] = ()
        if low:
            since = 0 if last_refill is None else last_refill + 1
            crossings = tuple(
                (thr, first_crossing(phases, def_levels, since, thr)) for thr in (15, 10, 5)
            )
        records.sort(key=lambda r: r.start)
        return Plan(p, b.start, b.end, phases, tuple(records), def_levels, crossings)


def build_plan(profile: TruckProfile, start: float, end: float, seed: int) -> Plan:
    return DayPlanner(profile, start, end, seed).run()
