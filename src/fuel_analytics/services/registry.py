"""The truck registry as a use case."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.components import validate_thresholds
from fuel_analytics.domain.errors import InvalidField, TruckNotFound
from fuel_analytics.domain.fuel import FuelRules
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.ports import TruckRegistry
from fuel_analytics.domain.trips import TripRules
from fuel_analytics.services.derived import FUEL_RULE_NAMES, TRIP_RULE_NAMES
from fuel_analytics.services.tenancy import scoped


async def require_truck(trucks: TruckRegistry, truck_id: TruckId) -> Truck:
    """The registry entry, or TruckNotFound (404 for a missing truck, in every endpoint)."""
    truck = await trucks.get(truck_id)
    if truck is None:
        raise TruckNotFound(truck_id)
    return truck


def check_thresholds(thresholds: Mapping[str, float]) -> None:
    """Each name overrides a fuel rule, a trip rule (or both) or a component's
    "<monitor>.warn|crit"; each value must suit the rule."""
    try:
        validate_thresholds(thresholds)
        plain = {k: v for k, v in thresholds.items() if "." not in k}
        for name in sorted(plain):
            if name not in FUEL_RULE_NAMES and name not in TRIP_RULE_NAMES:
                raise InvalidField(name, "is not a fuel or trip threshold")
        FuelRules().with_overrides({k: v for k, v in plain.items() if k in FUEL_RULE_NAMES})
        TripRules().with_overrides({k: v for k, v in plain.items() if k in TRIP_RULE_NAMES})
    except InvalidField as error:
        name = error.field or "?"
        field = name if name.startswith("thresholds.") else f"thresholds.{name}"
        raise InvalidField(field, error.reason) from None


@dataclass(frozen=True, slots=True)
class RegistryService:
    trucks: TruckRegistry

    def for_tenant(self, tenant: Tenant) -> RegistryService:
        """The registry as ``tenant`` sees it: another carrier's truck is not found, a new
        truck gets the tenant's carrier, naming another carrier is not permitted."""
        return self if tenant.everything else replace(self, trucks=scoped(self.trucks, tenant))

    async def get(self, truck_id: TruckId) -> Truck:
        return await require_truck(self.trucks, truck_id)

    async def put(self, truck: Truck) -> tuple[Truck, bool]:
        """Create or replace; says whether the truck is new. Threshold overrides are checked
        against the rules they override (fuel or trip names, or "<component>.warn|crit")."""
        check_thresholds(truck.thresholds)
        created = await self.trucks.get(truck.truck_id) is None
        return await self.trucks.save(truck), created
