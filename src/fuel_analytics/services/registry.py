"""The truck registry as a use case."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fuel_analytics.domain.components import validate_thresholds
from fuel_analytics.domain.errors import InvalidField, TruckNotFound
from fuel_analytics.domain.fuel import FuelRules
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.ports import TruckRegistry


async def require_truck(trucks: TruckRegistry, truck_id: TruckId) -> Truck:
    """The registry entry, or TruckNotFound (404 for a missing truck, in every endpoint)."""
    truck = await trucks.get(truck_id)
    if truck is None:
        raise TruckNotFound(truck_id)
    return truck


def check_thresholds(thresholds: Mapping[str, float]) -> None:
    try:
        validate_thresholds(thresholds)
        FuelRules().with_overrides({k: v for k, v in thresholds.items() if "." not in k})
    except InvalidField as error:
        name = error.field or "?"
        field = name if name.startswith("thresholds.") else f"thresholds.{name}"
        raise InvalidField(field, error.reason) from None


@dataclass(frozen=True, slots=True)
class RegistryService:
    trucks: TruckRegistry

    async def get(self, truck_id: TruckId) -> Truck:
        return await require_truck(self.trucks, truck_id)

    async def put(self, truck: Truck) -> tuple[Truck, bool]:
        """Create or replace; says whether the truck is new. Threshold overrides are checked
        against the rules they override (fuel names, or "<component>.warn|crit")."""
        check_thresholds(truck.thresholds)
        created = await self.trucks.get(truck.truck_id) is None
        return await self.trucks.save(truck), created
