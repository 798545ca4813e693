"""Keeping derived results (daily fuel rollups, fuel events, component hour/day buckets,
trips) equal to a full recompute.

Ingestion marks the truck-days it touches as stale (in its own transaction). Here those days
are recomputed from the stored readings, with a day of context each side, and replaced; a
mark is cleared only if no reading arrived meanwhile. Reads call :meth:`ensure_fresh` for
their range first, so an answer never reflects stale rollups; a background loop keeps the
queue short so that reads rarely have anything to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta

from fuel_analytics.domain.components import DAY, HOUR, Bucket, aggregate, monitors_for
from fuel_analytics.domain.errors import StorageUnavailable
from fuel_analytics.domain.fuel import FuelRules, analyze_truck, detect_siphoning
from fuel_analytics.domain.latest import StatusRules
from fuel_analytics.domain.model import DirtyDay, Reading, Truck, TruckId
from fuel_analytics.domain.ports import (
    NO_METRICS,
    ComponentBuckets,
    DirtyDays,
    FleetChanges,
    FuelResults,
    Metrics,
    ReadingHistory,
    TripResults,
    TruckRegistry,
)
from fuel_analytics.domain.trips import TripRules, detect_trips

logger = logging.getLogger("fuel_analytics.derived")

CONTEXT = timedelta(days=1)
ALL_DAYS = (date(1970, 1, 1), date(9999, 1, 1))
ONE_DAY = timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


STATUS_RULE_NAMES = frozenset(f.name for f in fields(StatusRules) if f.type in ("float", float))
# the threshold names each set of rules takes from a truck's (or the fleet's) overrides; the
# series and distance names (segment_gap_s, ...) are in both
FUEL_RULE_NAMES = frozenset(f.name for f in fields(FuelRules)) - {"status"} | STATUS_RULE_NAMES
TRIP_RULE_NAMES = frozenset(f.name for f in fields(TripRules)) - {"status"} | STATUS_RULE_NAMES


def fuel_view(truck: Truck) -> Truck:
    """The truck as the fuel rules see it: only its fuel-rule overrides (component ones,
    "sensor.warn", and trip-only ones set aside)."""
    own = {k: v for k, v in truck.thresholds.items() if k in FUEL_RULE_NAMES}
    return truck if len(own) == len(truck.thresholds) else replace(truck, thresholds=own)


def trip_rules_for(truck: Truck, rules: TripRules) -> TripRules:
    """The trip rules with the truck's own overrides of trip thresholds (its other
    thresholds are the fuel and component rules')."""
    own = {k: v for k, v in truck.thresholds.items() if k in TRIP_RULE_NAMES}
    return rules.with_overrides(own)


def day_spans(days: Collection[date]) -> list[tuple[date, date]]:
    """Sorted days as contiguous [start, end) runs."""
    spans: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if spans and spans[-1][1] == day:
            spans[-1] = (spans[-1][0], day + ONE_DAY)
        else:
            spans.append((day, day + ONE_DAY))
    return spans


