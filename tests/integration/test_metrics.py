"""GET /metrics on SQLite and MySQL, read back with prometheus-client's own parser: every
metric is there, and each moves by what the requests did.

Metrics are process-wide (prometheus-client's default registry), so tests compare a scrape
taken before with one taken after, never absolute values (the pool gauges excepted: they
describe the session engine now)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy.connections import connect
from fuel_analytics.adapters.sqlalchemy.engine import pool_stats
from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.http.app import create_app
from tests.integration.conftest import TEST_POOL, serving
from tests.integration.conftest import test_settings as settings_for
from tests.integration.http_helpers import iso, ok
from tests.integration.test_http_fuel import NOW, PERIOD, TRUCKS, f1

# every family the service exports (counters without their _total suffix, as parsed)
EXPORTED = {
    "fuel_http_requests": "counter",
    "fuel_http_request_duration_seconds": "histogram",
    "fuel_http_requests_in_flight": "gauge",
    "fuel_db_up": "gauge",
    "fuel_db_pool_size": "gauge",
    "fuel_db_pool_max": "gauge",
    "fuel_db_pool_checked_out": "gauge",
    "fuel_db_pool_overflow": "gauge",
    "fuel_db_pool_waits": "counter",
    "fuel_db_pool_wait_seconds": "histogram",
    "fuel_db_query_duration_seconds": "histogram",
    "fuel_ingest_rows": "counter",
    "fuel_fuel_events": "counter",
    "fuel_export_rows": "counter",
}
SENSORS_ROUTE = "/api/v2/trucks/{truck_id}/sensors"


class Scrape:
    """One parsed scrape: sample values by name and labels."""

    def __init__(self, text: str) -> None:
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {
            (s.name, frozenset(s.labels.items())): s.value
            for family in self.families.values()
            for s in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        """0 for a labelled series not created yet (a counter nobody has moved)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def label_values(self, name: str, label: str) -> set[str]:
        labels = [dict(pairs) for sample, pairs in self.samples if sample == name]
        return {found[label] for found in labels if label in found}


async def scrape(http: httpx.AsyncClient) -> Scrape:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return Scrape(response.text)


