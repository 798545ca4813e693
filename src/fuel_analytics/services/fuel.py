"""Fuel reports per truck and for the fleet, and the fuel events, from persisted rollups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.fuel import (
    DailyFuel,
    DefBand,
    DefStatus,
    FuelEvent,
    FuelRules,
    PeriodFuel,
    def_band,
    def_status,
    summarize_period,
)
from fuel_analytics.domain.fuel.store import EventQuery, StoredEvent
from fuel_analytics.domain.model import CarrierId, Truck, TruckId
from fuel_analytics.domain.ports import (
    Clock,
    FleetChanges,
    FuelResults,
    LatestReadings,
    ReadingHistory,
    TruckRegistry,
)
from fuel_analytics.services.derived import ONE_DAY, DerivedResults, fuel_view, midnight
from fuel_analytics.services.fresh import Mirrors
from fuel_analytics.services.registry import require_truck
from fuel_analytics.services.tenancy import scoped, visible_ids

DEF_CONTEXT = timedelta(days=3)
ALL_EVENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PeriodRules:
    default: timedelta = timedelta(days=7)
    longest: timedelta = timedelta(days=366)

    def resolve(self, start: datetime | None, end: datetime | None, now: datetime) -> Period:
        """[from, to): `to` defaults to now, `from` to `to` minus the default period."""
        end = end or now
        start = start or end - self.default
        if end <= start:
            raise InvalidField("to", "must be after from")
        if end - start > self.longest:
            raise InvalidField(
                "from", f"a period is at most {self.longest.days} days: ask for several"
            )
        return Period(start, end)


@dataclass(frozen=True, slots=True)
class TruckFuelReport:
    truck: Truck
    period: Period
    summary: PeriodFuel
    days: tuple[DailyFuel, ...]
    def_status: DefStatus


@dataclass(frozen=True, slots=True)
class DefAlert:
    truck_id: TruckId
    level_pct: float
    band: DefBand


@dataclass(frozen=True, slots=True)
class FleetFuelKpis:
    period: Period
    trucks: int
    trucks_with_data: int
    distance_mi: float
    fuel_used_gal: float
    mpg: float | None
    mpg_reason: str | None
    idle_hours: float
    idle_fuel_gal: float
    idle_pct: float | None
    refuel_count: int
    refuel_gal: float
    theft_suspected_count: int
    theft_gal: float
    unexplained_gal: float
    fuel_cost: float
    cost_per_mile: float | None
    cost_reason: str | None
    worst: tuple[PeriodFuel, ...]
    best: tuple[PeriodFuel, ...]
    def_alerts: tuple[DefAlert, ...]


@dataclass(frozen=True, slots=True)
class FuelService:
    history: ReadingHistory
    trucks: TruckRegistry
    latest: LatestReadings
    results: FuelResults
    derived: DerivedResults
    rules: FuelRules
    clock: Clock
    periods: PeriodRules = PeriodRules()
    ranked: int = 5
    # with both: the fleet KPIs keep each truck's period summary per (carrier, period) and
    # re-read only the trucks whose derived results changed since (services/fresh.py)
    changes: FleetChanges | None = None
    summaries: Mirrors[tuple[CarrierId | None, Period], PeriodFuel | None] | None = None
    carrier: CarrierId | None = None  # whose trucks ``trucks`` shows (None: every carrier's)

    def for_tenant(self, tenant: Tenant) -> FuelService:
        """The same reports over ``tenant``'s trucks only: another carrier's truck is not
        found, fleet-wide answers cover the tenant's trucks."""
        if tenant.everything:
            return self
        return replace(self, trucks=scoped(self.trucks, tenant), carrier=tenant.carrier_id)

    async def visible(self, truck_ids: Collection[TruckId] | None) -> list[TruckId] | None:
        """``truck_ids`` as asked, or, for "every truck", the tenant's trucks (None when the
        caller sees every truck)."""
        found = await visible_ids(self.trucks, truck_ids)
        return None if found is None else list(found)

    def period(self, start: datetime | None, end: datetime | None) -> Period:
        """The report period, widened to whole UTC days: rollups are daily, and a summary
        must agree with its own daily rows and events."""
        exact = self.periods.resolve(start, end, self.clock.now())
        last_day = (exact.end - timedelta(microseconds=1)).date()
        return Period(midnight(exact.start.date()), midnight(last_day + ONE_DAY))

    async def truck(self, truck_id: TruckId) -> Truck:
        """The truck as the fuel rules see it; TruckNotFound when unknown."""
        return fuel_view(await require_truck(self.trucks, truck_id))

    async def _days(self, truck_ids: Sequence[TruckId] | None, period: Period) -> list[DailyFuel]:
        return await self.results.daily(truck_ids, period.start.date(), period.end.date())

    async def daily_rows(self, period: Period) -> list[DailyFuel]:
        await self.derived.ensure_fresh(None, period.start, period.end)
        return await self._days(await self.visible(None), period)

    async def truck_report(
        self, truck_id: TruckId, start: datetime | None, end: datetime | None
    ) -> TruckFuelReport:
        truck = await self.truck(truck_id)
        period = self.period(start, end)
        await self.derived.ensure_fresh([truck_id], period.start, period.end)
        days = await self._days([truck_id], period)
        events = await self.results.events(
            EventQuery(
                truck_ids=[truck_id],
                start=period.start,
                end=period.end,
                limit=ALL_EVENTS,
                with_evidence=False,
            )
        )
        summary = summarize_period(truck, days, [s.event for s in events], self.rules)
        recent = await self.history.readings(
            truck_id, max(period.start, period.end - DEF_CONTEXT), period.end
        )
        return TruckFuelReport(
            truck=truck,
            period=period,
            summary=summary,
            days=tuple(days),
            def_status=def_status(truck, recent, self.rules),
        )

    async def events(self, query: EventQuery) -> list[StoredEvent]:
        if query.truck_ids is not None:
            for truck_id in query.truck_ids:
                await self.truck(truck_id)
        else:
            query = replace(query, truck_ids=await self.visible(None))
        start = query.start or datetime.min.replace(tzinfo=self.clock.now().tzinfo)
        end = query.end or self.clock.now() + ONE_DAY
        await self.derived.ensure_fresh(
            query.truck_ids, max(start, end - self.periods.longest), end
        )
        return await self.results.events(query)

    async def _grouped(
        self, truck_ids: Sequence[TruckId] | None, period: Period
    ) -> tuple[dict[TruckId, list[DailyFuel]], dict[TruckId, list[FuelEvent]]]:
        """These trucks' (None: every truck's) daily rows and events in the period."""
        days: dict[TruckId, list[DailyFuel]] = defaultdict(list)
        for row in await self._days(truck_ids, period):
            days[row.truck_id].append(row)
        events: dict[TruckId, list[FuelEvent]] = defaultdict(list)
        query = EventQuery(
            truck_ids=truck_ids,
            start=period.start,
            end=period.end,
            limit=ALL_EVENTS,
            with_evidence=False,
        )
        for item in await self.results.events(query):
            events[item.event.truck_id].append(item.event)
        return days, events

    async def truck_summaries(self, period: Period) -> list[PeriodFuel]:
        """One period summary per truck with data in the (whole-day) period."""
        await self.derived.ensure_fresh(None, period.start, period.end)
        trucks = {t.truck_id: fuel_view(t) for t in await self.trucks.all()}
        days_by_truck, events_by_truck = await self._grouped(await self.visible(None), period)
        return [
            summarize_period(trucks[t], days, events_by_truck[t], self.rules)
            for t, days in sorted(days_by_truck.items())
            if t in trucks
        ]

    async def fleet_kpis(self, start: datetime | None, end: datetime | None) -> FleetFuelKpis:
        period = self.period(start, end)
        if self.changes is None or self.summaries is None:
            summaries = await self.truck_summaries(period)
            trucks = {t.truck_id: fuel_view(t) for t in await self.trucks.all()}
        else:
            trucks, summaries = await self._kept_summaries(period, self.changes, self.summaries)
        return self._fleet(period, len(trucks), summaries, await self._def_alerts(trucks))

    async def _kept_summaries(
        self,
        period: Period,
        changes: FleetChanges,
        kept: Mirrors[tuple[CarrierId | None, Period], PeriodFuel | None],
    ) -> tuple[dict[TruckId, Truck], list[PeriodFuel]]:
        """What :meth:`truck_summaries` answers, recomputing only the trucks whose derived
        results (version) or registry entry changed since the last call for this period."""
        await self.derived.ensure_fresh(None, period.start, period.end)
        mirror = kept.get((self.carrier, period))
        versions = await changes.derived_versions()  # before the rows they guard
        trucks = {t.truck_id: fuel_view(t) for t in await self.trucks.all()}
        stamps: dict[TruckId, object] = {
            t: (versions.get(t, 0), truck) for t, truck in trucks.items()
        }

        async def fetch(truck_ids: list[TruckId]) -> dict[TruckId, PeriodFuel | None]:
            asked = None if len(truck_ids) == len(trucks) and self.carrier is None else truck_ids
            days, events = await self._grouped(asked, period)
            return {
                t: summarize_period(trucks[t], days[t], events[t], self.rules)
                if days.get(t)
                else None
                for t in truck_ids
            }

        kept_now, _ = await mirror.sync(stamps, fetch)
        summaries = [s for _, s in sorted(kept_now.items()) if s is not None]
        return trucks, summaries

    async def _def_alerts(self, trucks: dict[TruckId, Truck]) -> tuple[DefAlert, ...]:
        alerts = []
        for state in await self.latest.all_latest():
            level = state.value("def_level_pct")
            truck = trucks.get(state.truck_id)
            if level is None or truck is None:
                continue
            band = def_band(level, self.rules.with_overrides(truck.thresholds))
            if band is not DefBand.GOOD:
                alerts.append(DefAlert(state.truck_id, level, band))
        return tuple(sorted(alerts, key=lambda a: a.level_pct))

    def _fleet(
        self,
        period: Period,
        truck_count: int,
        summaries: list[PeriodFuel],
        def_alerts: tuple[DefAlert, ...],
    ) -> FleetFuelKpis:
        rules = self.rules
        distance = sum(s.distance_mi or 0.0 for s in summaries)
        fuel = sum(s.fuel_used_gal or 0.0 for s in summaries)
        moving_distance = sum(s.moving_distance_mi for s in summaries)
        moving_fuel = sum(s.moving_fuel_gal for s in summaries)
        mpg = mpg_reason = None
        if moving_distance < rules.mpg_min_distance_mi:
            mpg_reason = f"distance < {rules.mpg_min_distance_mi:g} mi"
        elif moving_fuel < rules.mpg_min_fuel_gal:
            mpg_reason = f"fuel < {rules.mpg_min_fuel_gal:g} gal"
        else:
            mpg = round(moving_distance / moving_fuel, 3)
        idle_hours = sum(s.idle_hours for s in summaries)
        engine_hours = sum(s.engine_on_hours for s in summaries)
        cost = sum(s.fuel_cost or 0.0 for s in summaries)
        priced = [s for s in summaries if s.fuel_cost is not None and s.distance_mi]
        priced_miles = sum(s.distance_mi or 0.0 for s in priced)
        cost_per_mile = cost_reason = None
        if priced_miles >= rules.mpg_min_distance_mi:
            cost_per_mile = round(sum(s.fuel_cost or 0.0 for s in priced) / priced_miles, 4)
        else:
            cost_reason = "not enough miles with both distance and fuel data"
        rated = sorted(
            (s for s in summaries if s.mpg_deviation_pct is not None and not s.mpg_suspect),
            key=lambda s: s.mpg_deviation_pct or 0.0,
        )
        return FleetFuelKpis(
            period=period,
            trucks=truck_count,
            trucks_with_data=len(summaries),
            distance_mi=round(distance, 3),
            fuel_used_gal=round(fuel, 3),
            mpg=mpg,
            mpg_reason=mpg_reason,
            idle_hours=round(idle_hours, 3),
            idle_fuel_gal=round(sum(s.idle_fuel_gal for s in summaries), 3),
            idle_pct=round(idle_hours / engine_hours * 100, 2) if engine_hours else None,
            refuel_count=sum(s.refuel_count for s in summaries),
            refuel_gal=round(sum(s.refuel_gal for s in summaries), 3),
            theft_suspected_count=sum(
                n for s in summaries for k, n in s.drops_by_kind.items() if k == "THEFT_SUSPECTED"
            ),
            theft_gal=round(sum(s.theft_gal for s in summaries), 3),
            unexplained_gal=round(sum(s.unexplained_gal or 0.0 for s in summaries), 3),
            fuel_cost=round(cost, 2),
            cost_per_mile=cost_per_mile,
            cost_reason=cost_reason,
            worst=tuple(rated[: self.ranked]),
            best=tuple(reversed(rated[-self.ranked :])) if rated else (),
            def_alerts=def_alerts,
        )
