"""Is the service fit to answer: database, pool, schema, uptime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fuel_analytics.domain.model import DatabaseHealth
from fuel_analytics.domain.ports import Clock, DatabaseProbe


@dataclass(frozen=True, slots=True)
class HealthReport:
    healthy: bool
    database: DatabaseHealth
    uptime_s: float
    version: str


@dataclass(frozen=True, slots=True)
class HealthService:
    probe: DatabaseProbe
    clock: Clock
    started_at: datetime
    version: str

    async def report(self) -> HealthReport:
        database = await self.probe.check()
        healthy = database.reachable and (
            database.schema_version == database.expected_schema_version
        )
        return HealthReport(
            healthy=healthy,
            database=database,
            uptime_s=round((self.clock.now() - self.started_at).total_seconds(), 3),
            version=self.version,
        )
