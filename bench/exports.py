"""Exports of 1,000,000 readings from MariaDB: rows/s and the server's memory, side by side.

    .venv/bin/python -m bench.exports [--readings 1000000] [--database-url URL]

Loads the readings once (100 trucks, through the real store), then for each export
(CSV and XLSX, of 100,000 and of 1,000,000 rows) starts a fresh server (one uvicorn worker),
streams the file, and reports rows/s and the server's RSS growth (peak VmHWM minus the RSS
before the export). The 1,000,000-row exports then run again while a second client asks for
/api/v2/trucks/{id}/sensors every 20 ms; its p50/p99 are printed in the same table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from tqdm import tqdm

from bench.harness import percentile, rss_kb, sample, server
from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.domain.model import Reading, TruckId
from fuel_analytics.services.exports import EXPORT_BATCH

START = datetime(2025, 6, 1, tzinfo=UTC)
TRUCKS = 100
DEFAULT_URL = "mysql+asyncmy://fuel_test:fuel_test@127.0.0.1:3306/fuel_bench"


def truck(i: int) -> TruckId:
    return TruckId(f"EXP-{i:03d}")


async def load(url: str, total: int) -> None:
    engine = create_engine(url, PoolConfig())
    await upgrade(engine)
    store = SqlReadings(engine)
    have = await store.count()
    if have >= total:
        print(f"{have} readings already loaded")
        await engine.dispose()
        return
    per_truck = total // TRUCKS
    rng = random.Random(1)
    with tqdm(total=total, unit="readings", desc="load") as bar:
        for t in range(TRUCKS):
            rows = [
                Reading(truck_id=truck(t), ts=START + timedelta(minutes=i),
                        fuel_level_pct=round(rng.uniform(5, 100), 1), speed_mph=55.0,
                        rpm=1400.0, fuel_rate_gph=6.1, total_fuel_gal=1000 + i * 0.1,
                        odometer_mi=50_000 + i * 0.9, engine_hours=5000 + i / 60,
                        coolant_temp_f=195.0, oil_pressure_psi=42.0, battery_voltage=13.9,
                        def_level_pct=70.0, lat=41.5, lon=-93.6)
                for i in range(per_truck)
            ]  # fmt: skip
            for i in range(0, len(rows), 5000):
                await store.store(rows[i : i + 5000])
                bar.update(len(rows[i : i + 5000]))
    await engine.dispose()


def peak_kb(pid: int) -> int:
    """The process's peak resident memory (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def export_once(port: int, pid: int, path: str, rows: int, probe: bool) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=None) as client:
        await client.get("/health")
        await client.get(f"/api/v2/trucks/{truck(0)}/sensors")
        before = rss_kb(pid)
        received = 0
        done = asyncio.Event()
        latencies: list[object] = []

        async def sensors() -> None:
            urls = [f"/api/v2/trucks/{truck(random.randrange(TRUCKS))}/sensors" for _ in range(10)]
            while not done.is_set():
                latencies.append(await sample(client, "sensors", urls, concurrency=1))
                await asyncio.sleep(0.02)

        probing = asyncio.create_task(sensors()) if probe else None
        started = time.perf_counter()
        async with client.stream("GET", path) as response:
            assert response.status_code == 200, response.status_code
            first = None
            async for chunk in response.aiter_raw():
                first = first or time.perf_counter() - started
                received += len(chunk)
        elapsed = time.perf_counter() - started
        done.set()
        if probing:
            await probing
        peak = rss_kb(pid)  # VmRSS now; VmHWM below is the peak during the export
        hwm = peak_kb(pid)
    result: dict[str, object] = {
        "path": path.split("?")[0].rsplit("/", 1)[-1],
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "first_byte_s": round(first or 0, 3),
        "bytes": received,
        "rss_before_mb": round(before / 1024, 1),
        "rss_growth_mb": round((hwm - before) / 1024, 1),
        "rss_after_mb": round(peak / 1024, 1),
    }
    if latencies:
        every = sorted(t for lat in latencies for t in lat.times_ms)  # type: ignore[attr-defined]
        result["sensors_requests"] = len(every)
        result["sensors_p50_ms"] = round(percentile(every, 0.50), 1)
        result["sensors_p99_ms"] = round(percentile(every, 0.99), 1)
        result["sensors_max_ms"] = round(every[-1], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--port", type=int, default=8031)
    parser.add_argument("--out", default="bench/results/exports.json")
    parser.add_argument(
        "--page-rows",
        default="",
        help="other FUEL_EXPORT_PAGE_ROWS values to compare, side by side with the default "
        "(e.g. 1000,2000): the 1,000,000-row CSV again, alone and with the probe",
    )
    args = parser.parse_args()
    asyncio.run(load(args.database_url, args.readings))
    per_truck = args.readings // TRUCKS
    end = (START + timedelta(minutes=per_truck)).isoformat().replace("+00:00", "Z")
    begin = START.isoformat().replace("+00:00", "Z")
    tenth = ",".join(truck(i) for i in range(TRUCKS // 10))
    span = f"from={begin}&to={end}"
    # rates and memory alone, then the 1,000,000-row exports again with the /sensors probe
    csv_all = f"/api/v2/export/readings.csv?{span}"
    cases: list[tuple[str, int, bool, int | None]] = [
        (f"/api/v2/export/readings.csv?{span}&truck_id={tenth}", args.readings // 10, False, None),
        (csv_all, args.readings, False, None),
        (f"/api/v2/export/readings.xlsx?{span}&truck_id={tenth}", args.readings // 10, False, None),
        (f"/api/v2/export/readings.xlsx?{span}", args.readings, False, None),
        (csv_all, args.readings, True, None),
        (f"/api/v2/export/readings.xlsx?{span}", args.readings, True, None),
    ]
    for page in (int(p) for p in args.page_rows.split(",") if p.strip()):
        cases += [(csv_all, args.readings, False, page), (csv_all, args.readings, True, page)]
    base_env = {"FUEL_DATABASE_URL": args.database_url, "FUEL_RECOMPUTE_INTERVAL_S": "0"}
    results = []
    for path, rows, probe, page in cases:
        env = base_env if page is None else {**base_env, "FUEL_EXPORT_PAGE_ROWS": str(page)}
        with server(env, args.port) as proc:
            result = asyncio.run(export_once(args.port, proc.pid, path, rows, probe))
        result["page_rows"] = page or EXPORT_BATCH
        results.append(result)
        print(json.dumps(result))
    print()
    print(
        f"{'export':<16}{'page':>6}{'rows':>10}{'rows/s':>10}{'first byte':>12}"
        f"{'RSS growth':>12}{'sensors p99':>13}"
    )
    for r in results:
        p99 = r.get("sensors_p99_ms")
        print(
            f"{r['path']:<16}{r['page_rows']:>6}{r['rows']:>10,}{r['rows_per_s']:>10,}"
            f"{r['first_byte_s']:>11}s{r['rss_growth_mb']:>10} MB"
            f"{'' if p99 is None else f'{p99:>10} ms':>13}"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
