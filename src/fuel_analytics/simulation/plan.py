"""A truck's true history as a list of phases: the physics every reading is sampled from.

A phase is a stretch of constant behaviour (driving at one cruise speed, idling, parked, a
refuel, a theft ...). Every quantity the truck accumulates (odometer, fuel burned, tank level,
engine hours ...) is linear inside a phase, so a reading at any instant is an interpolation.
Times are POSIX seconds (floats) throughout.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Final

DRIVE: Final = 0
IDLE: Final = 1
OFF: Final = 2
REFUEL: Final = 3
THEFT: Final = 4
SIPHON: Final = 5

WAKE_S: Final = 40 * 60  # the device keeps its normal rate this long after the engine stops
AWAKE_AFTER_CHANGE_S: Final = 30 * 60  # ... and this long after a fuel-level change event
MIN_TANK_FRACTION: Final = 0.04


@dataclass(frozen=True, slots=True)
class Phase:
    kind: int
    t0: float
    t1: float
    active: bool  # the device samples at the normal rate (else it sleeps)
    tank0: float
    tank1: float
    odo0: float
    odo1: float
    burn0: float
    burn1: float
    idle_burn0: float
    idle_burn1: float
    eng_h0: float
    eng_h1: float
    idle_h0: float
    idle_h1: float
    lat0: float
    lon0: float
    lat1: float
    lon1: float
    speed: float = 0.0
    gph: float = 0.0
    rpm: float = 0.0
    load: float = 0.0
    city: bool = False
    driver: str | None = None
    off_since: float = 0.0

    @property
    def engine_on(self) -> bool:
        return self.kind <= IDLE


@dataclass(frozen=True, slots=True)
class FuelRecord:
    """A change of the true tank level that is not engine burn."""

    kind: str  # REFUEL, TOPOFF, THEFT, SIPHONING
    start: float
    end: float
    gallons: float
    before_gal: float
    after_gal: float
    lat: float
    lon: float
    detail: dict[str, object] = field(default_factory=dict)


class PlanBuilder:
    """Appends phases one after the other and keeps the running truth."""

    def __init__(
        self,
        *,
        start: float,
        end: float,
        capacity: float,
        tank: float,
        lat: float,
        lon: float,
        rng: random.Random,
        refuel_range: tuple[float, float],
    ) -> None:
        self.start = start
        self.end = end
        self.t = start
        self.capacity = capacity
        self.tank = tank
        self.lat = lat
        self.lon = lon
        self.rng = rng
        self.refuel_range = refuel_range
        self.refuel_at = capacity * rng.uniform(*refuel_range)
        self.odo = 0.0
        self.burn = 0.0
        self.idle_burn = 0.0
        self.eng_h = 0.0
        self.idle_h = 0.0
        self.engine_on = False
        self.off_since = start - 8 * 3600
        self.awake_until = start
        self.driver: str | None = None
        self.cont_drive_s = 0.0
        self.still_s = 0.0
        self.last_refuel_end = start - 86_400
        self.phases: list[Phase] = []
        self.records: list[FuelRecord] = []

    @property
    def done(self) -> bool:
        return self.t >= self.end

    @property
    def level(self) -> float:
        return self.tank / self.capacity

    def _push(
        self,
        kind: int,
        duration: float,
        *,
        active: bool,
        dtank: float = 0.0,
        speed: float = 0.0,
        gph: float = 0.0,
        rpm: float = 0.0,
        load: float = 0.0,
        to: tuple[float, float] | None = None,
        city: bool = False,
    ) -> float:
        """Append one phase; return the share of it that fits before the end (0 when done)."""
        if duration <= 0 or self.done:
            return 0.0
        share = 1.0
        if self.t + duration > self.end:
            share = (self.end - self.t) / duration
            duration = self.end - self.t
        hours = duration / 3600
        engine = kind <= IDLE
        if not engine and self.engine_on:
            self.off_since = self.t
        fuel = gph * hours if engine else 0.0
        tank1 = max(0.0, min(self.capacity, self.tank - fuel + dtank * share))
        lat1, lon1 = self.lat, self.lon
        if to is not None:
            lat1 = self.lat + (to[0] - self.lat) * share
            lon1 = self.lon + (to[1] - self.lon) * share
        odo1 = self.odo + (speed * hours if kind == DRIVE else 0.0)
        idle_fuel = fuel if kind == IDLE else 0.0
        idle_h = hours if kind == IDLE else 0.0
        self.phases.append(
            Phase(
                kind=kind,
                t0=self.t,
                t1=self.t + duration,
                active=active,
                tank0=self.tank,
                tank1=tank1,
                odo0=self.odo,
                odo1=odo1,
                burn0=self.burn,
                burn1=self.burn + fuel,
                idle_burn0=self.idle_burn,
                idle_burn1=self.idle_burn + idle_fuel,
                eng_h0=self.eng_h,
                eng_h1=self.eng_h + (hours if engine else 0.0),
                idle_h0=self.idle_h,
                idle_h1=self.idle_h + idle_h,
                lat0=self.lat,
                lon0=self.lon,
                lat1=lat1,
                lon1=lon1,
                speed=speed,
                gph=gph,
                rpm=rpm,
                load=load,
                city=city,
                driver=self.driver,
                off_since=self.off_since,
            )
        )
        self.t += duration
        self.tank, self.odo, self.lat, self.lon = tank1, odo1, lat1, lon1
        self.burn += fuel
        self.idle_burn += idle_fuel
        self.eng_h += hours if engine else 0.0
        self.idle_h += idle_h
        self.engine_on = engine
        if kind == DRIVE:
            self.cont_drive_s += duration
            self.still_s = 0.0
        else:
            self.still_s += duration
            if self.still_s >= 1800:
                self.cont_drive_s = 0.0
        return share

    # -- engine-on phases ------------------------------------------------------------------

    def drive(
        self,
        speed: float,
        miles: float,
        mpg: float,
        load: float,
        to: tuple[float, float],
        *,
        city: bool,
    ) -> None:
        rpm = 1100 + (speed - 50) * 9 if not city else 1050 + speed * 8
        self._push(
            DRIVE,
            miles / speed * 3600,
            active=True,
            speed=speed,
            gph=speed / mpg,
            rpm=max(900.0, rpm),
            load=load,
            to=to,
            city=city,
        )

    def idle(self, seconds: float, *, gph: float, rpm: float, load: float) -> None:
        self._push(IDLE, seconds, active=True, gph=gph, rpm=rpm, load=load)

    # -- engine-off phases -----------------------------------------------------------------

    def off(self, seconds: float) -> None:
        """Parked with the engine off; the device goes to sleep after a while."""
        if seconds <= 0 or self.done:
            return
        off_since = self.t if self.engine_on else self.off_since
        wake_end = max(off_since + WAKE_S, self.awake_until)
        awake = min(seconds, max(0.0, wake_end - self.t))
        self._push(OFF, awake, active=True)
        self._push(OFF, seconds - awake, active=False)

    def _fuel_change(
        self, kind: int, seconds: float, gallons: float, *, active: bool
    ) -> tuple[float, float, float]:
        """Push one REFUEL/THEFT/SIPHON phase; return (start, before, after)."""
        start, before = self.t, self.tank
        self._push(kind, seconds, active=active, dtank=gallons)
        if kind != SIPHON:
            self.awake_until = self.t + AWAKE_AFTER_CHANGE_S
        return start, before, self.tank

    def refuel(self, parts: list[float], flow_gpm: float, pauses: list[float], kind: str) -> None:
        """Fill in one or more nozzle sessions (a gauge then reports 10 -> 40 -> 80 %)."""
        if self.done:
            return
        start, before, lat, lon = self.t, self.tank, self.lat, self.lon
        end = start
        for i, gallons in enumerate(parts):
            self._fuel_change(REFUEL, gallons / flow_gpm * 60, gallons, active=True)
            end = self.t
            if i < len(pauses) and i < len(parts) - 1:
                self.off(pauses[i])
        after = self.tank
        if kind == "REFUEL":
            self.last_refuel_end = end
            self.refuel_at = self.capacity * self.rng.uniform(*self.refuel_range)
        if after - before > 0.05:
            self.records.append(
                FuelRecord(
                    kind,
                    start,
                    end,
                    after - before,
                    before,
                    after,
                    lat,
                    lon,
                    {"steps": len(parts), "flow_gpm": round(flow_gpm, 1)},
                )
            )

    def theft(self, seconds: float, gallons: float, *, night: bool, local_hour: float) -> None:
        start, before, after = self._fuel_change(THEFT, seconds, -gallons, active=True)
        if before - after > 0.05:
            self.records.append(
                FuelRecord(
                    "THEFT",
                    start,
                    self.t,
                    before - after,
                    before,
                    after,
                    self.lat,
                    self.lon,
                    {"night": night, "local_hour": round(local_hour, 2)},
                )
            )

    def siphon(self, seconds: float, gallons: float) -> tuple[float, float, float]:
        active = self.t < self.awake_until
        return self._fuel_change(SIPHON, seconds, -gallons, active=active)


def assign_def_levels(
    phases: list[Phase],
    refill_at: set[int],
    *,
    pct_per_gal: float,
    end_level: float,
    rng: random.Random,
) -> tuple[list[float], int | None]:
    """The DEF level (%) at every phase boundary (``len(phases) + 1`` values).

    Walks back from ``end_level`` at the end: DEF falls with the diesel burned. A refill is
    placed at a refuel stop (``refill_at``: phase indices; the level rises during that phase)
    only when the level would otherwise exceed 97 % before the previous stop, so the truck
    refills when it runs low and the last stretch is never refilled.
    Returns the levels and the index of the last refill phase (None when there was none).
    """
    levels = [0.0] * (len(phases) + 1)
    stops = sorted(refill_at)
    level = end_level
    levels[-1] = level
    last_refill: int | None = None
    k = len(stops) - 1
    for i in range(len(phases) - 1, -1, -1):
        phase = phases[i]
        after = level
        before = after + (phase.burn1 - phase.burn0) * pct_per_gal
        if k >= 0 and stops[k] == i:
            previous_burn = phases[stops[k - 1]].burn0 if k > 0 else phases[0].burn0
            if after + (phase.burn0 - previous_burn) * pct_per_gal > 97.0:
                before = max(3.0, min(rng.uniform(18.0, 35.0), after - 8.0))
                if last_refill is None:
                    last_refill = i
            k -= 1
        levels[i] = level = min(100.0, before)
    return levels, last_refill


def first_crossing(
    phases: tuple[Phase, ...], levels: tuple[float, ...], from_index: int, threshold: float
) -> float | None:
    """When the DEF level first falls below ``threshold`` at or after phase ``from_index``."""
    for i in range(from_index, len(phases)):
        before, after = levels[i], levels[i + 1]
        if before < threshold:
            return phases[i].t0
        if after < threshold:
            share = (before - threshold) / (before - after)
            return phases[i].t0 + share * (phases[i].t1 - phases[i].t0)
    return None
