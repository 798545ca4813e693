"""The fleet KPIs' kept per-truck summaries (services/fresh.py Mirror, versions bumped by
the recompute) always equal a full recomputation, on SQLite and MySQL: after new readings
for some trucks (recomputed by the read itself), after a registry change, and per carrier.
Only the trucks that changed are read again."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.model import CarrierId
from fuel_analytics.entrypoints.container import build_container, resolved, start, stop
from fuel_analytics.services.derived import DerivedResults
from fuel_analytics.services.fuel import FuelService
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.registry import RegistryService
from fuel_analytics.simulation import FleetConfig, simulate_fleet
from tests.integration.conftest import test_settings as settings_for
from tests.integration.demo_fleet import NOW

FLEET = FleetConfig(trucks=4, days=3, seed=5, end=NOW)
CUT = NOW - timedelta(days=1)


async def test_kept_summaries_equal_a_full_recomputation(
    db: AsyncEngine, database_url: str
) -> None:
    container = build_container(settings_for(database_url))
    container.engine.override(providers.Object(db))
    container.clock.override(providers.Object(FixedClock(NOW)))
    await start(container)
    try:
        fleet = simulate_fleet(FLEET)
        registry: RegistryService = await resolved(container.registry_service())
        ingest: IngestService = await resolved(container.ingest_service())
        derived: DerivedResults = await resolved(container.derived_results())
        kept: FuelService = await resolved(container.fuel_service())
        assert kept.summaries is not None
        full = replace(kept, changes=None, summaries=None)
        trucks = list(fleet.trucks)
        for i, truck in enumerate(trucks):
            carrier = CarrierId("north" if i % 2 else "south")
            await registry.put(replace(truck, carrier_id=carrier))
        for truck in trucks:
            await ingest.ingest_readings([r for r in fleet.readings(truck.truck_id) if r.ts < CUT])
        while await derived.refresh_pending(100):
            pass
        start_at, end_at = NOW - timedelta(days=3), NOW

        async def same() -> None:
            assert await kept.fleet_kpis(start_at, end_at) == await full.fleet_kpis(
                start_at, end_at
            )

        await same()
        mirror = kept.summaries.get((None, kept.period(start_at, end_at)))
        assert mirror.fetched == len(trucks)
        await same()
        assert mirror.fetched == len(trucks)  # nothing changed: nothing read again

        earlier = await kept.fleet_kpis(start_at, end_at)
        # the last day of two trucks: stale days, recomputed by the (kept) read itself
        for truck in trucks[:2]:
            await ingest.ingest_readings([r for r in fleet.readings(truck.truck_id) if r.ts >= CUT])
        await same()
        assert (await kept.fleet_kpis(start_at, end_at)).fuel_used_gal > earlier.fuel_used_gal
        assert mirror.fetched == len(trucks) + 2

        # a registry change (the baseline MPG the deviation is measured against)
        changed = replace(await registry.get(trucks[2].truck_id), baseline_mpg=4.2)
        await registry.put(changed)
        await same()
        assert mirror.fetched == len(trucks) + 3

        # each carrier: its own trucks only, equal to the full answer
        for carrier in ("north", "south"):
            tenant = Tenant(CarrierId(carrier))
            mine = await kept.for_tenant(tenant).fleet_kpis(start_at, end_at)
            assert mine == await full.for_tenant(tenant).fleet_kpis(start_at, end_at)
            assert mine.trucks == 2
    finally:
        await stop(container)
