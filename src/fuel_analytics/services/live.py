"""Live views: a truck's sensor snapshot, the registry with status, the fleet right now."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.errors import NoReadingsYet, TruckNotFound
from fuel_analytics.domain.latest import StatusRules, snapshot
from fuel_analytics.domain.model import (
    FleetSnapshot,
    LatestState,
    Page,
    SensorSnapshot,
    Truck,
    TruckId,
    TruckStatus,
)
from fuel_analytics.domain.ports import Clock, LatestReadings, TruckRegistry
from fuel_analytics.services.tenancy import scoped


@dataclass(frozen=True, slots=True)
class TruckListing:
    truck: Truck
    snapshot: SensorSnapshot | None


@dataclass(frozen=True, slots=True)
class LiveService:
    latest: LatestReadings
    trucks: TruckRegistry
    clock: Clock
    rules: StatusRules

    def for_tenant(self, tenant: Tenant) -> LiveService:
        """The same use cases over ``tenant``'s trucks only."""
        return self if tenant.everything else replace(self, trucks=scoped(self.trucks, tenant))

    async def snapshot(self, truck_id: TruckId) -> SensorSnapshot:
        truck, state = await self.heard(truck_id)
        return snapshot(truck, state, now=self.clock.now(), rules=self.rules)

    async def heard(self, truck_id: TruckId) -> tuple[Truck, LatestState]:
        """The truck and its latest state (what a snapshot is made of, at any time)."""
        truck = await self.trucks.get(truck_id)
        if truck is None:
            raise TruckNotFound(truck_id)
        state = await self.latest.latest(truck_id)
        if state is None:
            raise NoReadingsYet(truck_id)
        return truck, state

    async def _listings(self, trucks: Sequence[Truck] | None = None) -> list[TruckListing]:
        """These trucks (default: all) with their live snapshot, None if never heard from."""
        if trucks is None:
            trucks = await self.trucks.all()
        states = {s.truck_id: s for s in await self.latest.all_latest()}
        now = self.clock.now()
        out = []
        for truck in trucks:
            state = states.get(truck.truck_id)
            snap = None if state is None else snapshot(truck, state, now=now, rules=self.rules)
            out.append(TruckListing(truck, snap))
        return out

    async def trucks_page(
        self, *, offset: int, limit: int, status: TruckStatus | None = None
    ) -> Page[TruckListing]:
        if status is None:
            page = await self.trucks.page(offset, limit)
            items = tuple(await self._listings(page.items))
            return Page(items=items, total=page.total, offset=offset, limit=limit)
        matching = [
            listing
            for listing in await self._listings()
            if (listing.snapshot.status if listing.snapshot else TruckStatus.OFFLINE) == status
        ]
        return Page(
            items=tuple(matching[offset : offset + limit]),
            total=len(matching),
            offset=offset,
            limit=limit,
        )

    async def fleet(self) -> FleetSnapshot:
        listings = await self._listings()
        snaps = [listing.snapshot for listing in listings if listing.snapshot is not None]
        by_status: Counter[TruckStatus] = Counter(dict.fromkeys(TruckStatus, 0))
        for snap in snaps:
            by_status[snap.status] += 1
        by_status[TruckStatus.OFFLINE] += len(listings) - len(snaps)
        levels = [(s, s.state.value("fuel_level_pct")) for s in snaps]
        low = tuple(
            s
            for s, level in sorted(
                ((s, v) for s, v in levels if v is not None and v < self.rules.low_fuel_pct),
                key=lambda pair: pair[1],
            )
        )
        on_hand = [s for s in snaps if s.fuel_gal is not None]
        return FleetSnapshot(
            generated_at=self.clock.now(),
            truck_count=len(listings),
            by_status=dict(by_status),
            fuel_on_hand_gal=round(sum(s.fuel_gal or 0.0 for s in on_hand), 2),
            fuel_capacity_gal=round(sum(s.truck.tank_capacity_gal for s in on_hand), 2),
            low_fuel=low,
            offline=tuple(s for s in snaps if s.status is TruckStatus.OFFLINE),
            newest_data_age_s=min((s.data_age_s for s in snaps), default=None),
            never_reported=tuple(
                listing.truck.truck_id for listing in listings if listing.snapshot is None
            ),
        )
