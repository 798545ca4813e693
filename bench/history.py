"""Component history over a year of 1-minute data vs. the live-sensors endpoint, same run.

    .venv/bin/python -m bench.history [--days 365] [--database-url URL]

Loads one truck with `days` of readings every minute (engine running, coolant and oil
temperatures moving) through the real store, computes the derived results, starts the
service, and prints the latency of the day-resolution history over the whole year next to
the latency of /sensors. Default database: a SQLite file under /tmp (kept for reruns).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from datetime import UTC, datetime, timedelta

import httpx
from tqdm import tqdm

from bench.harness import sample, server
from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.domain.model import Reading, TruckId
from fuel_analytics.entrypoints.cli import recompute_pending
from fuel_analytics.entrypoints.container import build_container, start, stop
from fuel_analytics.entrypoints.settings import Settings

TRUCK = TruckId("BENCH-YEAR")
END = datetime(2026, 1, 1, tzinfo=UTC)


def minute_readings(days: int) -> list[Reading]:
    start = END - timedelta(days=days)
    out = []
    for i in range(days * 1440):
        ts = start + timedelta(minutes=i)
        daily = math.sin(i / 1440 * 2 * math.pi)
        out.append(
            Reading(
                truck_id=TRUCK,
                ts=ts,
                speed_mph=55.0 + 5 * daily,
                rpm=1400.0,
                fuel_rate_gph=6.0,
                engine_load_pct=60.0,
                coolant_temp_f=195.0 + 3 * daily,
                oil_temp_f=220.0 + 2 * daily,
                oil_pressure_psi=42.0,
                battery_voltage=13.9,
                fuel_level_pct=60.0,
                odometer_mi=100_000 + i * 0.9,
            )
        )
    return out


async def load(url: str, days: int) -> None:
    engine = create_engine(url, PoolConfig())
    await upgrade(engine)
    store = SqlReadings(engine)
    if await store.latest(TRUCK) is None:
        readings = minute_readings(days)
        with tqdm(total=len(readings), unit="readings", desc="load") as bar:
            for i in range(0, len(readings), 5000):
                await store.store(readings[i : i + 5000])
                bar.update(len(readings[i : i + 5000]))
    await engine.dispose()
    settings = Settings(_env_file=None, database_url=url)
    container = build_container(settings)
    await start(container)
    try:
        await recompute_pending(container)
    finally:
        await stop(container)


async def measure(port: int, days: int, requests: int) -> None:
    start = (END - timedelta(days=days)).isoformat()
    history = (
        f"/api/v2/trucks/{TRUCK}/components/coolant_temp_f/history"
        f"?resolution=day&limit=1000&from={start}&to={END.isoformat()}"
    ).replace("+00:00", "Z")
    sensors = f"/api/v2/trucks/{TRUCK}/sensors"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        first = (await client.get(history)).json()
        print(f"history answer: {len(first['items'])} daily buckets")
        for _ in range(2):  # warm up, then measure both in the same run, interleaved
            results = [
                await sample(client, "GET /sensors", [sensors] * requests),
                await sample(
                    client, f"GET /components/…/history day x {days}d", [history] * requests
                ),
            ]
    for result in results:
        print(result.line())
    ratio = results[1].p50_ms / results[0].p50_ms
    print(f"history p50 / sensors p50 = {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8021)
    parser.add_argument("--database-url", default="sqlite+aiosqlite:////tmp/fuel-bench-history.db")
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(load(args.database_url, args.days))
    print(f"data ready in {time.perf_counter() - started:.1f} s")
    with server(
        {"FUEL_DATABASE_URL": args.database_url, "FUEL_RECOMPUTE_INTERVAL_S": "0"}, args.port
    ):
        asyncio.run(measure(args.port, args.days, args.requests))


if __name__ == "__main__":
    main()