@pytest.fixture
async def fixed(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        yield http


async def test_metrics_are_prometheus_text_with_every_family(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    ok(await client.get("/health"))
    metrics = await scrape(client)
    for name, kind in EXPORTED.items():
        assert name in metrics.families, name
        assert metrics.families[name].type == kind, name
    assert metrics.value("fuel_db_up") == 1
    stats = pool_stats(db)
    assert metrics.value("fuel_db_pool_size") == stats.size == TEST_POOL.size
    assert metrics.value("fuel_db_pool_max") == stats.max == TEST_POOL.max
    assert metrics.value("fuel_db_pool_checked_out") == stats.checked_out == 0
    assert metrics.value("fuel_db_pool_overflow") == stats.overflow
    assert metrics.value("fuel_http_requests_in_flight") == 0  # the scrape is not counted


async def test_a_routes_counters_and_histogram_move_with_its_requests(
    client: httpx.AsyncClient,
) -> None:
    ok(await client.post("/api/v2/telemetry", json={"readings": [reading("M1", 0)]}))
    before = await scrape(client)
    for _ in range(2):
        ok(await client.get("/api/v2/trucks/M1/sensors"))
    assert (await client.get("/api/v2/trucks/NOPE/sensors")).status_code == 404
    assert (await client.get("/no/such/place/42")).status_code == 404
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    get = {"method": "GET", "route": SENSORS_ROUTE}
    assert moved("fuel_http_requests_total", **get, status="200") == 2
    assert moved("fuel_http_requests_total", **get, status="404") == 1
    assert moved("fuel_http_request_duration_seconds_count", **get) == 3
    assert moved("fuel_http_request_duration_seconds_sum", **get) > 0
    assert moved("fuel_http_request_duration_seconds_bucket", **get, le="+Inf") == 3
    assert moved("fuel_http_request_duration_seconds_bucket", **get, le="10.0") == 3
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert moved("fuel_http_requests_total", **unmatched) == 1
    routes = after.label_values("fuel_http_requests_total", "route")
    assert not {r for r in routes if "M1" in r or "NOPE" in r or "42" in r}  # templates only
    assert "/metrics" not in routes  # scrapes are not counted
    assert moved("fuel_db_query_duration_seconds_count") >= 3
    assert moved("fuel_db_pool_wait_seconds_count") >= 3  # a checkout per request at least


def reading(truck: str, minute: int, **values: Any) -> dict[str, Any]:
    ts = NOW - timedelta(hours=1) + timedelta(minutes=minute)
    return {"truck_id": truck, "ts": iso(ts), "fuel_level_pct": 50.0, **values}


async def test_ingest_counters_move_by_each_outcome(client: httpx.AsyncClient) -> None:
    batch = [
        reading("M2", 0),
        reading("M2", 1),
        reading("M2", 1),  # the same reading again within the batch: a duplicate
        reading("M2", 2, fuel_level_pct=140.0),  # out of range: rejected
        reading("M2", 3, speed_mph="fast"),  # wrong type: rejected
    ]
    before = await scrape(client)
    first = ok(await client.post("/api/v2/telemetry", json={"readings": batch}))
    middle = await scrape(client)
    again = ok(await client.post("/api/v2/telemetry", json={"readings": batch}))
    after = await scrape(client)
    assert (first["accepted"], first["duplicates"], len(first["rejected"])) == (2, 1, 2)
    assert (again["accepted"], again["duplicates"], len(again["rejected"])) == (0, 3, 2)

    def moved(start: Scrape, end: Scrape, outcome: str) -> float:
        name = "fuel_ingest_rows_total"
        return end.value(name, outcome=outcome) - start.value(name, outcome=outcome)

    assert [moved(before, middle, o) for o in ("accepted", "duplicate", "rejected")] == [2, 1, 2]
    assert [moved(middle, after, o) for o in ("accepted", "duplicate", "rejected")] == [0, 3, 2]


async def test_fuel_events_are_counted_once_when_first_detected(
    fixed: httpx.AsyncClient,
) -> None:
    before = await scrape(fixed)
    rows = await f1(fixed)
    events = ok(await fixed.get(f"{TRUCKS}/F1/fuel-events", params=PERIOD))["items"]
    kinds = {e["kind"] for e in events}
    assert {"REFUEL", "THEFT_SUSPECTED"} <= kinds
    found = await scrape(fixed)

    def moved(start: Scrape, end: Scrape, kind: str) -> float:
        name = "fuel_fuel_events_total"
        return end.value(name, kind=kind) - start.value(name, kind=kind)

    for kind in kinds:
        assert moved(before, found, kind) == sum(e["kind"] == kind for e in events), kind
    # a late reading makes its day stale: recomputed, the same events are not new
    late = {**rows[-1], "ts": iso(NOW - timedelta(minutes=10))}
    ok(await fixed.post("/api/v2/telemetry", json={"readings": [late]}))
    again = ok(await fixed.get(f"{TRUCKS}/F1/fuel-events", params=PERIOD))["items"]
    assert [e["event_id"] for e in again] == [e["event_id"] for e in events]
    after = await scrape(fixed)
    assert all(moved(found, after, kind) == 0 for kind in kinds)


async def test_export_rows_are_counted_by_format(client: httpx.AsyncClient) -> None:
    rows = [reading("M3", minute) for minute in range(7)]
    ok(await client.post("/api/v2/telemetry", json={"readings": rows}))
    params = {"truck_id": "M3", "from": iso(NOW - timedelta(days=1)), "to": iso(NOW)}
    before = await scrape(client)
    csv = await client.get("/api/v2/export/readings.csv", params=params)
    assert csv.status_code == 200
    assert csv.text.count("\n") == 1 + len(rows)
    xlsx = await client.get("/api/v2/export/readings.xlsx", params=params)
    assert xlsx.status_code == 200
    after = await scrape(client)
    name = "fuel_export_rows_total"
    assert after.value(name, format="csv") - before.value(name, format="csv") == len(rows)
    assert after.value(name, format="xlsx") - before.value(name, format="xlsx") == len(rows)


async def test_a_checkout_that_waits_for_the_pool_is_counted_and_timed(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    before = await scrape(client)
    async with AsyncExitStack() as held:
        for _ in range(TEST_POOL.max):  # every connection the pool may open
            await held.enter_async_context(connect(db))
        assert pool_stats(db).checked_out == TEST_POOL.max
        request = asyncio.create_task(client.get("/api/v2/trucks"))
        await asyncio.sleep(0.3)
        assert not request.done()  # waiting for a connection
    ok(await request)
    after = await scrape(client)
    assert after.value("fuel_db_pool_waits_total") - before.value("fuel_db_pool_waits_total") == 1
    waited = after.value("fuel_db_pool_wait_seconds_sum") - before.value(
        "fuel_db_pool_wait_seconds_sum"
    )
    assert waited >= 0.25
    slow = "fuel_db_pool_wait_seconds_bucket"
    assert after.value(slow, le="0.1") - before.value(slow, le="0.1") < (
        after.value(slow, le="+Inf") - before.value(slow, le="+Inf")
    )  # one observation above 100 ms
    assert after.value("fuel_db_pool_checked_out") == pool_stats(db).checked_out == 0


async def test_db_up_is_0_when_the_database_does_not_answer() -> None:
    """A MySQL URL on a closed port: the service still answers /metrics, promptly."""
    settings = settings_for("mysql+asyncmy://nobody:x@127.0.0.1:9/none", pool_timeout_s=1.0)
    app = create_app(build_container(settings), check_schema=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        started = asyncio.get_running_loop().time()
        metrics = await scrape(http)
        assert asyncio.get_running_loop().time() - started < 5
    assert metrics.value("fuel_db_up") == 0
