"""Endpoint descriptors: one list drives both the router and the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.domain.model import CarrierId, TruckId
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.sensors_answer import SensorsAnswer
from fuel_analytics.services.fresh import FleetStateCache, FreshCache
from fuel_analytics.services.fuel import FuelService
from fuel_analytics.services.live import LiveService

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Hot:
    """The services of the hottest endpoints (live sensors, fleet summary), resolved once
    when the app starts instead of per call through dependency-injector's ``@inject``: with
    providers behind an async resource (the engine) it gathers a task per dependency on
    every call, which was a quarter of a cached /sensors answer's CPU."""

    live: LiveService
    fuel: FuelService
    fleet_state: FleetStateCache
    answers: FreshCache[object, bytes]
    # /sensors documents per (carrier, truck), each kept while its truck and state are
    # current; no more than the fleet's trucks (an unknown truck is a 404, never kept)
    sensors: dict[tuple[CarrierId | None, TruckId], SensorsAnswer] = field(default_factory=dict)


def hot(request: Request) -> Hot:
    found: Hot = request.app.state.hot
    return found


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_media: tuple[str, ...] = ("application/json",)
    errors: tuple[int, ...] = ()
    description: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    # other successful or non-problem answers: status -> body model (e.g. PUT's 201)
    other_responses: dict[int, type[BaseModel]] = field(default_factory=dict)
    # a non-JSON answer (exports): its media type, documented as a binary/text stream
    produces: str | None = None
    # the scope a key needs (admin implies read and ingest); None: public. Required, so that
    # no endpoint becomes public by omission.
    scope: Scope | None = field(kw_only=True)

    @property
    def path_names(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def json_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A typed model as JSON (pydantic-core's serializer: aliases, datetimes as RFC 3339)."""
    return Response(
        model.model_dump_json(by_alias=True),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def parse_query(model: type[BaseModel], request: Request) -> Any:
    """Query parameters through a model; unknown or repeated parameters are errors."""
    params = request.query_params
    values: dict[str, str] = {}
    for key in params:
        found = params.getlist(key)
        if len(found) > 1:
            raise ProblemError(422, f"query parameter {key!r} given {len(found)} times", field=key)
        values[key] = found[0]
    return model.model_validate(values)
