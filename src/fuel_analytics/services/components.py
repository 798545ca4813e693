"""Component health per truck and across the fleet, component histories, fault codes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.components import (
    DAY,
    DEFAULT_HEALTH,
    HOUR,
    Bucket,
    ComponentHealth,
    ComponentMonitor,
    FaultEvent,
    FleetRisk,
    HealthRules,
    assess_history,
    fault_events,
    fleet_risk,
    history_days,
    monitor_named,
    monitors_for,
)
from fuel_analytics.domain.components.buckets import bucket_start, samples
from fuel_analytics.domain.components.fleet import urgency_key
from fuel_analytics.domain.errors import InvalidField, NotFound
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.ports import Clock, ComponentBuckets, ReadingHistory, TruckRegistry
from fuel_analytics.services.derived import DerivedResults
from fuel_analytics.services.fuel import Period, PeriodRules
from fuel_analytics.services.registry import require_truck
from fuel_analytics.services.tenancy import scoped

Resolution = Literal["raw", "hour", "day"]
WIDTHS = {"hour": HOUR, "day": DAY}
LAST_30_DAYS = PeriodRules(default=timedelta(days=30))


class UnknownComponent(NotFound):
    title = "Unknown component"


@dataclass(frozen=True, slots=True)
class TruckHealth:
    truck: Truck
    generated_at: datetime
    components: tuple[ComponentHealth, ...]


@dataclass(frozen=True, slots=True)
class ComponentHistory:
    truck_id: TruckId
    monitor: ComponentMonitor
    resolution: Resolution
    period: Period
    buckets: tuple[Bucket, ...]
    next_from: datetime | None  # where the next page starts, when the page was full


@dataclass(frozen=True, slots=True)
class ComponentService:
    history: ReadingHistory
    trucks: TruckRegistry
    buckets: ComponentBuckets
    derived: DerivedResults
    clock: Clock
    rules: HealthRules = DEFAULT_HEALTH
    periods: PeriodRules = LAST_30_DAYS

    def for_tenant(self, tenant: Tenant) -> ComponentService:
        return self if tenant.everything else replace(self, trucks=scoped(self.trucks, tenant))

    def _monitor(self, truck: Truck, key: str) -> ComponentMonitor:
        try:
            return monitor_named(key, monitors_for(truck))
        except InvalidField as error:
            raise UnknownComponent(error.reason, field="sensor") from None

    async def truck_health(self, truck_id: TruckId) -> TruckHealth:
        truck = await require_truck(self.trucks, truck_id)
        now = self.clock.now()
        since = bucket_start(now, DAY) - history_days(self.rules) * DAY
        await self.derived.ensure_fresh([truck_id], since, now)
        daily: dict[str, list[Bucket]] = defaultdict(list)
        for _, bucket in await self.buckets.buckets([truck_id], None, DAY, since, now + DAY):
            daily[bucket.monitor_key].append(bucket)
        raw = await self.history.readings(truck_id, now - self.rules.flat_window, now)
        healths = []
        for monitor in monitors_for(truck):
            series = samples(monitor, raw)
            latest_ts, latest_value = series[-1] if series else (None, None)
            healths.append(
                assess_history(
                    truck_id,
                    monitor,
                    daily[monitor.key],
                    [value for _, value in series],
                    latest_value,
                    latest_ts,
                    now,
                    self.rules,
                )
            )
        healths.sort(key=urgency_key)
        return TruckHealth(truck, now, tuple(healths))

    async def fleet_maintenance(self) -> FleetRisk:
        healths: list[ComponentHealth] = []
        for truck in await self.trucks.all():
            healths.extend((await self.truck_health(truck.truck_id)).components)
        return fleet_risk(healths)

    async def component_history(
        self,
        truck_id: TruckId,
        key: str,
        start: datetime | None,
        end: datetime | None,
        resolution: Resolution,
        limit: int,
    ) -> ComponentHistory:
        truck = await require_truck(self.trucks, truck_id)
        monitor = self._monitor(truck, key)
        period = self.periods.resolve(start, end, self.clock.now())
        if resolution == "raw":
            if period.end - period.start > timedelta(days=31):
                raise InvalidField(
                    "resolution", "raw history spans at most 31 days: use hour or day"
                )
            found, next_from = await self._raw(truck_id, monitor, period, limit)
        else:
            await self.derived.ensure_fresh([truck_id], period.start, period.end)
            width = WIDTHS[resolution]
            rows = await self.buckets.buckets(
                [truck_id], monitor.key, width, bucket_start(period.start, width),
                period.end, limit + 1,
            )  # fmt: skip
            found = [b for _, b in rows]
            next_from = found[limit].start if len(found) > limit else None
            found = found[:limit]
        return ComponentHistory(truck_id, monitor, resolution, period, tuple(found), next_from)

    async def _raw(
        self, truck_id: TruckId, monitor: ComponentMonitor, period: Period, limit: int
    ) -> tuple[list[Bucket], datetime | None]:
        """Raw values as one-sample buckets. Readings that do not meet the monitor's condition
        (engine off for oil pressure, say) are skipped, so a page reads ahead in chunks."""
        points: list[Bucket] = []
        cursor = period.start
        chunk = max(limit * 2, 500)
        while len(points) <= limit:
            readings = await self.history.readings(truck_id, cursor, period.end, chunk)
            for ts, value in samples(monitor, readings):
                points.append(Bucket(monitor.key, ts, 1, value, value, value, value))
            if len(readings) < chunk:
                break
            cursor = readings[-1].ts + timedelta(microseconds=1)
        next_from = points[limit].start if len(points) > limit else None
        return points[:limit], next_from

    async def dtcs(
        self, truck_id: TruckId, start: datetime | None, end: datetime | None
    ) -> tuple[Period, list[FaultEvent]]:
        await require_truck(self.trucks, truck_id)
        period = self.periods.resolve(start, end, self.clock.now())
        readings = await self.history.readings(truck_id, period.start, period.end)
        return period, fault_events(truck_id, readings, now=period.end)
