"""Ground truth: what really happened, to measure detection against (DOMAIN.md §8).

Trips are true from the plan: a trip runs from the first DRIVE phase to the last one before
a stop of >= 10 min. Not every true trip can be measured from the readings: one cut by the
end of the period is not ``complete``, and one that overlaps an injected offline window
(the device silent for 1-6 h) is ``offline``, since nothing is sent from inside the gap.
Only ``measurable`` trips (complete and not offline) are what trip detection is scored on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from fuel_analytics.domain.model import TruckId
from fuel_analytics.simulation.duty import HOUR, Plan
from fuel_analytics.simulation.events import SensorScript, to_dt
from fuel_analytics.simulation.plan import DRIVE, IDLE

TRIP_END_STOP_S = 600.0  # DOMAIN.md §3: a stop of >= 10 min ends a trip
# A trip is measurable only when the device reported throughout it, from this long before
# its start (the reading before the start, which places the start and its first miles: the
# speed-integration gap) to the end of its trip-ending stop (what shows that it ended).
OFFLINE_MARGIN_BEFORE_S = 300.0
OFFLINE_MARGIN_AFTER_S = TRIP_END_STOP_S

EVENT_KINDS = (
    "REFUEL",
    "TOPOFF",
    "THEFT",
    "SIPHONING",
    "SENSOR_GLITCH",
    "SENSOR_NOISE",
    "SENSOR_DISCONNECT",
    "STUCK_SENSOR",
    "COOLANT_CREEP",
    "BATTERY_WEAK",
    "OIL_PRESSURE_FALL",
    "DEF_LOW",
    "DTC",
)
INJECTED_KINDS = tuple(k for k in EVENT_KINDS if k not in ("REFUEL", "TOPOFF"))


@dataclass(frozen=True, slots=True)
class TruthEvent:
    """One true event. ``gallons`` is fuel added (REFUEL, TOPOFF) or removed (THEFT, SIPHONING).

    ``detail`` holds e.g. level_before_pct / level_after_pct, lat / lon, truncated (the period
    ended during or within 10 min of it: nothing can see it settle), steps (REFUEL), sensor,
    samples and drop_pct (glitches), code (DTC), warning_at / critical_at (degradations).
    TOPOFF events are splashes of < 10 gal above 95 % that a detector must NOT report.
    """

    truck_id: TruckId
    kind: str
    start: datetime
    end: datetime
    gallons: float | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TruthTrip:
    truck_id: TruckId
    start: datetime
    end: datetime
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    distance_mi: float
    driver_id: str | None
    fuel_gal: float  # burned while driving plus short-stop idling inside the trip
    driving_hours: float
    stop_count: int  # stops < 10 min inside the trip
    max_speed_mph: float  # the fastest cruise speed (readings add ~1-4 mph of noise)
    complete: bool  # False when the period ended during the trip
    # True when the device was offline (an injected data gap, TruckTruth.offline_windows)
    # during the trip, or within OFFLINE_MARGIN_BEFORE_S before it / OFFLINE_MARGIN_AFTER_S
    # after it. Nothing is sent from inside such a gap, so no detector can know when the
    # trip started or ended or how far it went (a gap > 30 min breaks the series, DOMAIN.md
    # §3): it is not measurable, and trip scoring leaves it out, counted apart.
    offline: bool = False

    @property
    def measurable(self) -> bool:
        """Complete and fully reported: what trip detection is scored on."""
        return self.complete and not self.offline


@dataclass(frozen=True, slots=True)
class TruckTruth:
    truck_id: TruckId
    duty_cycle: str  # highway | regional | city
    scenarios: tuple[str, ...]  # ("healthy",) or e.g. ("theft",), ("coolant_creep", "dtc")
    utc_offset_hours: int  # the truck's local time (nights, shifts): UTC + this, no DST
    distance_mi: float
    fuel_burned_gal: float
    moving_fuel_gal: float
    idle_fuel_gal: float
    mpg: float | None  # distance / fuel burned while moving
    mpg_overall: float | None  # distance / all fuel burned (idling included)
    engine_hours: float
    idle_hours: float
    driving_hours: float
    refuel_gal: float
    stolen_gal: float  # thefts and siphoning
    start_level_pct: float
    end_level_pct: float
    has_fuel_counter: bool  # total_fuel_gal / total_idle_fuel_gal reported
    has_odometer: bool
    night_report_interval_s: tuple[int, int]  # when parked and asleep
    offline_windows: tuple[tuple[datetime, datetime], ...]
    trip_count: int


@dataclass(frozen=True, slots=True)
class GroundTruth:
    events: tuple[TruthEvent, ...]
    trips: tuple[TruthTrip, ...]
    per_truck: Mapping[TruckId, TruckTruth]

    def events_of(self, kind: str, truck_id: TruckId | None = None) -> tuple[TruthEvent, ...]:
        return tuple(
            e
            for e in self.events
            if e.kind == kind and (truck_id is None or e.truck_id == truck_id)
        )


@dataclass(slots=True)
class _Trip:
    start: float
    lat0: float
    lon0: float
    driver: str | None
    end: float = 0.0
    lat1: float = 0.0
    lon1: float = 0.0
    miles: float = 0.0
    fuel: float = 0.0
    driving: float = 0.0
    stops: int = 0
    max_speed: float = 0.0


def _offline(trip: _Trip, offline: Sequence[tuple[float, float]]) -> bool:
    """Does an offline window overlap the trip, with its margins?"""
    lo = trip.start - OFFLINE_MARGIN_BEFORE_S
    hi = trip.end + OFFLINE_MARGIN_AFTER_S
    return any(a < hi and lo < b for a, b in offline)


def _trips(plan: Plan, offline: Sequence[tuple[float, float]] = ()) -> list[TruthTrip]:
    truck_id = plan.profile.truck_id
    out: list[TruthTrip] = []
    cur: _Trip | None = None
    still = still_fuel = 0.0

    def close(trip: _Trip, complete: bool) -> None:
        out.append(
            TruthTrip(
                truck_id,
                to_dt(trip.start),
                to_dt(trip.end),
                round(trip.lat0, 5),
                round(trip.lon0, 5),
                round(trip.lat1, 5),
                round(trip.lon1, 5),
                round(trip.miles, 2),
                trip.driver,
                round(trip.fuel, 2),
                round(trip.driving / HOUR, 3),
                trip.stops,
                round(trip.max_speed, 1),
                complete,
                _offline(trip, offline),
            )
        )

    for ph in plan.phases:
        if ph.kind == DRIVE:
            if cur is None:
                cur = _Trip(ph.t0, ph.lat0, ph.lon0, ph.driver)
            elif still > 0:
                cur.stops += 1
                cur.fuel += still_fuel
            still = still_fuel = 0.0
            cur.end, cur.lat1, cur.lon1 = ph.t1, ph.lat1, ph.lon1
            cur.miles += ph.odo1 - ph.odo0
            cur.fuel += ph.burn1 - ph.burn0
            cur.driving += ph.t1 - ph.t0
            cur.max_speed = max(cur.max_speed, ph.speed)
        elif cur is not None:
            still += ph.t1 - ph.t0
            still_fuel += ph.burn1 - ph.burn0
            if still >= TRIP_END_STOP_S:
                close(cur, True)
                cur = None
    if cur is not None:
        close(cur, still >= TRIP_END_STOP_S)
    return out


def _events(plan: Plan, script: SensorScript) -> list[TruthEvent]:
    p = plan.profile
    cap = p.capacity
    out: list[TruthEvent] = []
    for r in plan.records:
        detail: dict[str, object] = {
            "level_before_pct": round(r.before_gal / cap * 100, 2),
            "level_after_pct": round(r.after_gal / cap * 100, 2),
            "lat": round(r.lat, 5),
            "lon": round(r.lon, 5),
            **r.detail,
            # cut by the end of the period: the level after it is never seen settled
            "truncated": r.end >= plan.end - 600,
        }
        gallons = round(r.gallons, 2)
        frozen = MappingProxyType(detail)
        out.append(TruthEvent(p.truck_id, r.kind, to_dt(r.start), to_dt(r.end), gallons, frozen))
    for inc in script.incidents:
        frozen = MappingProxyType(dict(inc.detail))
        out.append(TruthEvent(p.truck_id, inc.kind, to_dt(inc.start), to_dt(inc.end), None, frozen))
    return out


def truck_truth(
    plan: Plan, script: SensorScript
) -> tuple[TruckTruth, list[TruthEvent], list[TruthTrip]]:
    p = plan.profile
    miles = moving = idle_fuel = eng = idle = driving = 0.0
    for ph in plan.phases:
        if ph.kind == DRIVE:
            miles += ph.odo1 - ph.odo0
            moving += ph.burn1 - ph.burn0
            driving += ph.t1 - ph.t0
        elif ph.kind == IDLE:
            idle_fuel += ph.burn1 - ph.burn0
            idle += ph.t1 - ph.t0
    if plan.phases:
        eng = plan.phases[-1].eng_h1
    burned = moving + idle_fuel
    trips = _trips(plan, script.offline)
    refuel = sum(r.gallons for r in plan.records if r.kind == "REFUEL")
    stolen = sum(r.gallons for r in plan.records if r.kind in ("THEFT", "SIPHONING"))
    first, last = plan.phases[0], plan.phases[-1]
    truth = TruckTruth(
        truck_id=p.truck_id,
        duty_cycle=p.duty,
        scenarios=p.scenarios,
        utc_offset_hours=p.utc_offset_hours,
        distance_mi=round(miles, 2),
        fuel_burned_gal=round(burned, 2),
        moving_fuel_gal=round(moving, 2),
        idle_fuel_gal=round(idle_fuel, 2),
        mpg=round(miles / moving, 3) if moving > 0 else None,
        mpg_overall=round(miles / burned, 3) if burned > 0 else None,
        engine_hours=round(eng, 3),
        idle_hours=round(idle / HOUR, 3),
        driving_hours=round(driving / HOUR, 3),
        refuel_gal=round(refuel, 2),
        stolen_gal=round(stolen, 2),
        start_level_pct=round(first.tank0 / p.capacity * 100, 2),
        end_level_pct=round(last.tank1 / p.capacity * 100, 2),
        has_fuel_counter=p.has_fuel_counter,
        has_odometer=p.has_odometer,
        night_report_interval_s=p.sleep_interval_s,
        offline_windows=tuple((to_dt(a), to_dt(b)) for a, b in script.offline),
        trip_count=len(trips),
    )
    return truth, _events(plan, script), trips
