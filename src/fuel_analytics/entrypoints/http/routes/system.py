"""GET /health, the OpenAPI document and the offline docs page."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from fuel_analytics.entrypoints.http.endpoints import Endpoint, json_response
from fuel_analytics.entrypoints.http.openapi import DOCS_HTML
from fuel_analytics.entrypoints.http.schemas import HealthOut
from fuel_analytics.services.health import HealthService


@inject
async def health(request: Request, service: HealthService = Provide["health_service"]) -> Response:
    report = await service.report()
    return json_response(HealthOut.from_domain(report), status=200 if report.healthy else 503)


async def openapi_json(request: Request) -> Response:
    return Response(request.app.state.openapi, media_type="application/json")


async def docs(request: Request) -> Response:
    return HTMLResponse(DOCS_HTML)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/health",
        health,
        "Database reachability and round trip, pool stats, schema version, uptime",
        "system",
        response=HealthOut,
        other_responses={503: HealthOut},
        description="503 with the same body when the database is unreachable or its schema is "
        "not the code's; answers within POOL_TIMEOUT.",
        scope=None,
    ),
]
