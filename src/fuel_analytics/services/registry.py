"""The truck registry as a use case."""

from __future__ import annotations

from dataclasses import dataclass

from fuel_analytics.domain.errors import TruckNotFound
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.ports import TruckRegistry


@dataclass(frozen=True, slots=True)
class RegistryService:
    trucks: TruckRegistry

    async def get(self, truck_id: TruckId) -> Truck:
        truck = await self.trucks.get(truck_id)
        if truck is None:
            raise TruckNotFound(truck_id)
        return truck

    async def put(self, truck: Truck) -> tuple[Truck, bool]:
        """Create or replace; says whether the truck is new."""
        created = await self.trucks.get(truck.truck_id) is None
        return await self.trucks.save(truck), created
