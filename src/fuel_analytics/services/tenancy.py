"""Tenancy: the truck registry as one carrier sees it.

Every use case finds trucks through a ``TruckRegistry``; handing a service this view instead
of the whole registry makes another carrier's truck exactly as absent as a missing one
(``require_truck`` answers TruckNotFound) and keeps fleet-wide lists to the carrier's trucks.
Queries that do not go through the registry (events, daily rows, trips, readings of "every
truck") are restricted by :func:`visible_ids`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.errors import NotPermitted, TruckNotFound
from fuel_analytics.domain.model import Page, Truck, TruckId
from fuel_analytics.domain.ports import TruckRegistry


class TenantTrucks:
    """A ``TruckRegistry`` that shows one carrier's trucks only. Listing filters the whole
    registry in memory (fleets are thousands of trucks, not millions)."""

    def __init__(self, trucks: TruckRegistry, tenant: Tenant) -> None:
        self.inner = trucks
        self.tenant = tenant

    async def get(self, truck_id: TruckId) -> Truck | None:
        truck = await self.inner.get(truck_id)
        return truck if truck is not None and self.tenant.sees(truck) else None

    async def all(self) -> list[Truck]:
        return [t for t in await self.inner.all() if self.tenant.sees(t)]

    async def page(self, offset: int, limit: int) -> Page[Truck]:
        mine = await self.all()
        return Page(tuple(mine[offset : offset + limit]), len(mine), offset, limit)

    async def existing(self, truck_ids: Iterable[TruckId]) -> set[TruckId]:
        wanted = set(truck_ids)
        if not wanted:
            return set()
        return {t.truck_id for t in await self.all() if t.truck_id in wanted}

    async def save(self, truck: Truck) -> Truck:
        """Another carrier's truck is not found (and stays untouched); a truck without a
        carrier gets this one's; naming another carrier is not permitted."""
        if truck.carrier_id is not None and truck.carrier_id != self.tenant.carrier_id:
            raise NotPermitted(
                f"this key may only register trucks of carrier {self.tenant.carrier_id!r}",
                field="carrier_id",
            )
        stored = await self.inner.get(truck.truck_id)
        if stored is not None and not self.tenant.sees(stored):
            raise TruckNotFound(truck.truck_id)
        return await self.inner.save(replace(truck, carrier_id=self.tenant.carrier_id))


def scoped(trucks: TruckRegistry, tenant: Tenant) -> TruckRegistry:
    """The registry as ``tenant`` sees it (the registry itself for every carrier)."""
    if tenant.everything:
        return trucks
    if isinstance(trucks, TenantTrucks):
        trucks = trucks.inner
    return TenantTrucks(trucks, tenant)


async def visible_ids(
    trucks: TruckRegistry, truck_ids: Collection[TruckId] | None
) -> Collection[TruckId] | None:
    """The trucks a query may read: as asked when the caller named them (each already found
    through the scoped registry) or sees every truck, else every truck of its carrier."""
    if truck_ids is not None or not isinstance(trucks, TenantTrucks):
        return truck_ids
    return [t.truck_id for t in await trucks.all()]
