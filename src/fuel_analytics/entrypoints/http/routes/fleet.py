"""GET /api/v2/fleet/summary."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.entrypoints.http.endpoints import Endpoint, json_response, parse_query
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.schemas import FleetSummaryOut, PeriodQuery
from fuel_analytics.services.live import LiveService


@inject
async def fleet_summary(request: Request, live: LiveService = Provide["live_service"]) -> Response:
    period = parse_query(PeriodQuery, request)
    if period.from_ and period.to and period.to <= period.from_:
        raise ProblemError(422, "`to` must be after `from`", field="to")
    fleet = await live.fleet()
    return json_response(
        FleetSummaryOut.from_domain(
            fleet, start=period.from_, end=period.to, low_pct=live.rules.low_fuel_pct
        )
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v2/fleet/summary",
        fleet_summary,
        "The fleet now: trucks by status, fuel on hand, low-fuel and offline trucks",
        "fleet",
        response=FleetSummaryOut,
        query=PeriodQuery,
        errors=(422, 503),
    )
]
