"""SIGTERM lets in-flight requests finish: a real `fuel-analytics serve` process on loopback,
stopped while it streams an export, completes the export and exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.domain.model import Reading, TruckId

START = datetime(2026, 1, 1, tzinfo=UTC)
READINGS = 20_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def prepare(url: str) -> None:
    engine = create_engine(url, PoolConfig())
    await upgrade(engine)
    rows = [
        Reading(truck_id=TruckId("GS-1"), ts=START + timedelta(minutes=i), speed_mph=50.0)
        for i in range(READINGS)
    ]
    store = SqlReadings(engine)
    for i in range(0, len(rows), 5_000):
        await store.store(rows[i : i + 5_000])
    await engine.dispose()


async def test_sigterm_during_an_export_finishes_it_and_exits_cleanly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'graceful.db'}"
    await prepare(url)
    port = free_port()
    env = {**os.environ, "FUEL_DATABASE_URL": url, "FUEL_PORT": str(port),
           "FUEL_RECOMPUTE_INTERVAL_S": "0", "FUEL_LOG_LEVEL": "warning",
           "FUEL_AUTH": "off"}  # fmt: skip
    server = subprocess.Popen(  # noqa: ASYNC220 - a server process for the whole test
        [sys.executable, "-m", "fuel_analytics.entrypoints.cli", "serve"], env=env
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.2)
            end = (START + timedelta(minutes=READINGS)).isoformat()
            params = {"from": START.isoformat(), "to": end, "columns": "truck_id,ts,speed_mph"}
            lines = 0
            async with client.stream("GET", "/api/v2/export/readings.csv", params=params) as rsp:
                assert rsp.status_code == 200
                signalled = False
                async for chunk in rsp.aiter_bytes(4096):
                    lines += chunk.count(b"\n")
                    if not signalled:
                        server.send_signal(signal.SIGTERM)  # mid-export
                        signalled = True
                    await asyncio.sleep(0.001)  # a client slower than the server
        assert signalled
        assert lines == READINGS + 1  # the header and every reading: nothing cut off
        exit_code = await asyncio.to_thread(server.wait, 30)
        assert exit_code == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
