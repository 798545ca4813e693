"""Response models of the component (predictive maintenance) endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from fuel_analytics.domain.components import ComponentHealth, FaultEvent, FleetRisk
from fuel_analytics.entrypoints.http.fuel_schemas import from_dataclass
from fuel_analytics.entrypoints.http.schemas import Model, PeriodOut, UtcDatetime
from fuel_analytics.services.components import ComponentHistory, TruckHealth

ComponentHealthOut = from_dataclass(ComponentHealth, "ComponentHealthOut")


class TruckComponentsOut(Model):
    truck_id: str
    generated_at: datetime
    components: list[ComponentHealthOut]  # type: ignore[valid-type]

    @classmethod
    def from_domain(cls, health: TruckHealth) -> TruckComponentsOut:
        return cls(
            truck_id=health.truck.truck_id,
            generated_at=health.generated_at,
            components=[ComponentHealthOut.model_validate(h) for h in health.components],
        )


class HistoryQuery(Model):
    from_: UtcDatetime | None = Field(None, alias="from", description="default: 30 days ago")
    to: UtcDatetime | None = Field(None, description="default: now")
    resolution: Literal["raw", "hour", "day"] = Field(
        "hour", description="raw readings (at most 31 days), hourly or daily aggregates"
    )
    limit: int = Field(1000, ge=1, le=10_000, description="points per page")


class BucketOut(Model):
    start: datetime
    count: int
    mean: float
    min: float
    max: float
    p95: float


class ComponentHistoryOut(Model):
    truck_id: str
    monitor_key: str
    component: str
    unit: str
    warn: float
    crit: float
    resolution: str
    period: PeriodOut
    items: list[BucketOut]
    next_from: datetime | None = Field(description="pass as `from` for the next page")

    @classmethod
    def from_domain(cls, history: ComponentHistory) -> ComponentHistoryOut:
        m = history.monitor
        return cls(
            truck_id=history.truck_id,
            monitor_key=m.key,
            component=m.component,
            unit=m.unit,
            warn=m.warn,
            crit=m.crit,
            resolution=history.resolution,
            period=PeriodOut(from_=history.period.start, to=history.period.end),
            items=[
                BucketOut(
                    start=b.start, count=b.count, mean=b.mean, min=b.min, max=b.max, p95=b.p95
                )
                for b in history.buckets
            ],
            next_from=history.next_from,
        )


class SystemicIssueOut(Model):
    component: str
    truck_count: int
    trucks: list[str]
    monitor_keys: list[str]
    worst: str


class FleetMaintenanceOut(Model):
    generated_at: datetime
    items: list[ComponentHealthOut] = Field(  # type: ignore[valid-type]
        description="components not OK, most urgent first"
    )
    systemic: list[SystemicIssueOut] = Field(
        description="components HIGH or CRITICAL on 3 or more trucks"
    )

    @classmethod
    def from_domain(cls, risk: FleetRisk, now: datetime, limit: int) -> FleetMaintenanceOut:
        urgent = [h for h in risk.items if h.status != "OK"][:limit]
        return cls(
            generated_at=now,
            items=[ComponentHealthOut.model_validate(h) for h in urgent],
            systemic=[
                SystemicIssueOut(
                    component=s.component,
                    truck_count=s.truck_count,
                    trucks=list(s.trucks),
                    monitor_keys=list(s.monitor_keys),
                    worst=s.worst,
                )
                for s in risk.systemic
            ],
        )


class MaintenanceQuery(Model):
    limit: int = Field(200, ge=1, le=5000)


class FaultEventOut(Model):
    code: str
    spn: int
    fmi: int
    spn_description: str | None
    fmi_description: str
    first_seen: datetime
    last_seen: datetime
    active: bool
    cleared_at: datetime | None
    occurrences: int

    @classmethod
    def from_domain(cls, event: FaultEvent) -> FaultEventOut:
        c = event.code
        return cls(
            code=c.code, spn=c.spn, fmi=c.fmi, spn_description=c.spn_description,
            fmi_description=c.fmi_description, first_seen=event.first_seen,
            last_seen=event.last_seen, active=event.active, cleared_at=event.cleared_at,
            occurrences=event.occurrences,
        )  # fmt: skip


class TruckDtcsOut(Model):
    truck_id: str
    period: PeriodOut
    items: list[FaultEventOut]
