"""The ingestion rate, in the store and through HTTP, side by side in one run.

    .venv/bin/python -m bench.ingest [--trucks 5] [--per-truck 13000] [--batch 2000]
        [--stores sqlite,mariadb] [--shapes truck,time] [--rounds 1]
        [--against LABEL=SRC ...] [--http --workers 1,2 --clients 8 --http-minutes 120]

Store level: synthetic readings (one a minute and a half per truck, 8 sensors) stored
through SqlReadings.store in batches, into a fresh SQLite file and a fresh schema in the
MariaDB database of ``--mysql-url``, each twice: batches of one truck's consecutive readings
(truck-major, a backfill) and of every truck at one instant (time-major, a gateway's live
batch).

``--http``: POST /api/v2/telemetry to a real server (``fuel-analytics serve``, 1 and 2
workers) on a fresh schema in ``--mysql-url``: ``--http-minutes`` of ``--trucks`` trucks of
bench/fleet.py's fleet (a reading every 2 minutes, 20 sensors, JSON bodies of ``--batch``
readings), ``--clients`` concurrent POSTs, both batch shapes; generating the bodies is not
timed.

``--against LABEL=SRC`` runs every measurement also with another version of the code, e.g.
the last commit's, exported without touching the working tree:
``mkdir -p /tmp/head && git archive HEAD src | tar -x -C /tmp/head``, then
``--against head=/tmp/head/src``. Each measurement runs in a process of its own
(PYTHONPATH=SRC), the versions one after the other for each store and shape, ``--rounds``
times: the machine's noise moves them together, so their ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import ROOT

MYSQL = "mysql+asyncmy://fuel_test:fuel_test@127.0.0.1:3306/fuel_bench_ingest"
SHAPES = ("truck", "time")
HTTP_PORT = 8047


def readings(trucks: int, per_truck: int) -> list[Any]:
    from fuel_analytics.domain.model import Reading, TruckId

    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        Reading(truck_id=TruckId(f"ING-{t}"), ts=start + timedelta(seconds=90 * i),
                fuel_level_pct=50.0, speed_mph=40.0, rpm=1200.0, odometer_mi=1000 + i * 0.5,
                coolant_temp_f=190.0, battery_voltage=13.9, lat=41.0, lon=-90.0)
        for t in range(trucks)
        for i in range(per_truck)
    ]  # fmt: skip


async def store_rate(url: str, rows: list[Any], batch: int) -> float:
    from bench.fleet import fresh_schema
    from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
    from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings

    await fresh_schema(url)
    engine = create_engine(url, PoolConfig())
    store = SqlReadings(engine)
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        await store.store(rows[i : i + batch])
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return len(rows) / elapsed


def http_rate(url: str, shape: str, workers: int, args: argparse.Namespace) -> float:
    from bench.fleet import day_bodies, fleet_states, fresh_schema, post_all
    from bench.harness import server

    end = datetime.now(UTC).replace(second=0, microsecond=0)
    begin = end - timedelta(minutes=args.http_minutes)
    states = fleet_states(args.trucks, 7)
    bodies = list(day_bodies(args.trucks, states, begin, end, 120, args.batch, shape))
    asyncio.run(fresh_schema(url))
    env = {"FUEL_DATABASE_URL": url, "FUEL_RECOMPUTE_INTERVAL_S": "0"}
    log = Path(tempfile.gettempdir()) / "bench-ingest-server.log"
    with server(env, args.port, workers, log=log):
        accepted, elapsed = asyncio.run(post_all(args.port, bodies, args.clients))
    return accepted / elapsed


def measure_one(args: argparse.Namespace) -> None:
    """One measurement in this process (with whatever code PYTHONPATH puts first)."""
    kind, url, shape = args.one[:3]
    if kind == "http":
        found = http_rate(url, shape, int(args.one[3]), args)
    else:
        rows = readings(args.trucks, args.per_truck)
        if shape == "time":
            rows.sort(key=lambda r: (r.ts, r.truck_id))
        found = asyncio.run(store_rate(url, rows, args.batch))
    print(json.dumps({"rate": found}))


def run_one(src: Path, argv: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"FAIL ({src}): {done.stderr[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rate"])


def csv_list(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trucks", type=int, default=5)
    parser.add_argument("--per-truck", type=int, default=13_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--mysql-url", default=MYSQL)
    parser.add_argument("--stores", type=csv_list, default=["sqlite", "mariadb"])
    parser.add_argument("--shapes", type=csv_list, default=list(SHAPES))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="LABEL=SRC",
        help="also measure the code in SRC (a copy of src/, e.g. from git archive)",
    )
    parser.add_argument("--http", action="store_true", help="also measure through HTTP")
    parser.add_argument("--http-only", action="store_true", help="only measure through HTTP")
    parser.add_argument("--workers", type=lambda v: [int(w) for w in csv_list(v)], default=[1, 2])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--http-minutes", type=float, default=120)
    parser.add_argument("--port", type=int, default=HTTP_PORT)
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure_one(args)
        return
    versions = [("this tree", ROOT / "src")]
    for item in args.against:
        label, _, src = item.partition("=")
        versions.append((label, Path(src).resolve()))
    plan: list[tuple[str, list[str]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = f"sqlite+aiosqlite:///{Path(scratch) / 'ingest.db'}"
        urls = {"sqlite": ("SQLite", sqlite), "mariadb": ("MariaDB", args.mysql_url)}
        if not args.http_only:
            for store in args.stores:
                name, url = urls[store]
                plan += [(f"store {name:<7} {s}-major", ["store", url, s]) for s in args.shapes]
        if args.http or args.http_only:
            for w in args.workers:
                plan += [
                    (f"HTTP  w={w} c={args.clients} {s}-major", ["http", args.mysql_url, s, str(w)])
                    for s in args.shapes
                ]
        common = ["--trucks", str(args.trucks), "--per-truck", str(args.per_truck),
                  "--batch", str(args.batch), "--clients", str(args.clients),
                  "--http-minutes", str(args.http_minutes), "--port", str(args.port)]  # fmt: skip
        print(f"{'measurement':<32} " + " ".join(f"{label:>14}" for label, _ in versions))
        for title, one in plan:
            found: dict[str, list[float]] = {label: [] for label, _ in versions}
            for _ in range(args.rounds):
                for label, src in versions:
                    found[label].append(run_one(src, [*common, "--one", *one]))
            cells = [statistics.median(found[label]) for label, _ in versions]
            line = f"{title:<32} " + " ".join(f"{c:>14,.0f}" for c in cells)
            if len(cells) > 1:
                line += "   " + " ".join(f"x{cells[0] / c:.2f}" for c in cells[1:])
            if args.rounds > 1:
                line += "   rounds: " + "; ".join(
                    f"{label}: " + ", ".join(f"{v:,.0f}" for v in found[label])
                    for label, _ in versions
                )
            print(line, flush=True)


if __name__ == "__main__":
    main()