@dataclass(frozen=True, slots=True)
class DerivedResults:
    history: ReadingHistory
    trucks: TruckRegistry
    dirty: DirtyDays
    fuel: FuelResults
    fuel_rules: FuelRules
    components: ComponentBuckets
    trips: TripResults
    trip_rules: TripRules
    metrics: Metrics = NO_METRICS
    # told which trucks' results were replaced (the fleet KPI cache re-reads only those)
    changes: FleetChanges | None = None

    async def refresh(self, stale: Sequence[DirtyDay]) -> int:
        """Recompute these truck-days; returns how many marks were cleared."""
        by_truck: dict[TruckId, list[date]] = defaultdict(list)
        for item in stale:
            by_truck[item.truck_id].append(item.day)
        for truck_id in sorted(by_truck):
            truck = await self.trucks.get(truck_id) or Truck(truck_id=truck_id)
            for start, end in day_spans(by_truck[truck_id]):
                await self._refresh_span(truck, start, end)
            await self._refresh_siphoning(fuel_view(truck))
            if self.changes is not None:
                await self.changes.bump_derived([truck_id])
        return await self.dirty.clear(stale)

    async def _refresh_span(self, truck: Truck, start: date, end: date) -> None:
        readings = await self.history.readings(
            truck.truck_id, midnight(start) - CONTEXT, midnight(end) + CONTEXT
        )
        if readings:
            analysis = analyze_truck(
                fuel_view(truck),
                readings,
                start=midnight(start),
                end=midnight(end),
                rules=self.fuel_rules,
            )
            days, events = analysis.days, analysis.events
        else:
            days, events = (), ()
        new = await self.fuel.replace(truck.truck_id, start, end, days, events)
        self.metrics.fuel_events_detected(new)
        await self._refresh_components(truck, readings, midnight(start), midnight(end))
        await self._refresh_trips(truck, readings, start, end)

    async def _refresh_trips(
        self, truck: Truck, readings: Sequence[Reading], start: date, end: date
    ) -> None:
        """The trips that start in the span, found over the span and a day of context each
        side. A trip found running into the span from an earlier day (late readings the next
        morning can extend or split last night's trip, beyond the 8 h that mark the day
        before stale) has its own day recomputed with it, so what is stored always equals a
        full recompute. A trip longer than the context is cut there and marked incomplete."""
        rules = trip_rules_for(truck, self.trip_rules)
        found = detect_trips(truck, readings, rules)
        lo, hi = midnight(start), midnight(end)
        into = [t for t in found if t.start < lo <= t.end]
        if into and into[0].start.date() < start:
            earlier = into[0].start.date()
            readings = await self.history.readings(
                truck.truck_id, midnight(earlier) - CONTEXT, hi + CONTEXT
            )
            await self._refresh_trips(truck, readings, earlier, end)
            return
        await self.trips.replace(
            truck.truck_id, start, end, [t for t in found if lo <= t.start < hi]
        )

    async def _refresh_components(
        self, truck: Truck, readings: Sequence[Reading], start: datetime, end: datetime
    ) -> None:
        inside = [r for r in readings if start <= r.ts < end]
        hourly: list[Bucket] = []
        daily: list[Bucket] = []
        for monitor in monitors_for(truck):
            hourly += aggregate(monitor, inside, HOUR)
            daily += aggregate(monitor, inside, DAY)
        await self.components.replace(truck.truck_id, start, end, hourly, daily)

    async def _refresh_siphoning(self, truck: Truck) -> None:
        """Siphoning spans days: found again over all of the truck's daily rows (a year of
        them is 365 small rows), so it always equals a full recompute."""
        days = await self.fuel.daily([truck.truck_id], *ALL_DAYS)
        events = detect_siphoning(truck, days, self.fuel_rules)
        new = await self.fuel.replace_siphoning(truck.truck_id, *ALL_DAYS, events)
        self.metrics.fuel_events_detected(new)

    async def ensure_fresh(
        self, truck_ids: Collection[TruckId] | None, start: datetime, end: datetime
    ) -> int:
        """Recompute whatever is stale in [start, end) before a read uses it."""
        pending = await self.dirty.pending(truck_ids, start.date(), end.date() + ONE_DAY)
        return await self.refresh(pending) if pending else 0

    async def refresh_pending(self, limit: int = 200) -> int:
        stale = await self.dirty.oldest(limit)
        return await self.refresh(stale) if stale else 0

    async def run(
        self, interval_s: float, batch: int = 200, stop: asyncio.Event | None = None
    ) -> None:
        """The background loop: drain the queue, then wait ``interval_s``; never dies of
        an error (a database outage is logged and retried). Returns between two batches
        once ``stop`` is set: a batch cancelled mid-query could not give its connection
        back to the pool cleanly."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                cleared = await self.refresh_pending(batch)
            except StorageUnavailable as error:  # an outage: one line, no traceback
                logger.warning("recomputing derived results failed; retrying: %s", error.detail)
                cleared = 0
            except Exception:
                logger.exception("recomputing derived results failed; retrying")
                cleared = 0
            if cleared:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)
