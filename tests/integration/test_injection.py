"""SQL injection strings, NUL bytes, unicode tricks and very long strings through every path
segment and query parameter of every GET operation the served OpenAPI document lists, over
a small simulated fleet: never a 5xx; a 4xx is problem+json naming the parameter (a 404 may
name the missing thing instead); a 2xx answers exactly what a harmless unknown value gets
(nothing of other trucks leaks); and no table loses or gains a row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.domain.model import TruckId
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for
from tests.integration.demo_fleet import NOW, load_fleet, table_counts
from tests.integration.http_helpers import PROBLEM

PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1--",
    "1; DROP TABLE readings--",
    "'; DELETE FROM trucks; --",
    '" OR ""="',
    "1' UNION SELECT truck_id, vin FROM trucks--",
    "%27",
    "%00",
    "\x00",
    "a\x00b",
    "*",
    "%",
    "_",
    "..",
    "\\",
    "\u202etruck",  # right-to-left override
    "T\u200b1",  # zero-width space
    "\uff34\uff32\uff35\uff23\uff2b",  # fullwidth TRUCK
    "\u0422RK-001",  # Cyrillic capital Te for T
    "\U0001d54b\U0001f69a",  # astral plane: double-struck T, a truck
    "\ufeff",  # byte-order mark
    "A" * 10_000,
    "'" * 4_000,
    "9" * 400,
    # valid RFC 3339 that leave datetime's range once converted to UTC (were a 500)
    "0001-01-01T00:00:00+00:01",
    "9999-12-31T23:59:59-01:00",
]
BENIGN = "zz-no-such-thing"
# a real value for every path segment that is not under attack
SENSOR = "coolant_temp_f"


@pytest.fixture
async def fleet(
    db: AsyncEngine, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, TruckId]]:
    settings = settings_for(database_url)
    trucks = await load_fleet(db, settings)
    async with serving(db, settings, clock=FixedClock(NOW)) as http:
        yield http, trucks[0]


def _get_operations(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (path, item["get"].get("parameters", []))
        for path, item in document["paths"].items()
        if "get" in item
    ]


def _url(
    path: str, params: list[dict[str, Any]], real: dict[str, str], name: str, value: str
) -> str:
    for param in params:
        if param["in"] == "path":
            segment = value if param["name"] == name else real[param["name"]]
            path = path.replace("{" + param["name"] + "}", quote(segment, safe=""))
    return path


async def _send(
    http: httpx.AsyncClient,
    path: str,
    params: list[dict[str, Any]],
    real: dict[str, str],
    target: dict[str, Any],
    value: str,
) -> httpx.Response:
    url = _url(path, params, real, target["name"], value)
    query = {target["name"]: value} if target["in"] == "query" else {}
    return await http.get(url, params=query)


def _json(response: httpx.Response) -> Any:
    return (
        response.json()
        if response.headers["content-type"].startswith("application/json")
        else response.content
    )


async def test_hostile_strings_in_every_get_parameter(
    fleet: tuple[httpx.AsyncClient, TruckId], db: AsyncEngine
) -> None:
    http, truck_id = fleet
    document = (await http.get("/openapi.json")).json()
    real = {"truck_id": truck_id, "sensor": SENSOR, "trip_id": BENIGN, "driver_id": BENIGN}
    before = await table_counts(db)
    assert before["readings"] > 0
    assert before["trucks"] > 0
    operations = _get_operations(document)
    assert len(operations) >= 20  # the document lists every GET operation
    tried = 0
    seen: set[int] = set()
    for path, params in operations:
        for target in params:
            assert target["in"] in ("path", "query"), target
            baseline = await _send(http, path, params, real, target, BENIGN)
            # a real id with a tail: must not find that truck (nor any other)
            for payload in [*PAYLOADS, f"{truck_id}' OR '1'='1", f"{truck_id}%", f"{truck_id}\x00"]:
                response = await _send(http, path, params, real, target, payload)
                tried += 1
                seen.add(response.status_code)
                where = f"GET {path} {target['in']} {target['name']}={payload[:40]!r}"
                assert response.status_code < 500, f"{where}: {response.text}"
                if response.status_code >= 400:
                    assert response.headers["content-type"].startswith(PROBLEM), where
                    body = response.json()
                    assert body["status"] == response.status_code, where
                    if response.status_code != 404:
                        assert body.get("field") == target["name"], f"{where}: {body}"
                else:
                    # as much as a harmless unknown value gets, never more
                    assert response.status_code == baseline.status_code, where
                    assert _json(response) == _json(baseline), where
    assert tried > 1_000
    assert {404, 422} <= seen
    assert await table_counts(db) == before
