"""Response models of the fuel endpoints.

Daily rows, period summaries and DEF status are domain dataclasses with many fields: their
models are generated from the dataclasses' own type hints, so the OpenAPI document can never
drift from what the domain computes.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from fuel_analytics.domain.fuel import DailyFuel, DefStatus, FuelEventKind, PeriodFuel
from fuel_analytics.domain.fuel.store import StoredEvent
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.schemas import (
    LiveFleetOut,
    Model,
    PeriodOut,
    UtcDatetime,
    decode_cursor,
    encode_cursor,
)
from fuel_analytics.services.fuel import DefAlert, FleetFuelKpis, TruckFuelReport

FROM_DOMAIN = ConfigDict(extra="forbid", frozen=True, from_attributes=True)


def from_dataclass(cls: type[Any], name: str) -> type[BaseModel]:
    hints = get_type_hints(cls)
    fields: dict[str, Any] = {f.name: (hints[f.name], ...) for f in dataclasses.fields(cls)}
    return create_model(name, __config__=FROM_DOMAIN, __doc__=cls.__doc__, **fields)


DailyFuelOut = from_dataclass(DailyFuel, "DailyFuelOut")
PeriodFuelOut = from_dataclass(PeriodFuel, "PeriodFuelOut")
DefStatusOut = from_dataclass(DefStatus, "DefStatusOut")


class TruckFuelReportOut(Model):
    truck_id: str
    period: PeriodOut
    summary: PeriodFuelOut  # type: ignore[valid-type]
    def_status: DefStatusOut  # type: ignore[valid-type]
    daily: list[DailyFuelOut]  # type: ignore[valid-type]

    @classmethod
    def from_domain(cls, report: TruckFuelReport) -> TruckFuelReportOut:
        return cls(
            truck_id=report.truck.truck_id,
            period=PeriodOut(from_=report.period.start, to=report.period.end),
            summary=PeriodFuelOut.model_validate(report.summary),
            def_status=DefStatusOut.model_validate(report.def_status),
            daily=[DailyFuelOut.model_validate(d) for d in report.days],
        )


class FleetFuelOut(Model):
    period: PeriodOut
    items: list[PeriodFuelOut] = Field(  # type: ignore[valid-type]
        description="one summary per truck with data in the period, by truck id"
    )


# ---- events ----------------------------------------------------------------------------


class EvidenceOut(Model):
    ts: datetime
    level_pct: float
    smoothed_pct: float | None
    speed_mph: float | None


class LocationPointOut(Model):
    lat: float
    lon: float


class FuelEventOut(Model):
    event_id: str
    truck_id: str
    kind: FuelEventKind
    start: datetime
    end: datetime
    level_before_pct: float
    level_after_pct: float
    gallons: float
    location: LocationPointOut | None
    confidence: float
    reason: str
    evidence: list[EvidenceOut]

    @classmethod
    def from_domain(cls, stored: StoredEvent) -> FuelEventOut:
        e = stored.event
        location = None
        if e.lat is not None and e.lon is not None:
            location = LocationPointOut(lat=e.lat, lon=e.lon)
        return cls(
            event_id=stored.event_id,
            truck_id=e.truck_id,
            kind=e.kind,
            start=e.start,
            end=e.end,
            level_before_pct=e.level_before_pct,
            level_after_pct=e.level_after_pct,
            gallons=e.gallons,
            location=location,
            confidence=e.confidence,
            reason=e.reason,
            evidence=[
                EvidenceOut(
                    ts=p.ts, level_pct=p.level_pct, smoothed_pct=p.smoothed_pct,
                    speed_mph=p.speed_mph,
                )
                for p in e.evidence
            ],
        )  # fmt: skip


class FuelEventPageOut(Model):
    items: list[FuelEventOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class EventFilters(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    kind: str | None = Field(
        None, description="comma-separated kinds, e.g. REFUEL,THEFT_SUSPECTED", max_length=200
    )
    from_: UtcDatetime | None = Field(None, alias="from", description="events starting at or after")
    to: UtcDatetime | None = Field(None, description="events starting before")
    min_confidence: float | None = Field(None, ge=0, le=1)

    def kinds(self) -> list[FuelEventKind] | None:
        if self.kind is None:
            return None
        kinds = []
        for name in (part.strip() for part in self.kind.split(",")):
            try:
                kinds.append(FuelEventKind(name))
            except ValueError:
                known = ", ".join(k.value for k in FuelEventKind)
                raise ProblemError(
                    422, f"unknown event kind {name!r} (one of {known})", field="kind"
                ) from None
        return kinds


class EventsQuery(EventFilters):
    cursor: str | None = Field(None, max_length=200, description="from the previous page")
    limit: int = Field(100, ge=1, le=500)

    def after(self) -> tuple[datetime, str] | None:
        return None if self.cursor is None else decode_cursor(self.cursor)


def cursor_of(stored: StoredEvent) -> str:
    return encode_cursor(stored.event.start, stored.event_id)


# ---- fleet KPIs --------------------------------------------------------------------------


class TruckMpgOut(Model):
    truck_id: str
    mpg: float | None
    baseline_mpg: float
    mpg_deviation_pct: float | None
    mpg_band: str | None
    distance_mi: float | None


class DefAlertOut(Model):
    truck_id: str
    level_pct: float
    band: str

    @classmethod
    def from_domain(cls, alert: DefAlert) -> DefAlertOut:
        return cls(truck_id=alert.truck_id, level_pct=alert.level_pct, band=alert.band)


def _mpg(summary: PeriodFuel) -> TruckMpgOut:
    return TruckMpgOut(
        truck_id=summary.truck_id,
        mpg=summary.mpg,
        baseline_mpg=summary.baseline_mpg,
        mpg_deviation_pct=summary.mpg_deviation_pct,
        mpg_band=summary.mpg_band,
        distance_mi=summary.distance_mi,
    )


class FleetKpisOut(Model):
    trucks_with_data: int
    distance_mi: float
    fuel_used_gal: float
    mpg: float | None = Field(description="fleet distance / fleet fuel over moving segments")
    mpg_reason: str | None
    idle_hours: float
    idle_fuel_gal: float
    idle_pct: float | None
    refuel_count: int
    refuel_gal: float
    theft_suspected_count: int
    theft_gal: float
    unexplained_gal: float
    fuel_cost: float
    cost_per_mile: float | None
    cost_reason: str | None
    worst_mpg: list[TruckMpgOut]
    best_mpg: list[TruckMpgOut]
    def_alerts: list[DefAlertOut]

    @classmethod
    def from_domain(cls, kpis: FleetFuelKpis) -> FleetKpisOut:
        return cls(
            trucks_with_data=kpis.trucks_with_data,
            distance_mi=kpis.distance_mi,
            fuel_used_gal=kpis.fuel_used_gal,
            mpg=kpis.mpg,
            mpg_reason=kpis.mpg_reason,
            idle_hours=kpis.idle_hours,
            idle_fuel_gal=kpis.idle_fuel_gal,
            idle_pct=kpis.idle_pct,
            refuel_count=kpis.refuel_count,
            refuel_gal=kpis.refuel_gal,
            theft_suspected_count=kpis.theft_suspected_count,
            theft_gal=kpis.theft_gal,
            unexplained_gal=kpis.unexplained_gal,
            fuel_cost=kpis.fuel_cost,
            cost_per_mile=kpis.cost_per_mile,
            cost_reason=kpis.cost_reason,
            worst_mpg=[_mpg(s) for s in kpis.worst],
            best_mpg=[_mpg(s) for s in kpis.best],
            def_alerts=[DefAlertOut.from_domain(a) for a in kpis.def_alerts],
        )


class FleetSummaryOut(LiveFleetOut):
    kpis: FleetKpisOut = Field(description="the period's fuel KPIs")
