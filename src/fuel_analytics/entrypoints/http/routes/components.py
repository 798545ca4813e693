"""Components: health per truck, histories, the fleet's maintenance view, fault codes."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.entrypoints.http.auth import for_caller
from fuel_analytics.entrypoints.http.component_schemas import (
    ComponentHistoryOut,
    FaultEventOut,
    FleetMaintenanceOut,
    HistoryQuery,
    MaintenanceQuery,
    TruckComponentsOut,
    TruckDtcsOut,
)
from fuel_analytics.entrypoints.http.endpoints import Endpoint, json_response, parse_query
from fuel_analytics.entrypoints.http.routes.trucks import truck_id_from
from fuel_analytics.entrypoints.http.schemas import PeriodOut, PeriodQuery
from fuel_analytics.services.components import ComponentService


@inject
async def truck_components(
    request: Request, components: ComponentService = Provide["component_service"]
) -> Response:
    components = for_caller(components, request)
    health = await components.truck_health(truck_id_from(request))
    return json_response(TruckComponentsOut.from_domain(health))


@inject
async def component_history(
    request: Request, components: ComponentService = Provide["component_service"]
) -> Response:
    components = for_caller(components, request)
    query = parse_query(HistoryQuery, request)
    history = await components.component_history(
        truck_id_from(request),
        request.path_params["sensor"],
        query.from_,
        query.to,
        query.resolution,
        query.limit,
    )
    return json_response(ComponentHistoryOut.from_domain(history))


@inject
async def fleet_maintenance(
    request: Request, components: ComponentService = Provide["component_service"]
) -> Response:
    components = for_caller(components, request)
    query = parse_query(MaintenanceQuery, request)
    risk = await components.fleet_maintenance()
    return json_response(FleetMaintenanceOut.from_domain(risk, components.clock.now(), query.limit))


@inject
async def truck_dtcs(
    request: Request, components: ComponentService = Provide["component_service"]
) -> Response:
    components = for_caller(components, request)
    truck_id = truck_id_from(request)
    query = parse_query(PeriodQuery, request)
    period, events = await components.dtcs(truck_id, query.from_, query.to)
    return json_response(
        TruckDtcsOut(
            truck_id=truck_id,
            period=PeriodOut(from_=period.start, to=period.end),
            items=[FaultEventOut.from_domain(e) for e in events],
        )
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v2/trucks/{truck_id}/components",
        truck_components,
        "Every monitored component: status, trend, days to warning/critical, SPC, reason",
        "components",
        response=TruckComponentsOut,
        errors=(404, 422, 503),
        scope=Scope.READ,
    ),
    Endpoint(
        "GET",
        "/api/v2/trucks/{truck_id}/components/{sensor}/history",
        component_history,
        "A component's history: count, mean, min, max, p95 per bucket (raw, hour or day)",
        "components",
        response=ComponentHistoryOut,
        query=HistoryQuery,
        errors=(404, 422, 503),
        path_params={"sensor": "monitor key, e.g. coolant_temp_f or battery_voltage.engine_off"},
        description="Paged by `limit`; `next_from` is where the next page starts. Hour and "
        "day resolutions read the stored aggregates only, never the raw readings.",
        scope=Scope.READ,
    ),
    Endpoint(
        "GET",
        "/api/v2/fleet/maintenance",
        fleet_maintenance,
        "Trucks and components ranked by urgency, with systemic issues (>= 3 trucks)",
        "fleet",
        response=FleetMaintenanceOut,
        query=MaintenanceQuery,
        errors=(422, 503),
        scope=Scope.READ,
    ),
    Endpoint(
        "GET",
        "/api/v2/trucks/{truck_id}/dtcs",
        truck_dtcs,
        "Fault events from dtc_codes: first/last seen, active or cleared, SPN and FMI decoded",
        "components",
        response=TruckDtcsOut,
        query=PeriodQuery,
        errors=(404, 422, 503),
        description="Period defaults to the last 30 days; at most 366.",
        scope=Scope.READ,
    ),
]
