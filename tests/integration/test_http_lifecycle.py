"""The app's life: the lifespan opens and disposes the real pool, refuses a database whose
schema is not the code's, and answers 503 (fast) when the database is unreachable."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.schema import head_revision
from fuel_analytics.domain.errors import SchemaOutOfDate
from fuel_analytics.entrypoints.container import build_container, resolved
from fuel_analytics.entrypoints.http.app import create_app
from tests.integration.conftest import test_settings as settings_for

POOL_TIMEOUT_S = 1.0
REFUSED = "mysql+asyncmy://x:y@127.0.0.1:1/none"
HEALTH_KEYS = {"status", "version", "uptime_s", "database", "pool"}
DATABASE_KEYS = {
    "reachable",
    "round_trip_ms",
    "schema_version",
    "expected_schema_version",
    "error",
}
POOL_KEYS = {"size", "checked_in", "checked_out", "overflow", "max"}


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://testserver",
    )


# ---- the pool's life -------------------------------------------------------------------------


async def test_the_lifespan_opens_the_real_pool_and_disposes_it(
    db: AsyncEngine, database_url: str
) -> None:
    container = build_container(settings_for(database_url))
    app = create_app(container)  # the engine is the container's own Resource, not the session's
    assert not container.engine.initialized
    async with app.router.lifespan_context(app):
        assert container.engine.initialized
        engine = await resolved(container.engine())
        assert engine is not db
        async with client_for(app) as http:
            health = await http.get("/health")
            trucks = await http.get("/api/v2/trucks")
        assert health.status_code == 200, health.text
        assert trucks.status_code == 200, trucks.text
        pool = engine.pool
        assert pool.checkedout() == 0
        assert pool.checkedin() >= 1  # the connections the requests used went back to it
        assert health.json()["pool"]["size"] == 2  # from settings (pool_min)
    assert not container.engine.initialized
    assert pool.checkedin() == 0  # disposed: its connections are closed
    assert engine.pool is not pool


@pytest.mark.parametrize("revision", [None, "0000_not_ours"], ids=["no-schema", "other-revision"])
async def test_the_app_refuses_a_database_whose_schema_is_not_the_codes(
    tmp_path: Path, revision: str | None
) -> None:
    path = tmp_path / "fresh.db"
    if revision is not None:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        conn.close()
    container = build_container(settings_for(f"sqlite+aiosqlite:///{path}"))
    app = create_app(container)
    with pytest.raises(SchemaOutOfDate, match="fuel-analytics migrate") as refused:
        async with app.router.lifespan_context(app):
            pytest.fail("the app started on a database without its schema")
    assert str(head_revision()) in str(refused.value)
    if revision is not None:
        assert revision in str(refused.value)
    assert not container.engine.initialized  # the pool is disposed even when startup fails


# ---- an unreachable database -----------------------------------------------------------------


@asynccontextmanager
async def app_on(url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(url, pool_timeout_s=POOL_TIMEOUT_S, pool_min=1, pool_max=2)
    app = create_app(build_container(settings), check_schema=False)
    async with app.router.lifespan_context(app), client_for(app) as http:
        yield http


class Silent(asyncio.Protocol):
    """Accepts a connection and never says a word: a hung database server."""

    def __init__(self, held: list[asyncio.BaseTransport]) -> None:
        self.held = held

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.held.append(transport)


@asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    held: list[asyncio.BaseTransport] = []
    server = await asyncio.get_running_loop().create_server(lambda: Silent(held), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"mysql+asyncmy://x:y@127.0.0.1:{port}/none"
    finally:
        server.close()
        for transport in held:
            transport.close()
        await server.wait_closed()


@asynccontextmanager
async def unreachable(kind: str) -> AsyncIterator[str]:
    if kind == "refused":
        yield REFUSED
        return
    async with silent_server() as url:
        yield url


async def timed(
    http: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> tuple[httpx.Response, float]:
    """The answer and how long it took; a test failure (not a hang) past POOL_TIMEOUT + 1 s."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(POOL_TIMEOUT_S + 1):
            response = await http.request(method, url, **kwargs)
    except TimeoutError:
        pytest.fail(f"{method} {url}: no answer within POOL_TIMEOUT + 1 s", pytrace=False)
    return response, time.perf_counter() - started


@pytest.mark.parametrize("kind", ["refused", "silent"])
async def test_health_is_503_with_the_same_body_when_the_database_is_unreachable(
    kind: str,
) -> None:
    async with unreachable(kind) as url, app_on(url) as http:
        response, elapsed = await timed(http, "GET", "/health")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert elapsed < POOL_TIMEOUT_S + 1, elapsed
    body = response.json()
    assert set(body) == HEALTH_KEYS
    assert set(body["database"]) == DATABASE_KEYS
    assert set(body["pool"]) == POOL_KEYS
    assert body["status"] == "unavailable"
    assert body["database"]["reachable"] is False
    assert body["database"]["error"]
    assert body["database"]["round_trip_ms"] is None
    assert body["database"]["expected_schema_version"] == head_revision()
    assert "x:y" not in response.text  # no credentials in the answer


async def test_health_body_has_the_same_shape_when_healthy(client: httpx.AsyncClient) -> None:
    body = (await client.get("/health")).json()
    assert set(body) == HEALTH_KEYS
    assert set(body["database"]) == DATABASE_KEYS
    assert set(body["pool"]) == POOL_KEYS
    assert body["database"]["error"] is None
    assert body["database"]["round_trip_ms"] >= 0
    assert body["uptime_s"] >= 0


@pytest.mark.parametrize("kind", ["refused", "silent"])
async def test_requests_are_503_problems_when_the_database_is_unreachable(kind: str) -> None:
    async with unreachable(kind) as url, app_on(url) as http:
        reading = {"truck_id": "T1", "ts": "2026-01-05T14:00:00Z"}
        answers = [
            await timed(http, "GET", "/api/v2/trucks"),
            await timed(http, "GET", "/api/v2/fleet/summary"),
            await timed(http, "GET", "/api/v2/trucks/T1/sensors"),
            await timed(http, "PUT", "/api/v2/trucks/T1", json={}),
            await timed(http, "POST", "/api/v2/telemetry", json={"readings": [reading]}),
        ]
    for response, elapsed in answers:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"].isdigit()
        body = response.json()
        assert body["status"] == 503
        assert "Traceback" not in response.text
        assert "x:y" not in response.text
        assert elapsed < POOL_TIMEOUT_S + 1, (response.request.url, elapsed)
