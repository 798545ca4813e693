"""`fuel-analytics serve` with two workers: /metrics adds up both processes (prometheus-client's
multiprocess mode, in a directory the CLI creates and removes), and stderr is JSON lines, one
access line per request, no uvicorn access line."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from tests.integration.test_graceful_shutdown import free_port
from tests.integration.test_metrics import Scrape

WORKERS = 2
POOL_MIN = 3
POSTS = 24


async def migrated(url: str) -> None:
    engine = create_engine(url, PoolConfig())
    await upgrade(engine)
    await engine.dispose()


async def started(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        while True:
            assert server.poll() is None, "the server exited"
            try:
                if (await http.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            await asyncio.sleep(0.2)


async def fresh(base_url: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request on a connection of its own, so that requests spread over the workers."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        return await http.request(method, path, headers={"connection": "close"}, **kwargs)


async def test_two_workers_share_their_metrics_and_log_json(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}"
    await migrated(url)
    port = free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "FUEL_DATABASE_URL": url, "FUEL_PORT": str(port),
           "FUEL_WORKERS": str(WORKERS), "ASYNC_POOL_MIN": str(POOL_MIN), "TMPDIR": str(temp),
           "FUEL_RECOMPUTE_INTERVAL_S": "0", "FUEL_LOG_LEVEL": "info", "FUEL_AUTH": "off",
           "FUEL_LOG_FORMAT": "auto"}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    stderr = tmp_path / "stderr.log"
    base_url = f"http://127.0.0.1:{port}"
    with stderr.open("wb") as err:
        server = subprocess.Popen(  # noqa: ASYNC220 - a server process for the whole test
            [sys.executable, "-m", "fuel_analytics.entrypoints.cli", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            await started(base_url, server)
            (metrics_dir,) = temp.glob("fuel-analytics-metrics-*")
            assert list(metrics_dir.glob("*.db"))
            for i in range(POSTS):
                reading = {"truck_id": "W1", "ts": f"2026-01-05T10:{i:02d}:00Z", "speed_mph": 1}
                response = await fresh(base_url, "POST", "/api/v2/telemetry",
                                       json={"readings": [reading]})  # fmt: skip
                assert response.json()["accepted"] == 1
            scrapes = [Scrape((await fresh(base_url, "GET", "/metrics")).text) for _ in range(6)]
        finally:
            server.send_signal(signal.SIGTERM)
            exit_code = await asyncio.to_thread(server.wait, 30)
    for metrics in scrapes:  # whichever worker answered, the sums over both
        assert metrics.value("fuel_ingest_rows_total", outcome="accepted") == POSTS
        assert metrics.value("fuel_db_pool_size") == WORKERS * POOL_MIN
        assert metrics.value("fuel_http_requests_in_flight") == 0
        assert metrics.value("fuel_db_up") == 1
        posted = {"method": "POST", "route": "/api/v2/telemetry", "status": "200"}
        assert metrics.value("fuel_http_requests_total", **posted) == POSTS
    assert exit_code == 0
    assert not metrics_dir.exists()  # removed at exit

    written = [line for line in stderr.read_bytes().splitlines() if line.strip()]
    notes = [line for line in written if not line.startswith(b"{")]
    assert notes == [b"note: SQLite serialises writes; use MySQL for several workers"]  # print()
    lines = [orjson.loads(line) for line in written if line not in notes]
    access = [line for line in lines if line["logger"] == "fuel_analytics.access"]
    assert len([a for a in access if a["route"] == "/api/v2/telemetry"]) == POSTS
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # JSON too
    assert len({a["pid"] for a in access}) == WORKERS  # both workers answered requests
