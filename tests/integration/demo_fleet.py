"""A small simulated fleet loaded through the production services (the CLI's demo loader,
with a fixed end), for the tests that fuzz the HTTP API against real data."""

from __future__ import annotations

from datetime import UTC, datetime

from dependency_injector import providers
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy.tables import metadata
from fuel_analytics.domain.model import TruckId
from fuel_analytics.entrypoints.container import build_container, resolved, start, stop
from fuel_analytics.entrypoints.settings import Settings
from fuel_analytics.services.derived import DerivedResults
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.registry import RegistryService
from fuel_analytics.simulation import FleetConfig, simulate_fleet

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FLEET = FleetConfig(trucks=3, days=2, seed=11, end=NOW)
BATCH = 2_000


async def load_fleet(
    engine: AsyncEngine, settings: Settings, config: FleetConfig = FLEET
) -> list[TruckId]:
    """Register the fleet's trucks, ingest its readings, compute the derived results."""
    container = build_container(settings)
    container.engine.override(providers.Object(engine))
    container.clock.override(providers.Object(FixedClock(NOW)))
    await start(container)
    try:
        fleet = simulate_fleet(config)
        registry: RegistryService = await resolved(container.registry_service())
        ingest: IngestService = await resolved(container.ingest_service())
        for truck in fleet.trucks:
            await registry.put(truck)
        batch = []
        for reading in fleet.iter_readings():
            batch.append(reading)
            if len(batch) >= BATCH:
                await ingest.ingest_readings(batch)
                batch = []
        if batch:
            await ingest.ingest_readings(batch)
        derived: DerivedResults = await resolved(container.derived_results())
        while await derived.refresh_pending(100):
            pass
        return [truck.truck_id for truck in fleet.trucks]
    finally:
        await stop(container)


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows per table: what a test compares before and after hostile requests."""
    counts: dict[str, int] = {}
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            counts[table.name] = (
                await conn.execute(select(func.count()).select_from(table))
            ).scalar_one()
    return counts
