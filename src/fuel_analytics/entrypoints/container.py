"""The one place everything is wired: settings -> engine -> repositories -> services."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import TypeVar

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

import fuel_analytics
from fuel_analytics.adapters.clock import SystemClock
from fuel_analytics.adapters.metrics import PrometheusMetrics
from fuel_analytics.adapters.sqlalchemy.changes import SqlFleetChanges
from fuel_analytics.adapters.sqlalchemy.components import SqlComponentBuckets
from fuel_analytics.adapters.sqlalchemy.dirty import SqlDirtyDays
from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.exports import SqlReadingRows
from fuel_analytics.adapters.sqlalchemy.fuel import SqlFuelResults
from fuel_analytics.adapters.sqlalchemy.keys import SqlApiKeys, SqlAuditLog
from fuel_analytics.adapters.sqlalchemy.probe import SqlDatabaseProbe
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.retention import SqlReadingRetention
from fuel_analytics.adapters.sqlalchemy.trips import SqlTripResults
from fuel_analytics.adapters.sqlalchemy.trucks import SqlTrucks
from fuel_analytics.entrypoints.settings import Settings
from fuel_analytics.services.components import ComponentService
from fuel_analytics.services.derived import DerivedResults
from fuel_analytics.services.exports import ExportService
from fuel_analytics.services.fresh import CachedKeys, FleetStateCache, FreshCache, Mirrors
from fuel_analytics.services.fuel import FuelService
from fuel_analytics.services.health import HealthService
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.keys import AuditTrail, KeyService
from fuel_analytics.services.live import LiveService
from fuel_analytics.services.registry import RegistryService
from fuel_analytics.services.retention import RetentionService
from fuel_analytics.services.trips import TripService


async def engine_resource(url: str, pool: PoolConfig) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url, pool)
    try:
        yield engine
    finally:
        await engine.dispose()


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)
    clock = providers.Singleton(SystemClock)
    metrics = providers.Singleton(PrometheusMetrics)
    started_at = providers.Object(datetime.now(UTC))

    engine = providers.Resource(
        engine_resource,
        url=settings.provided.resolved_database_url,
        pool=settings.provided.pool,
    )

    readings = providers.Singleton(SqlReadings, engine=engine)
    trucks = providers.Singleton(SqlTrucks, engine=engine)
    probe = providers.Singleton(
        SqlDatabaseProbe, engine=engine, timeout_s=settings.provided.pool_timeout_s
    )

    ingest_service = providers.Singleton(
        IngestService,
        store=readings,
        trucks=trucks,
        clock=clock,
        rules=settings.provided.telemetry_rules,
        auto_register=settings.provided.auto_register,
        max_batch=settings.provided.max_batch,
        metrics=metrics,
    )
    # reads of the registry and the latest state within the freshness bound; ingestion and
    # the recompute use ``trucks`` and ``readings`` directly
    changes = providers.Singleton(SqlFleetChanges, engine=engine)
    fleet_state = providers.Singleton(
        FleetStateCache,
        trucks=trucks,
        changes=changes,
        max_age_s=settings.provided.cache_max_age_s,
    )
    cached_trucks = providers.Singleton(lambda fleet: fleet.trucks, fleet_state)
    cached_latest = providers.Singleton(lambda fleet: fleet.latest, fleet_state)
    live_service = providers.Singleton(
        LiveService,
        latest=cached_latest,
        trucks=cached_trucks,
        clock=clock,
        rules=settings.provided.status_rules,
    )
    dirty_days = providers.Singleton(SqlDirtyDays, engine=engine)
    fuel_results = providers.Singleton(SqlFuelResults, engine=engine)
    component_buckets = providers.Singleton(SqlComponentBuckets, engine=engine)
    fuel_rules = providers.Singleton(lambda settings: settings.fuel_rules, settings)
    trip_results = providers.Singleton(SqlTripResults, engine=engine)
    trip_rules = providers.Singleton(lambda settings: settings.trip_rules, settings)
    derived_results = providers.Singleton(
        DerivedResults,
        history=readings,
        trucks=trucks,
        dirty=dirty_days,
        fuel=fuel_results,
        fuel_rules=fuel_rules,
        components=component_buckets,
        trips=trip_results,
        trip_rules=trip_rules,
        metrics=metrics,
        changes=changes,
    )
    fuel_service = providers.Singleton(
        FuelService,
        history=readings,
        trucks=cached_trucks,
        latest=cached_latest,
        results=fuel_results,
        derived=derived_results,
        rules=fuel_rules,
        clock=clock,
        changes=changes,
        summaries=providers.Singleton(Mirrors),
    )
    # whole answers (JSON) of the live endpoints per fleet-state epoch, within the bound:
    # one per truck and carrier (sensors) and per carrier and period (fleet summary)
    answers: providers.Singleton[FreshCache[object, bytes]] = providers.Singleton(
        FreshCache, settings.provided.cache_max_age_s, max_entries=20_000
    )
    component_service = providers.Singleton(
        ComponentService,
        history=readings,
        trucks=cached_trucks,
        buckets=component_buckets,
        derived=derived_results,
        clock=clock,
    )
    trip_service = providers.Singleton(
        TripService,
        results=trip_results,
        fuel=fuel_service,
        history=readings,
        rules=trip_rules,
    )
    reading_rows = providers.Singleton(SqlReadingRows, engine=engine)
    export_service = providers.Singleton(
        ExportService,
        readings=reading_rows,
        trucks=trucks,
        fuel=fuel_service,
        page_rows=settings.provided.export_page_rows,
    )
    registry_service = providers.Singleton(RegistryService, trucks=cached_trucks)
    api_keys = providers.Singleton(
        CachedKeys,
        providers.Singleton(SqlApiKeys, engine=engine),
        max_age_s=settings.provided.cache_max_age_s,
    )
    audit_log = providers.Singleton(SqlAuditLog, engine=engine)
    reading_retention = providers.Singleton(SqlReadingRetention, engine=engine)
    retention_service = providers.Singleton(
        RetentionService,
        store=reading_retention,
        derived=derived_results,
        clock=clock,
        days=settings.provided.readings_retention_days,
    )
    audit_trail = providers.Singleton(AuditTrail, log=audit_log, clock=clock)
    key_service = providers.Singleton(KeyService, keys=api_keys, audit=audit_trail, clock=clock)
    health_service = providers.Singleton(
        HealthService,
        probe=probe,
        clock=clock,
        started_at=started_at,
        version=fuel_analytics.__version__,
    )


T = TypeVar("T")


async def resolved(value: T | Awaitable[T]) -> T:
    """A provider's value: awaited when the provider is async (the engine resource makes
    its dependents async), returned as is when a test overrides it with a plain object."""
    if inspect.isawaitable(value):
        return await value
    return value


async def start(container: Container) -> None:
    await resolved(container.init_resources())


async def stop(container: Container) -> None:
    await resolved(container.shutdown_resources())


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    container.started_at.override(providers.Object(datetime.now(UTC)))
    return container
