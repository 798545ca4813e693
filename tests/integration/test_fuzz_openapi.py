"""Schemathesis over every operation of the app's own OpenAPI document, in-process through
ASGI, against the real app on a SQLite file holding a small simulated fleet (clock fixed at
its end, so default periods hit its data): valid and invalid requests (schemathesis'
positive and negative modes); no answer may be a 5xx, and every answer must have a
documented status code, a documented content type and a body matching its schema.

Bounded for the test command: FUEL_FUZZ_EXAMPLES examples per operation (default 20, whole
file ~25 s). `make fuzz` runs 500 per operation.

Every operation is fuzzed, none excluded; exports included (the fleet is small, so a
streamed file stays small). Two departures from schemathesis' pytest defaults, both because
they break with this project's pytest (9): the schema is the document `/openapi.json` serves
built by the same function (`test_served_document_is_the_fuzzed_one` pins them equal),
rather than a lazy `from_fixture` load (its subtest reporting needs `Function._nodeid`,
gone in pytest 9); and each operation gets its own app, because schemathesis' plugin ends
every ASGI lifespan after each test and a restarted container keeps services bound to the
engine its first lifespan disposed (leaking aiosqlite connections).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import schemathesis
from dependency_injector import providers
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy.engine import create_engine
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.domain.model import TruckId
from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.http.app import ENDPOINTS, create_app
from fuel_analytics.entrypoints.http.openapi import openapi_document
from tests.integration.conftest import TEST_POOL
from tests.integration.conftest import test_settings as settings_for
from tests.integration.demo_fleet import FLEET, NOW, load_fleet

EXAMPLES = int(os.environ.get("FUEL_FUZZ_EXAMPLES", "20"))
BASE_URL = f"http://{asgi.HOST}"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
DOCUMENT = openapi_document(ENDPOINTS)
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schemathesis.serializer("application/x-ndjson", "application/ndjson", "application/jsonl")
def _ndjson(ctx: object, value: object) -> bytes:
    """A telemetry batch as NDJSON: one reading a line (anything else: as one JSON line)."""
    if isinstance(value, dict) and isinstance(value.get("readings"), list):
        return "".join(json.dumps(row) + "\n" for row in value["readings"]).encode()
    return json.dumps(value).encode()


@pytest.fixture(scope="module")
async def fleet_db(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, list[TruckId]]:
    """A SQLite file with the fleet (its own: the app below runs in schemathesis' event
    loop thread, not the session engine's loop)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    engine = create_engine(url, TEST_POOL)
    try:
        await upgrade(engine)
        trucks = await load_fleet(engine, settings_for(url))
    finally:
        await engine.dispose()
    return url, trucks


@pytest.fixture
def client(fleet_db: tuple[str, list[TruckId]]) -> Iterator[asgi.ASGIClient]:
    container = build_container(settings_for(fleet_db[0]))
    container.clock.override(providers.Object(FixedClock(NOW)))
    app: Starlette = create_app(container)
    try:
        with asgi.get_client(app) as http:  # starts the app's lifespan
            yield http
    finally:
        asgi.shutdown_lifespans()


def test_served_document_is_the_fuzzed_one(client: asgi.ASGIClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(DOCUMENT))
    assert len(DOCUMENT["paths"]) >= 20


@schema.parametrize()
@schema.given(real_truck=st.integers(min_value=0, max_value=FLEET.trucks))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(
    case: schemathesis.Case,
    real_truck: int,
    client: asgi.ASGIClient,
    fleet_db: tuple[str, list[TruckId]],
) -> None:
    trucks = fleet_db[1]
    # most cases name one of the fleet's trucks (a generated id almost never does)
    path = case.path_parameters
    if real_truck < len(trucks) and isinstance(path, dict) and "truck_id" in path:
        path["truck_id"] = trucks[real_truck]
    case.call_and_validate(session=client, base_url=BASE_URL, checks=CHECKS)
