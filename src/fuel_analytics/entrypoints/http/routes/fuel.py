"""Fuel: a truck's fuel report, and fuel events per truck and fleet-wide."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.entrypoints.http.auth import for_caller, tenant_of
from fuel_analytics.entrypoints.http.endpoints import Endpoint, hot, json_response, parse_query
from fuel_analytics.entrypoints.http.fuel_schemas import (
    EventsQuery,
    FleetFuelOut,
    FuelEventOut,
    FuelEventPageOut,
    PeriodFuelOut,
    TruckFuelReportOut,
    cursor_of,
)
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.routes.trucks import truck_id_from
from fuel_analytics.entrypoints.http.schemas import PeriodOut, PeriodQuery
from fuel_analytics.services.fuel import FuelService


async def truck_fuel(request: Request) -> Response:
    """Kept per truck, carrier and whole-day period within the freshness bound
    (FUEL_CACHE_MAX_AGE_S): a report reads its days, events and three days of raw readings
    (the DEF status), about 40 ms of CPU at one reading per 2 minutes."""
    services = hot(request)
    fuel = for_caller(services.fuel, request)
    truck_id = truck_id_from(request)
    query = parse_query(PeriodQuery, request)
    period = fuel.period(query.from_, query.to)  # a bad period is a 422 before any caching

    async def build() -> bytes:
        report = await fuel.truck_report(truck_id, period.start, period.end)
        return TruckFuelReportOut.from_domain(report).model_dump_json(by_alias=True).encode()

    # the registry (the tank) comes from the fleet state: the answer counts as old as it
    state = await services.fleet_state.state()
    key = ("fuel-report", tenant_of(request).carrier_id, truck_id, period.start, period.end)
    answer = await services.answers.get(key, build, inputs_at=state.read_at, ahead=True)
    return Response(answer, media_type="application/json")


@inject
async def fleet_fuel(request: Request, fuel: FuelService = Provide["fuel_service"]) -> Response:
    fuel = for_caller(fuel, request)
    query = parse_query(PeriodQuery, request)
    period = fuel.period(query.from_, query.to)
    summaries = await fuel.truck_summaries(period)
    return json_response(
        FleetFuelOut(
            period=PeriodOut(from_=period.start, to=period.end),
            items=[PeriodFuelOut.model_validate(s) for s in summaries],
        )
    )


async def _events(request: Request, fuel: FuelService, *, one_truck: bool) -> Response:
    fuel = for_caller(fuel, request)
    query = parse_query(EventsQuery, request)
    if query.from_ and query.to and query.to <= query.from_:
        raise ProblemError(422, "`to` must be after `from`", field="to")
    found = await fuel.events(
        EventQuery(
            truck_ids=[truck_id_from(request)] if one_truck else None,
            kinds=query.kinds(),
            start=query.from_,
            end=query.to,
            min_confidence=query.min_confidence,
            after=query.after(),
            limit=query.limit + 1,
        )
    )
    page = found[: query.limit]
    more = len(found) > query.limit
    return json_response(
        FuelEventPageOut(
            items=[FuelEventOut.from_domain(e) for e in page],
            next_cursor=cursor_of(page[-1]) if more and page else None,
        )
    )


@inject
async def truck_fuel_events(
    request: Request, fuel: FuelService = Provide["fuel_service"]
) -> Response:
    return await _events(request, fuel, one_truck=True)


@inject
async def fleet_fuel_events(
    request: Request, fuel: FuelService = Provide["fuel_service"]
) -> Response:
    return await _events(request, fuel, one_truck=False)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v2/trucks/{truck_id}/fuel",
        truck_fuel,
        "A truck's fuel report: distance, fuel, MPG vs baseline, idle, events, cost, DEF, daily",
        "fuel",
        response=TruckFuelReportOut,
        query=PeriodQuery,
        errors=(404, 422, 503),
        description="Period [from, to): `to` defaults to now, `from` to 7 days before `to`; "
        "at most 366 days. Missing data is `null` with a reason, never invented.",
        scope=Scope.READ,
    ),
    Endpoint(
        "GET",
        "/api/v2/trucks/{truck_id}/fuel-events",
        truck_fuel_events,
        "A truck's fuel events (refuels, drops by class, siphoning) with their evidence",
        "fuel",
        response=FuelEventPageOut,
        query=EventsQuery,
        errors=(404, 422, 503),
        scope=Scope.READ,
    ),
    Endpoint(
        "GET",
        "/api/v2/fleet/fuel",
        fleet_fuel,
        "Every truck's fuel summary for the period (the truck report's summary, one call)",
        "fleet",
        response=FleetFuelOut,
        query=PeriodQuery,
        errors=(422, 503),
        description="Period [from, to) widened to whole UTC days, at most 366 days; trucks "
        "without data in the period are left out.",
        scope=Scope.READ,
    ),
    Endpoint(
        "GET",
        "/api/v2/fleet/fuel-events",
        fleet_fuel_events,
        "Fuel events across the fleet, oldest first, cursor-paged",
        "fleet",
        response=FuelEventPageOut,
        query=EventsQuery,
        errors=(422, 503),
        scope=Scope.READ,
    ),
]
