"""The hot routes' shortcut past Starlette's layers (entrypoints/http/hot_routes.py) answers
exactly what Starlette's stack answers: the same request to the real app and to one without
the shortcut gives the same status, headers and body, on both databases."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Router

from fuel_analytics.entrypoints.http.app import HOT_PATHS
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for

NOW = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


def app_client(
    engine: AsyncEngine, database_url: str, *, shortcut: bool
) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    return serving(  # a fixed clock: the same ages and generated_at in both apps
        engine,
        settings_for(database_url),
        clock=FixedClock(NOW),
        hot_paths=None if shortcut else frozenset(),
    )


READING = {
    "truck_id": "T1",
    "ts": (NOW - timedelta(minutes=3)).isoformat(),
    "fuel_level_pct": 41.5,
    "speed_mph": 52.0,
    "odometer_mi": 1200.5,
    "lat": 41.5,
    "lon": -87.25,
}

REQUESTS = [
    ("GET", "/api/v2/trucks/T1/sensors"),
    ("GET", "/api/v2/trucks/NOPE/sensors"),  # 404, a domain error
    ("GET", "/api/v2/trucks/bad%20id/sensors"),  # 422, an invalid field
    ("GET", "/api/v2/fleet/summary"),
    ("GET", "/api/v2/fleet/summary?from=2026-01-04"),
    ("GET", "/api/v2/fleet/summary?from=yesterday"),  # 422
    ("GET", "/api/v2/fleet/summary?from=2026-01-04&from=2026-01-03"),  # 422, repeated
    ("GET", "/api/v2/trucks/T1/fuel"),
    ("GET", "/api/v2/trucks/NOPE/fuel"),
    ("HEAD", "/api/v2/trucks/T1/sensors"),  # not the shortcut's: Starlette's, in both
    ("POST", "/api/v2/fleet/summary"),  # 405
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
async def test_the_shortcut_answers_what_starlette_answers(
    db: AsyncEngine, database_url: str, method: str, path: str
) -> None:
    answers = []
    for shortcut in (True, False):
        async with app_client(db, database_url, shortcut=shortcut) as http:
            if not answers:
                stored = await http.post("/api/v2/telemetry", json={"readings": [READING]})
                assert stored.status_code == 200, stored.text
            headers = {"X-Request-ID": "same-id"}
            response = await http.request(method, path, headers=headers)
            answers.append(response)
    fast, slow = answers
    assert fast.status_code == slow.status_code
    assert fast.headers.multi_items() == slow.headers.multi_items()
    assert fast.content == slow.content


async def test_the_hot_gets_do_not_reach_the_router(
    db: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    routed: list[str] = []
    original = Router.app

    async def spy(self: Router, scope: dict[str, object], receive: object, send: object) -> None:
        routed.append(f"{scope['method']} {scope['path']}")
        await original(self, scope, receive, send)  # type: ignore[arg-type]

    monkeypatch.setattr(Router, "app", spy)
    async with app_client(db, database_url, shortcut=True) as http:
        for path in ("/api/v2/trucks/T1/sensors", "/api/v2/fleet/summary", "/health"):
            await http.get(path)
        await http.head("/api/v2/fleet/summary")
    assert routed == ["GET /health", "HEAD /api/v2/fleet/summary"]
    assert len(HOT_PATHS) == 3
