"""GET /api/v2/fleet/summary."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.entrypoints.http.auth import for_caller
from fuel_analytics.entrypoints.http.endpoints import Endpoint, json_response, parse_query
from fuel_analytics.entrypoints.http.fuel_schemas import FleetKpisOut, FleetSummaryOut
from fuel_analytics.entrypoints.http.schemas import PeriodQuery
from fuel_analytics.services.fuel import FuelService
from fuel_analytics.services.live import LiveService


@inject
async def fleet_summary(
    request: Request,
    live: LiveService = Provide["live_service"],
    fuel: FuelService = Provide["fuel_service"],
) -> Response:
    live = for_caller(live, request)
    fuel = for_caller(fuel, request)
    query = parse_query(PeriodQuery, request)
    kpis = await fuel.fleet_kpis(query.from_, query.to)
    fleet = await live.fleet()
    return json_response(
        FleetSummaryOut.from_domain(
            fleet,
            start=kpis.period.start,
            end=kpis.period.end,
            low_pct=live.rules.low_fuel_pct,
            kpis=FleetKpisOut.from_domain(kpis),
        )
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v2/fleet/summary",
        fleet_summary,
        "The fleet now (status, fuel on hand, low fuel, offline) and its period KPIs",
        "fleet",
        response=FleetSummaryOut,
        query=PeriodQuery,
        errors=(422, 503),
        description="Period [from, to): `to` defaults to now, `from` to 7 days before `to`.",
        scope=Scope.READ,
    )
]
