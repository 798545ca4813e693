"""Trips, speeding, driving behaviour, utilization and benchmarking (DOMAIN.md §3).

Trips are persisted by the derived-results recompute (services.derived) and read here after
the period's stale days are recomputed, like the fuel results. Periods are whole UTC days,
as for the fuel reports: scores and utilization are built from the same daily rows.
Speeding events come from the truck's raw readings, so their period is at most 31 days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.errors import NotFound
from fuel_analytics.domain.fuel import DailyFuel, PeriodFuel
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.ports import ReadingHistory, TripResults
from fuel_analytics.domain.trips import (
    BehaviourScore,
    SpeedingEvent,
    Trip,
    TripRules,
    Utilization,
    behaviour_score,
    peer_group,
    percentile_rank,
    speeding_events,
)
from fuel_analytics.domain.trips.period import utilization_of_days
from fuel_analytics.domain.trips.store import TripQuery, parse_trip_id
from fuel_analytics.services.derived import ONE_DAY, midnight, trip_rules_for
from fuel_analytics.services.fuel import FuelService, Period, PeriodRules
from fuel_analytics.services.registry import require_truck

ALL_TRIPS = 1_000_000
SPEEDING_PERIODS = PeriodRules(default=timedelta(days=7), longest=timedelta(days=31))
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class TripPage:
    period: Period
    trips: tuple[Trip, ...]
    more: bool


@dataclass(frozen=True, slots=True)
class SubjectScore:
    """A truck's or a driver's behaviour score in a period and the trips behind it."""

    kind: str  # "truck" | "driver"
    period: Period
    score: BehaviourScore
    baseline_mpg: float | None
    trips: tuple[Trip, ...]


@dataclass(frozen=True, slots=True)
class FleetBehaviour:
    period: Period
    trucks: tuple[SubjectScore, ...]  # best score first; unscored last
    drivers: tuple[SubjectScore, ...]
    best: tuple[SubjectScore, ...]  # drivers
    worst: tuple[SubjectScore, ...]


@dataclass(frozen=True, slots=True)
class FleetUtilization:
    period: Period
    trucks: tuple[Utilization, ...]
    engine_on_h: float
    driving_h: float
    idle_h: float
    available_h: float
    engine_pct: float | None
    driving_pct: float | None
    idle_all_period: tuple[TruckId, ...]


@dataclass(frozen=True, slots=True)
class Percentile:
    """Where the truck stands among its peers for one measure (higher percentile: better)."""

    measure: str
    value: float | None
    percentile: float | None
    peers_measured: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class Benchmark:
    truck: Truck
    period: Period
    peers: tuple[Truck, ...]
    measures: tuple[Percentile, ...]


def ranked(scores: Sequence[SubjectScore]) -> tuple[SubjectScore, ...]:
    """Best first; subjects without a score last, by name."""
    return tuple(
        sorted(
            scores,
            key=lambda s: (s.score.score is None, -(s.score.score or 0.0), s.score.subject),
        )
    )


@dataclass(frozen=True, slots=True)
class TripService:
    results: TripResults
    fuel: FuelService
    history: ReadingHistory
    rules: TripRules
    ranked: int = 5

    def for_tenant(self, tenant: Tenant) -> TripService:
        """Trips, scores and utilization of ``tenant``'s trucks only."""
        return self if tenant.everything else replace(self, fuel=self.fuel.for_tenant(tenant))

    def period(self, start: datetime | None, end: datetime | None) -> Period:
        return self.fuel.period(start, end)

    async def _fresh(self, truck_ids: Sequence[TruckId] | None, period: Period) -> None:
        await self.fuel.derived.ensure_fresh(truck_ids, period.start, period.end)

    async def truck_trips(
        self,
        truck_id: TruckId,
        start: datetime | None,
        end: datetime | None,
        *,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> TripPage:
        await self.fuel.truck(truck_id)
        period = self.period(start, end)
        await self._fresh([truck_id], period)
        found = await self.results.trips(
            TripQuery(
                truck_ids=[truck_id],
                start=period.start,
                end=period.end,
                after=after,
                limit=limit + 1,
            )
        )
        return TripPage(period, tuple(found[:limit]), len(found) > limit)

    async def trip(self, trip_id: str) -> Trip:
        truck_id, start = parse_trip_id(trip_id)
        if await self.fuel.trucks.get(truck_id) is None:
            raise NotFound(f"no trip {trip_id!r}", field="trip_id")
        day = midnight(start.date())
        await self._fresh([truck_id], Period(day, day + ONE_DAY))
        trip = await self.results.trip(truck_id, start)
        if trip is None or trip.trip_id != trip_id:
            raise NotFound(f"no trip {trip_id!r}", field="trip_id")
        return trip

    async def speeding(
        self, truck_id: TruckId, start: datetime | None, end: datetime | None
    ) -> tuple[Period, float, list[SpeedingEvent]]:
        """The period, the truck's own speeding threshold and the events above it."""
        truck = await require_truck(self.fuel.trucks, truck_id)
        period = SPEEDING_PERIODS.resolve(start, end, self.fuel.clock.now())
        readings = await self.history.readings(truck_id, period.start, period.end)
        rules = trip_rules_for(truck, self.rules)
        return period, rules.speeding_above_mph, speeding_events(truck, readings, rules)

    async def truck_score(
        self, truck_id: TruckId, start: datetime | None, end: datetime | None
    ) -> SubjectScore:
        truck = await require_truck(self.fuel.trucks, truck_id)
        period = self.period(start, end)
        await self._fresh([truck_id], period)
        trips = await self.results.trips(
            TripQuery(truck_ids=[truck_id], start=period.start, end=period.end, limit=ALL_TRIPS)
        )
        days = await self.fuel.results.daily([truck_id], period.start.date(), period.end.date())
        return self._truck_score(truck, period, trips, days)

    def _truck_score(
        self, truck: Truck, period: Period, trips: Sequence[Trip], days: Sequence[DailyFuel]
    ) -> SubjectScore:
        """Idle over the whole period (overnight idling happens outside trips)."""
        idle_s = sum(d.idle_hours for d in days) * HOUR
        engine_s = sum(d.engine_on_hours for d in days) * HOUR
        score = behaviour_score(
            truck.truck_id,
            trips,
            truck.baseline_mpg,
            trip_rules_for(truck, self.rules),
            idle_s=idle_s,
            engine_on_s=engine_s,
        )
        return SubjectScore("truck", period, score, truck.baseline_mpg, tuple(trips))

    async def driver_score(
        self, driver_id: str, start: datetime | None, end: datetime | None
    ) -> SubjectScore:
        period = self.period(start, end)
        await self._fresh(None, period)
        mine = await self.fuel.visible(None)
        if not await self.results.trips(TripQuery(truck_ids=mine, driver_ids=[driver_id], limit=1)):
            raise NotFound(f"no trip by driver {driver_id!r} is known", field="driver_id")
        trips = await self.results.trips(
            TripQuery(
                truck_ids=mine,
                driver_ids=[driver_id],
                start=period.start,
                end=period.end,
                limit=ALL_TRIPS,
            )
        )
        trucks = {t.truck_id: t for t in await self.fuel.trucks.all()}
        return self._driver_score(driver_id, period, trips, trucks)

    def _driver_score(
        self, driver_id: str, period: Period, trips: Sequence[Trip], trucks: dict[TruckId, Truck]
    ) -> SubjectScore:
        """A driver drives several trucks: MPG against the distance-weighted baseline of the
        trucks driven; idle within the trips (the driver is not known outside them)."""
        miles: dict[TruckId, float] = defaultdict(float)
        for trip in trips:
            miles[trip.truck_id] += trip.distance_mi or 0.0
        known = {t: m for t, m in miles.items() if t in trucks and m > 0}
        total = sum(known.values())
        baseline = (
            sum(trucks[t].baseline_mpg * m for t, m in known.items()) / total if total else None
        )
        score = behaviour_score(driver_id, trips, baseline or 0.0, self.rules)
        return SubjectScore(
            "driver",
            period,
            score,
            round(baseline, 3) if baseline is not None else None,
            tuple(trips),
        )

    async def fleet_behaviour(self, start: datetime | None, end: datetime | None) -> FleetBehaviour:
        period = self.period(start, end)
        await self._fresh(None, period)
        mine = await self.fuel.visible(None)
        trips = await self.results.trips(
            TripQuery(truck_ids=mine, start=period.start, end=period.end, limit=ALL_TRIPS)
        )
        trucks = {t.truck_id: t for t in await self.fuel.trucks.all()}
        days_by_truck: dict[TruckId, list[DailyFuel]] = defaultdict(list)
        for row in await self.fuel.results.daily(mine, period.start.date(), period.end.date()):
            days_by_truck[row.truck_id].append(row)
        by_truck: dict[TruckId, list[Trip]] = defaultdict(list)
        by_driver: dict[str, list[Trip]] = defaultdict(list)
        for trip in trips:
            by_truck[trip.truck_id].append(trip)
            if trip.driver_id is not None:
                by_driver[trip.driver_id].append(trip)
        truck_scores = ranked(
            [
                self._truck_score(trucks[t], period, found, days_by_truck[t])
                for t, found in by_truck.items()
                if t in trucks
            ]
        )
        driver_scores = ranked(
            [self._driver_score(d, period, found, trucks) for d, found in by_driver.items()]
        )
        scored = [s for s in driver_scores if s.score.score is not None]
        return FleetBehaviour(
            period=period,
            trucks=truck_scores,
            drivers=driver_scores,
            best=tuple(scored[: self.ranked]),
            worst=tuple(reversed(scored[-self.ranked :])) if scored else (),
        )

    async def utilization(self, start: datetime | None, end: datetime | None) -> FleetUtilization:
        period = self.period(start, end)
        await self._fresh(None, period)
        days_by_truck: dict[TruckId, list[DailyFuel]] = defaultdict(list)
        for row in await self.fuel.results.daily(None, period.start.date(), period.end.date()):
            days_by_truck[row.truck_id].append(row)
        trucks = sorted(await self.fuel.trucks.all(), key=lambda t: t.truck_id)
        found = tuple(
            utilization_of_days(
                t.truck_id,
                days_by_truck[t.truck_id],
                period.start,
                period.end,
                trip_rules_for(t, self.rules),
            )
            for t in trucks
        )
        engine = sum(u.engine_on_h for u in found)
        driving = sum(u.driving_h for u in found)
        available = sum(u.available_h for u in found)
        return FleetUtilization(
            period=period,
            trucks=found,
            engine_on_h=round(engine, 3),
            driving_h=round(driving, 3),
            idle_h=round(sum(u.idle_h for u in found), 3),
            available_h=round(available, 3),
            engine_pct=round(engine / available * 100.0, 2) if available > 0 else None,
            driving_pct=round(driving / available * 100.0, 2) if available > 0 else None,
            idle_all_period=tuple(u.truck_id for u in found if u.idle_all_period),
        )

    async def benchmark(
        self, truck_id: TruckId, start: datetime | None, end: datetime | None
    ) -> Benchmark:
        truck = await self.fuel.truck(truck_id)
        period = self.period(start, end)
        fleet = await self.fuel.trucks.all()
        peers = tuple(peer_group(truck, fleet, year_window=self.rules.peer_year_window))
        summaries = {s.truck_id: s for s in await self.fuel.truck_summaries(period)}
        own = summaries.get(truck_id)
        peer_summaries = [summaries[p.truck_id] for p in peers if p.truck_id in summaries]
        measures = tuple(
            _percentile(name, own, peer_summaries, higher_is_better)
            for name, higher_is_better in (
                ("mpg", True),
                ("idle_pct", False),
                ("cost_per_mile", False),
            )
        )
        return Benchmark(truck, period, peers, measures)


def _measure(summary: PeriodFuel, name: str) -> float | None:
    if name == "mpg" and summary.mpg_suspect:
        return None
    value: float | None = getattr(summary, name)
    return value


def _percentile(
    name: str, own: PeriodFuel | None, peers: Sequence[PeriodFuel], higher_is_better: bool
) -> Percentile:
    values = [v for p in peers if (v := _measure(p, name)) is not None]
    mine = None if own is None else _measure(own, name)
    if mine is None:
        why = "no data in the period" if own is None else f"{name} not measured in the period"
        return Percentile(name, None, None, len(values), why)
    if not values:
        return Percentile(name, mine, None, 0, "no peer measured it in the period")
    return Percentile(
        name, mine, percentile_rank(mine, values, higher_is_better), len(values), None
    )
