"""Trucks: the registry with status, one truck's entry, its live sensors."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.telemetry import parse_truck_id
from fuel_analytics.entrypoints.http.auth import for_caller, principal_of, tenant_of
from fuel_analytics.entrypoints.http.body import decode_json, media_type, read_limited
from fuel_analytics.entrypoints.http.endpoints import Endpoint, hot, json_response, parse_query
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.schemas import (
    SensorSnapshotOut,
    TruckIn,
    TruckListItemOut,
    TruckListQuery,
    TruckOut,
    TruckPageOut,
)
from fuel_analytics.entrypoints.http.sensors_answer import SensorsAnswer
from fuel_analytics.services.keys import AuditTrail
from fuel_analytics.services.live import LiveService
from fuel_analytics.services.registry import RegistryService

REGISTRY_BODY_LIMIT = 64_000
# /sensors documents kept per process (a document per truck and carrier that asked)
MAX_SENSORS_DOCUMENTS = 100_000


def truck_id_from(request: Request) -> TruckId:
    return parse_truck_id(request.path_params["truck_id"])


@inject
async def list_trucks(request: Request, live: LiveService = Provide["live_service"]) -> Response:
    live = for_caller(live, request)
    query = parse_query(TruckListQuery, request)
    page = await live.trucks_page(offset=query.offset, limit=query.limit, status=query.status)
    end = query.offset + len(page.items)
    return json_response(
        TruckPageOut(
            items=[TruckListItemOut.from_listing(item) for item in page.items],
            total=page.total,
            offset=query.offset,
            limit=query.limit,
            next_offset=end if end < page.total else None,
        )
    )


@inject
async def get_truck(
    request: Request, registry: RegistryService = Provide["registry_service"]
) -> Response:
    registry = for_caller(registry, request)
    return json_response(TruckOut.from_domain(await registry.get(truck_id_from(request))))


@inject
async def put_truck(
    request: Request,
    registry: RegistryService = Provide["registry_service"],
    audit: AuditTrail = Provide["audit_trail"],
) -> Response:
    caller = principal_of(request)
    registry = for_caller(registry, request)
    truck_id = truck_id_from(request)
    if media_type(request) != "application/json":
        raise ProblemError(415, "send the truck as application/json", field="content-type")
    document = decode_json(await read_limited(request, REGISTRY_BODY_LIMIT))
    if isinstance(document, dict) and document.pop("truck_id", truck_id) != truck_id:
        raise ProblemError(422, "truck_id in the body differs from the path", field="truck_id")
    body = TruckIn.model_validate(document)
    stored, created = await registry.put(Truck(truck_id=truck_id, **body.model_dump()))
    await audit.record(caller, "truck.put", target=truck_id, detail="created" if created else None)
    return json_response(TruckOut.from_domain(stored), status=201 if created else 200)


async def truck_sensors(request: Request) -> Response:
    """One answer per truck, caller's carrier and fleet state, kept while that state is
    current and no longer than the freshness bound (its ages are that much older at most)."""
    services = hot(request)
    live = for_caller(services.live, request)
    truck_id = truck_id_from(request)
    carrier = tenant_of(request).carrier_id

    async def build() -> bytes:
        truck, state = await live.heard(truck_id)  # a 404 is raised, never kept
        documents = services.sensors
        document = documents.get((carrier, truck_id))
        if document is None or document.truck is not truck or document.state is not state:
            if len(documents) >= MAX_SENSORS_DOCUMENTS:
                documents.clear()  # trucks gone from the registry leave theirs behind
            document = documents[carrier, truck_id] = SensorsAnswer(truck, state, live.rules)
        return document.render(live.clock.now())

    state = await services.fleet_state.state()
    # made in microseconds from the state: made again at once, in this task, when the
    # state moves on (never ahead)
    answer = await services.answers.get(
        ("sensors", carrier, truck_id),
        build,
        version=state.epoch,
        inputs_at=state.read_at,
        inline=True,
    )
    return Response(answer, media_type="application/json")


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v2/trucks",
        list_trucks,
        "List trucks with their live status (paginated)",
        "trucks",
        response=TruckPageOut,
        query=TruckListQuery,
        errors=(422, 503),
        scope=Scope.READ,
    ),
    Endpoint(
        "GET",
        "/api/v2/trucks/{truck_id}",
        get_truck,
        "One truck's registry entry",
        "trucks",
        response=TruckOut,
        errors=(404, 422, 503),
        scope=Scope.READ,
    ),
    Endpoint(
        "PUT",
        "/api/v2/trucks/{truck_id}",
        put_truck,
        "Create or replace a truck's registry entry",
        "trucks",
        response=TruckOut,
        body=TruckIn,
        errors=(400, 413, 415, 422, 503),
        description="201 when the truck is new, 200 when it replaced an entry.",
        other_responses={201: TruckOut},
        scope=Scope.INGEST,
    ),
    Endpoint(
        "GET",
        "/api/v2/trucks/{truck_id}/sensors",
        truck_sensors,
        "Live snapshot: every sensor's newest value with unit and time, status, fuel",
        "trucks",
        response=SensorSnapshotOut,
        errors=(404, 422, 503),
        scope=Scope.READ,
    ),
]
