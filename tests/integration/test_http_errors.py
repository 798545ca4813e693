"""Errors as RFC 9457 problem+json, the OpenAPI document and the offline docs page."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import Route

from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.http.app import create_app
from tests.integration.conftest import test_settings as settings_for

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:")
    assert body["title"]
    assert body["detail"]
    return body


@pytest.fixture
async def bare() -> AsyncIterator[httpx.AsyncClient]:
    """The real app, lifespan included, for what needs no database (routing, documents):
    in-memory SQLite without the schema check, so these tests run once, not per database."""
    settings = settings_for("sqlite+aiosqlite:///:memory:")
    app = create_app(build_container(settings), check_schema=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


# ---- routing errors --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nowhere", "/api/v2/trucks/T1/nothing", "/docs/assets/x.js"])
async def test_an_unknown_route_is_a_404_problem(bare: httpx.AsyncClient, path: str) -> None:
    body = assert_problem(await bare.get(path), 404)
    assert body["title"] == "Not found"
    assert path in body["detail"]


async def test_a_wrong_method_is_a_405_problem(bare: httpx.AsyncClient) -> None:
    response = await bare.delete("/api/v2/telemetry")
    body = assert_problem(response, 405)
    assert "DELETE" in body["detail"]
    assert "POST" in response.headers["allow"]
    assert_problem(await bare.get("/api/v2/telemetry"), 405)
    assert_problem(await bare.post("/api/v2/trucks"), 405)


# ---- the OpenAPI document --------------------------------------------------------------------


def api_routes(app: Starlette) -> list[tuple[str, str]]:
    """(method, path) of every API route the app serves: bar the document, the docs page and
    routes kept out of the schema (the dashboard at `/`)."""
    skip = {"/openapi.json", "/docs", "/docs/assets/docs-init.js"}
    return sorted(
        (method.lower(), route.path)
        for route in app.routes
        if isinstance(route, Route) and route.include_in_schema and route.path not in skip
        for method in route.methods or ()
        if method != "HEAD"
    )


def resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/components/schemas/"), ref
    name = ref.removeprefix("#/components/schemas/")
    schemas: dict[str, Any] = document["components"]["schemas"]
    assert name in schemas, f"dangling $ref {ref}"
    found: dict[str, Any] = schemas[name]
    return found


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


@pytest.fixture
async def openapi(bare: httpx.AsyncClient) -> dict[str, Any]:
    response = await bare.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


async def test_the_openapi_document_is_openapi_3_1(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"] == "3.1.0"
    assert openapi["info"]["title"] == "fuel-analytics"
    assert openapi["info"]["version"]
    for ref in refs(openapi):
        resolve(openapi, ref)
    operations = [op for item in openapi["paths"].values() for op in item.values()]
    operation_ids = [op["operationId"] for op in operations]
    assert len(operation_ids) == len(set(operation_ids))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_every_route_is_documented_with_its_success_schema(
    openapi: dict[str, Any],
) -> None:
    routes = api_routes(create_app(build_container(settings_for("sqlite+aiosqlite:///:memory:"))))
    documented = sorted(
        (method, path) for path, item in openapi["paths"].items() for method in item
    )
    assert documented == routes
    assert ("post", "/api/v2/telemetry") in routes
    for method, path in routes:
        operation = openapi["paths"][path][method]
        success = [code for code in operation["responses"] if code in ("200", "201")]
        assert success, (method, path)
        for code in success:
            content = operation["responses"][code]["content"]
            if path.startswith("/api/v2/export/"):  # files: CSV or XLSX, streamed
                media = "text/csv" if path.endswith(".csv") else XLSX
                assert content == {media: {"schema": {"type": "string", "format": "binary"}}}
                continue
            schema = content["application/json"]["schema"]
            assert resolve(openapi, schema["$ref"])["type"] == "object"
        for name in re.findall(r"{(\w+)}", path):
            assert any(p["name"] == name and p["in"] == "path" for p in operation["parameters"])
        for code, answer in operation["responses"].items():
            if code.startswith(("4", "5")) and not (path == "/health" and code == "503"):
                assert PROBLEM in answer["content"], (method, path, code)


async def test_the_document_describes_requests_and_queries(openapi: dict[str, Any]) -> None:
    telemetry = openapi["paths"]["/api/v2/telemetry"]["post"]
    media = telemetry["requestBody"]["content"]
    assert {"application/json", "application/x-ndjson"} <= set(media)
    batch = resolve(openapi, media["application/json"]["schema"]["$ref"])
    assert "readings" in batch["properties"]
    reading = resolve(openapi, refs(batch["properties"]["readings"])[0])
    assert {"truck_id", "ts", "fuel_level_pct", "dtc_codes"} <= set(reading["properties"])
    assert reading["properties"]["fuel_level_pct"]["anyOf"][0]["maximum"] == 100

    trucks = openapi["paths"]["/api/v2/trucks"]["get"]
    assert {p["name"] for p in trucks["parameters"] if p["in"] == "query"} == {
        "offset",
        "limit",
        "status",
    }
    summary = openapi["paths"]["/api/v2/fleet/summary"]["get"]
    assert {p["name"] for p in summary["parameters"]} == {"from", "to"}
    answer = summary["responses"]["200"]["content"]["application/json"]
    out = resolve(openapi, answer["schema"]["$ref"])
    period = resolve(openapi, out["properties"]["period"]["$ref"])
    assert set(period["properties"]) == {"from", "to"}


async def test_put_truck_documents_its_201(openapi: dict[str, Any]) -> None:
    """PUT answers 201 when it creates the truck: the document must say so."""
    responses = openapi["paths"]["/api/v2/trucks/{truck_id}"]["put"]["responses"]
    assert "201" in responses
    assert "application/json" in responses["201"]["content"]


async def test_the_documented_truck_id_pattern_is_the_contracts(openapi: dict[str, Any]) -> None:
    """truck_id is 1-32 characters (DOMAIN.md §1); the server answers 422 to 33."""
    for path, item in openapi["paths"].items():
        for operation in item.values():
            for parameter in operation["parameters"]:
                if parameter["name"] == "truck_id":
                    pattern = parameter["schema"]["pattern"]
                    assert re.fullmatch(pattern, "T" * 32), path
                    assert not re.fullmatch(pattern, "T" * 33), (path, pattern)


async def test_health_documents_its_503_as_the_health_body(openapi: dict[str, Any]) -> None:
    """/health answers 503 with the same application/json body as its 200, not a problem."""
    responses = openapi["paths"]["/health"]["get"]["responses"]
    ok_schema = responses["200"]["content"]["application/json"]["schema"]
    assert responses["503"]["content"] == {"application/json": {"schema": ok_schema}}


# ---- the docs page ---------------------------------------------------------------------------


async def test_the_docs_page_works_offline(bare: httpx.AsyncClient) -> None:
    page = await bare.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 3
    assert all(url.startswith("/docs/assets/") for url in assets), assets
    for url in assets:
        response = await bare.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 20, url
    init = await bare.get("/docs/assets/docs-init.js")
    assert "/openapi.json" in init.text
    assert init.headers["content-type"].startswith(("application/javascript", "text/javascript"))


# ---- unexpected errors -----------------------------------------------------------------------


class Broken:
    """A live service whose every use fails the way a bug would."""

    async def snapshot(self, *args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("boom secret")

    async def heard(self, *args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("boom secret")

    async def trucks_page(self, *args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("boom secret")

    async def fleet(self, *args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("boom secret")


@asynccontextmanager
async def broken_app(engine: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    container = build_container(settings_for(database_url))
    container.engine.override(providers.Object(engine))
    container.live_service.override(providers.Object(Broken()))
    app = create_app(container)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
        ) as http,
    ):
        yield http


@pytest.mark.parametrize(
    "path", ["/api/v2/fleet/summary", "/api/v2/trucks", "/api/v2/trucks/T1/sensors"]
)
async def test_an_unexpected_error_is_a_500_problem_without_its_secrets(
    db: AsyncEngine, database_url: str, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="fuel_analytics"):
        async with broken_app(db, database_url) as http:
            response = await http.get(path)
            health = await http.get("/health")
    body = assert_problem(response, 500)
    assert body["title"] == "Internal server error"
    assert "boom secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert "boom secret" in caplog.text  # logged for the operator, not sent to the client
    assert health.status_code == 200  # the app keeps answering
