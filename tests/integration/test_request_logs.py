"""X-Request-ID on every answer, errors included, and the access log: one JSON line per
request on `fuel_analytics.access`, formatted by the service's own formatter, with no secret in
any log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.entrypoints.logs import ACCESS_LOGGER, JsonFormatter, RequestIdFilter
from tests.integration.http_helpers import PROBLEM
from tests.integration.test_http_errors import broken_app

GENERATED = re.compile(r"[0-9a-f]{32}")
SECRET = "s3cr3t-KEY-material-0123456789"


class Lines(logging.Handler):
    """Every record as the service's JSON formatter writes it (request id filter included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def parsed(self, logger: str | None = None) -> list[dict[str, Any]]:
        found = [orjson.loads(line) for line in self.lines]
        return [line for line in found if logger is None or line["logger"] == logger]


@contextmanager
def logged() -> Iterator[Lines]:
    """Capture what the service logs at INFO and above."""
    handler = Lines()
    service = logging.getLogger("fuel_analytics")
    level = service.level
    service.setLevel(logging.INFO)
    service.addHandler(handler)
    try:
        yield handler
    finally:
        service.removeHandler(handler)
        service.setLevel(level)


async def test_a_valid_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    given = "req-42_abc.DEF:/~" + "x" * 111  # 128 printable characters
    assert len(given) == 128
    response = await client.get("/health", headers={"X-Request-ID": given})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == given


async def test_a_missing_or_invalid_request_id_is_replaced_by_a_new_one(
    client: httpx.AsyncClient,
) -> None:
    seen = set()
    for headers in (
        {},
        {"X-Request-ID": "x" * 129},
        {"X-Request-ID": "has space"},
        {"X-Request-ID": "tab\there"},
    ):
        response = await client.get("/health", headers=headers)
        rid = response.headers["x-request-id"]
        assert GENERATED.fullmatch(rid), (headers, rid)
        seen.add(rid)
    assert len(seen) == 4  # a new one each time


async def test_problem_answers_carry_the_request_id(client: httpx.AsyncClient) -> None:
    not_found = await client.get("/nowhere", headers={"X-Request-ID": "r-404"})
    bad_body = await client.post(
        "/api/v2/telemetry",
        content=b"{not json",
        headers={"X-Request-ID": "r-400", "content-type": "application/json"},
    )
    wrong_method = await client.delete("/api/v2/telemetry", headers={"X-Request-ID": "r-405"})
    for response, status in ((not_found, 404), (bad_body, 400), (wrong_method, 405)):
        assert response.status_code == status
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["x-request-id"] == f"r-{status}"


async def test_a_500_carries_the_request_id_and_its_log_line_too(
    db: AsyncEngine, database_url: str
) -> None:
    with logged() as logs:
        async with broken_app(db, database_url) as http:
            response = await http.get(
                "/api/v2/trucks/T1/sensors", headers={"X-Request-ID": "r-500"}
            )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "r-500"
    (error,) = [line for line in logs.parsed() if line["level"] == "error"]
    assert error["message"].startswith("unhandled error")
    assert error["request_id"] == "r-500"  # a log line of the request, not only the access line
    assert "RuntimeError: boom secret" in error["exc_info"]
    (access,) = logs.parsed(ACCESS_LOGGER)
    assert (access["status"], access["request_id"]) == (500, "r-500")


async def test_each_request_writes_one_json_access_line(client: httpx.AsyncClient) -> None:
    with logged() as logs:
        response = await client.get("/api/v2/trucks/T9/sensors", headers={"X-Request-ID": "r-1"})
        scrape = await client.get("/metrics")
    assert response.status_code == 404
    assert scrape.status_code == 200
    lines = logs.parsed(ACCESS_LOGGER)
    assert len(lines) == 2
    line = lines[0]
    assert line["method"] == "GET"
    assert line["route"] == "/api/v2/trucks/{truck_id}/sensors"
    assert line["path"] == "/api/v2/trucks/T9/sensors"
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float)
    assert 0 < line["duration_ms"] < 10_000
    assert line["request_id"] == "r-1"
    assert line["key_id"] is None
    assert line["level"] == "info"
    assert line["ts"].endswith("+00:00")
    assert lines[1]["route"] == "/metrics"  # scrapes are logged (not measured)
    assert GENERATED.fullmatch(lines[1]["request_id"])


async def test_no_key_material_reaches_the_logs(client: httpx.AsyncClient) -> None:
    headers = {
        "Authorization": f"Bearer {SECRET}",
        "X-API-Key": SECRET,
        "Cookie": f"session={SECRET}",
    }
    with logged() as logs:
        await client.get("/api/v2/trucks", params={"api_key": SECRET}, headers=headers)
        await client.post(
            "/api/v2/telemetry",
            json={"readings": [{"truck_id": "T1", "ts": SECRET}]},
            headers=headers,
        )
    lines = logs.parsed(ACCESS_LOGGER)
    assert [line["status"] for line in lines] == [422, 422]  # api_key: unknown; ts: invalid
    assert all(line["key_id"] is None for line in lines)
    assert lines[0]["path"] == "/api/v2/trucks"  # no query string
    assert [line for line in logs.lines if SECRET in line] == []
    assert "Bearer" not in "".join(logs.lines)
