"""GET /api/v2/fleet/summary."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.entrypoints.http.auth import for_caller, tenant_of
from fuel_analytics.entrypoints.http.endpoints import Endpoint, hot, parse_query
from fuel_analytics.entrypoints.http.fuel_schemas import FleetKpisOut, FleetSummaryOut
from fuel_analytics.entrypoints.http.schemas import PeriodQuery


async def fleet_summary(request: Request) -> Response:
    """The answer depends on the caller's carrier, the whole-day period and the fleet state,
    so one computed answer serves every such request while that state is current and for
    no longer than the freshness bound (FUEL_CACHE_MAX_AGE_S): at 1,000 trucks computing it
    costs tens of milliseconds of CPU, serving it microseconds."""
    services = hot(request)
    live = for_caller(services.live, request)
    fuel = for_caller(services.fuel, request)
    query = parse_query(PeriodQuery, request)
    period = fuel.period(query.from_, query.to)  # a bad period is a 422 before any caching

    async def build() -> bytes:
        kpis = await fuel.fleet_kpis(period.start, period.end)
        fleet = await live.fleet()
        answer = FleetSummaryOut.from_domain(
            fleet,
            start=kpis.period.start,
            end=kpis.period.end,
            low_pct=live.rules.low_fuel_pct,
            kpis=FleetKpisOut.from_domain(kpis),
        )
        return answer.model_dump_json(by_alias=True).encode()

    state = await services.fleet_state.state()
    key = ("summary", tenant_of(request).carrier_id, period.start, period.end)
    answer = await services.answers.get(
        key, build, version=state.epoch, inputs_at=state.read_at, ahead=True
    )
    return Response(answer, media_type="application/json")


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
        description="Period [from, to): `to` defaults to now, `from` to 7 days before `to`. "
        "Computed at most FUEL_CACHE_MAX_AGE_S (0.5 s) before the request: `generated_at` "
        "says when.",
        scope=Scope.READ,
    )
]
