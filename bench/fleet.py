"""`make bench` (issue 7): a fleet in MariaDB through the real ingestion path, then wrk.

    .venv/bin/python -m bench.fleet [--trucks 1000] [--days 7] [--interval-s 120]
        [--workers 1,2] [--connections 50,100,200] [--duration 30] [--reload]

1. Load: ``trucks`` x ``days`` of readings every ``interval-s`` (1,000 x 7 x 720 = 5,040,000 by
   default) into ``fuel_bench_fleet`` by POST /api/v2/telemetry, batches of ``--batch``,
   ``--clients`` concurrent POSTs, one server worker, truck-major batches (a backfill;
   ``--load-order``); readings/s printed (generating the readings is not timed). Skipped when
   the database already holds this fleet (``--reload`` forces it).
2. Drain the derived results (fuel rollups, events, components, trips) in-process, timed
   (truck-days/s), so the reads below measure steady state.
3. Ingestion rate at each worker count: a fresh schema in the scratch database
   ``fuel_bench_ingest``, ``--ingest-days`` of the same fleet posted the same way, in
   time-major batches (every truck at one instant: what a gateway sends live) and truck-major.
4. wrk at each worker count x connection count, side by side: the bare ceilings (bench/ceiling.py:
   a constant JSON object; one primary-key SELECT through an asyncmy pool of the service's size),
   /sensors of random trucks, the fleet summary (default period and the data's 7 days), a
   component history of random trucks and one truck's fuel report. Server RSS (the process and
   its workers) sampled before and after every run; non-2xx answers, socket errors and pool
   timeouts counted. Any of those makes the command exit 1, after the results are written.

Writes bench/results/fleet.json and bench/results/fleet.png; prints a table, the ratios to the
ceilings and the issue's targets (pass/fail, printed, not enforced).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from bench.harness import ROOT, server
from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.adapters.sqlalchemy.tables import metadata
from fuel_analytics.entrypoints.container import build_container, resolved, start, stop
from fuel_analytics.entrypoints.settings import Settings

DEFAULT_URL = "mysql+asyncmy://fuel_test:fuel_test@127.0.0.1:3306/fuel_bench_fleet"
SCRATCH_URL = "mysql+asyncmy://fuel_test:fuel_test@127.0.0.1:3306/fuel_bench_ingest"
PREFIX = "FLT-"
FUEL_TRUCK = f"{PREFIX}0001"
SENSOR = "coolant_temp_f"
ORDERS = ("time", "truck")
POOL_TIMEOUT = re.compile(r"QueuePool limit|pool.*timed? ?out|TimeoutError", re.IGNORECASE)


def truck(i: int) -> str:
    return f"{PREFIX}{i + 1:04d}"


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- readings


@dataclass
class TruckState:
    """One truck's counters; a day shift (idle, drive, break, drive, idle), parked otherwise."""

    shift_start_h: float
    lat: float
    lon: float
    heading: float
    fuel_pct: float
    total_fuel: float
    idle_fuel: float
    odometer: float
    engine_hours: float
    idle_hours: float
    def_pct: float
    coolant: float = 60.0
    rng: random.Random = field(default_factory=random.Random)


def fleet_states(trucks: int, seed: int) -> list[TruckState]:
    rng = random.Random(seed)
    return [
        TruckState(
            shift_start_h=rng.uniform(3, 10),
            lat=rng.uniform(31, 44),
            lon=rng.uniform(-110, -82),
            heading=rng.uniform(0, 2 * math.pi),
            fuel_pct=rng.uniform(40, 95),
            total_fuel=rng.uniform(5_000, 50_000),
            idle_fuel=rng.uniform(200, 2_000),
            odometer=rng.uniform(50_000, 500_000),
            engine_hours=rng.uniform(1_000, 10_000),
            idle_hours=rng.uniform(100, 2_000),
            def_pct=rng.uniform(30, 100),
            rng=random.Random(seed * 100_003 + i),
        )
        for i in range(trucks)
    ]


def reading(truck_id: str, s: TruckState, ts: datetime, dt_h: float) -> dict[str, Any]:
    """The next reading of one truck ``dt_h`` hours after its previous one."""
    rng = s.rng
    hour = (ts.hour + ts.minute / 60 - s.shift_start_h) % 24
    idle = hour < 0.5 or 5.0 <= hour < 5.5 or 10.0 <= hour < 10.5
    driving = not idle and hour < 10.0
    ambient = 60 + 15 * math.sin((ts.hour - 9) / 24 * 2 * math.pi)
    if driving:
        speed = min(78.0, max(30.0, rng.gauss(61, 6)))
        rate = 5.5 + speed / 30 + rng.uniform(-0.3, 0.3)
        rpm, load = 1250 + speed * 4 + rng.uniform(-40, 40), 45 + speed / 2
        s.coolant = min(200.0, s.coolant + 60 * dt_h * 4) + rng.uniform(-0.8, 0.8)
    elif idle:
        speed, rate, rpm, load = 0.0, 0.8 + rng.uniform(-0.1, 0.1), 650 + rng.uniform(-20, 20), 12
        s.coolant = min(190.0, s.coolant + 60 * dt_h * 2) + rng.uniform(-0.5, 0.5)
    else:
        speed = rate = rpm = load = 0.0
        s.coolant = max(ambient, s.coolant - 30 * dt_h)
    used = rate * dt_h
    s.total_fuel += used
    s.fuel_pct -= used / 2.0  # a 200-gallon tank
    if not driving and not idle and s.fuel_pct < 25 and rng.random() < 0.2:
        s.fuel_pct = rng.uniform(92, 99)  # a refuel while parked
    on = driving or idle
    if on:
        s.engine_hours += dt_h
        s.def_pct = max(5.0, s.def_pct - 0.05 * dt_h * 10)
    if idle:
        s.idle_hours += dt_h
        s.idle_fuel += used
    miles = speed * dt_h
    s.odometer += miles
    if miles:
        s.heading += rng.uniform(-0.05, 0.05)
        s.lat = min(48.0, max(26.0, s.lat + math.cos(s.heading) * miles / 69))
        s.lon = min(-70.0, max(-123.0, s.lon + math.sin(s.heading) * miles / 53))
    if s.def_pct < 10 and not on:
        s.def_pct = 95.0
    return {
        "truck_id": truck_id,
        "ts": iso(ts),
        "fuel_level_pct": round(max(1.0, s.fuel_pct) + rng.uniform(-0.3, 0.3), 1),
        "fuel_rate_gph": round(rate, 2),
        "total_fuel_gal": round(s.total_fuel, 2),
        "total_idle_fuel_gal": round(s.idle_fuel, 2),
        "speed_mph": round(speed, 1),
        "rpm": round(rpm),
        "odometer_mi": round(s.odometer, 1),
        "engine_hours": round(s.engine_hours, 2),
        "idle_hours": round(s.idle_hours, 2),
        "engine_load_pct": round(load, 1),
        "coolant_temp_f": round(s.coolant, 1),
        "oil_temp_f": round(s.coolant + 20 if on else s.coolant, 1),
        "ambient_temp_f": round(ambient, 1),
        "oil_pressure_psi": round(40 + rng.uniform(-2, 2), 1) if on else 0.0,
        "battery_voltage": round(13.9 + rng.uniform(-0.1, 0.1), 2) if on else 12.6,
        "def_level_pct": round(s.def_pct, 1),
        "lat": round(s.lat, 5),
        "lon": round(s.lon, 5),
        "driver_id": f"D{truck_id[-4:]}" if on else None,
    }


def day_bodies(
    trucks: int,
    states: list[TruckState],
    begin: datetime,
    end: datetime,
    step: int,
    batch: int,
    order: str = "time",
) -> Iterator[tuple[bytes, int]]:
    """POST bodies (and their row counts) for [begin, end): time-major (every truck at one
    instant, then the next: what a gateway sends) or truck-major (a backfill)."""
    rows: list[dict[str, Any]] = []
    dt_h = step / 3600
    stamps = []
    ts = begin
    while ts < end:
        stamps.append(ts)
        ts += timedelta(seconds=step)
    if order == "time":  # live traffic: every truck at one instant, then the next instant
        pairs: Iterator[tuple[int, datetime]] = ((t, ts) for ts in stamps for t in range(trucks))
    else:  # a backfill: one truck's readings after another's
        pairs = ((t, ts) for t in range(trucks) for ts in stamps)
    for t, ts in pairs:
        rows.append(reading(truck(t), states[t], ts, dt_h))
        if len(rows) == batch:
            yield orjson.dumps({"readings": rows}), len(rows)
            rows = []
    if rows:
        yield orjson.dumps({"readings": rows}), len(rows)


# ---------------------------------------------------------------- ingestion


async def post_all(port: int, bodies: list[tuple[bytes, int]], clients: int) -> tuple[int, float]:
    """POST every body with ``clients`` concurrent connections; (accepted, seconds)."""
    accepted = 0
    failures: list[str] = []
    queue = list(reversed(bodies))
    headers = {"content-type": "application/json"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal accepted
        while queue:
            body, _ = queue.pop()
            response = await client.post("/api/v2/telemetry", content=body, headers=headers)
            if response.status_code != 200:
                failures.append(f"{response.status_code}: {response.text[:300]}")
                continue
            answer = response.json()
            accepted += answer["accepted"]
            if answer["rejected"]:
                failures.append(f"rejected: {answer['rejected'][:3]}")

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"FAIL: ingestion answered {len(failures)} errors, e.g. {failures[:3]}")
    return accepted, elapsed


def ingest(
    args: argparse.Namespace, url: str, workers: int, days: float, order: str, log: Path
) -> dict[str, Any]:
    """Post ``days`` of the fleet ending at args.end; generation is not timed, POSTs are."""
    end: datetime = args.end
    begin = end - timedelta(days=days)
    states = fleet_states(args.trucks, args.seed)
    env = {"FUEL_DATABASE_URL": url, "FUEL_RECOMPUTE_INTERVAL_S": "0"}
    total = seconds = 0.0
    rss_before = rss_after = 0
    with server(env, args.port, workers, log=log) as proc:
        rss_before = tree_rss_kb(proc.pid)
        chunk = timedelta(hours=args.chunk_hours)
        at = begin
        while at < end:
            upto = min(end, at + chunk)
            bodies = list(
                day_bodies(args.trucks, states, at, upto, args.interval_s, args.batch, order)
            )
            accepted, elapsed = asyncio.run(post_all(args.port, bodies, args.clients))
            total += accepted
            seconds += elapsed
            print(
                f"  {iso(at)} .. {iso(upto)}: {accepted:>9,} readings in {elapsed:6.1f} s "
                f"({accepted / elapsed:,.0f}/s; {total:,.0f} so far)",
                flush=True,
            )
            at = upto
        rss_after = tree_rss_kb(proc.pid)
    return {
        "workers": workers,
        "clients": args.clients,
        "batch": args.batch,
        "order": order,
        "readings": int(total),
        "seconds": round(seconds, 2),
        "readings_per_s": round(total / seconds) if seconds else 0,
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_after_mb": round(rss_after / 1024, 1),
    }


async def fresh_schema(url: str) -> None:
    engine = create_engine(url, PoolConfig())
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await upgrade(engine)
    await engine.dispose()


async def loaded(url: str, args: argparse.Namespace) -> tuple[int, datetime | None]:
    """(readings of this fleet's trucks, their newest timestamp) in the database."""
    engine = create_engine(url, PoolConfig())
    await upgrade(engine)
    async with engine.connect() as conn:
        trucks = (
            await conn.execute(
                text("SELECT COUNT(*), MAX(ts) FROM truck_latest WHERE truck_id LIKE :p"),
                {"p": f"{PREFIX}%"},
            )
        ).one()
        count = 0
        if trucks[0] == args.trucks:
            count = (
                await conn.execute(
                    text("SELECT COUNT(*) FROM readings WHERE truck_id LIKE :p"),
                    {"p": f"{PREFIX}%"},
                )
            ).scalar_one()
    await engine.dispose()
    newest = trucks[1]
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return int(count), newest


async def drain(url: str, batch: int) -> dict[str, Any]:
    """Every stale derived result computed now, in-process; truck-days/s."""
    settings = Settings(_env_file=None, database_url=url, recompute_interval_s=0)  # type: ignore[call-arg]
    container = build_container(settings)
    await start(container)
    try:
        derived = await resolved(container.derived_results())
        dirty = await resolved(container.dirty_days())
        pending = len(await dirty.oldest(10_000_000))
        done = 0
        started = time.perf_counter()
        last = started
        while n := await derived.refresh_pending(batch):
            done += n
            if time.perf_counter() - last > 10:
                last = time.perf_counter()
                rate = done / (last - started)
                print(f"  {done:,}/{pending:,} truck-days ({rate:.1f}/s)", flush=True)
        elapsed = time.perf_counter() - started
    finally:
        await stop(container)
    return {
        "truck_days": done,
        "seconds": round(elapsed, 2),
        "truck_days_per_s": round(done / elapsed, 2) if elapsed else 0,
    }


# ---------------------------------------------------------------- wrk


WRK_SCRIPT = """
local ids = %(ids)d
local path = "%(path)s"
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
end
function request()
  if ids > 0 then
    local id = string.format("%(prefix)s%%04d", math.random(1, ids))
    return wrk.format("GET", string.format(path, id))
  end
  return wrk.format("GET", path)
end
function done(summary, latency, requests)
  io.write("WRK_JSON ")
  io.write(string.format('{"requests": %%d, "duration_us": %%d, "bytes": %%d, ',
    summary.requests, summary.duration, summary.bytes))
  io.write(string.format(
    '"status": %%d, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, ',
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  io.write(string.format('"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Target:
    name: str
    server: str  # "ceiling" or "service"
    path: str  # "%s" is replaced by a random truck id when ``random_truck``
    random_truck: bool = False


def targets(args: argparse.Namespace, begin: datetime, end: datetime) -> list[Target]:
    day0 = begin.replace(hour=0, minute=0, second=0)
    day_end = (end + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    return [
        Target("bare-constant", "ceiling", "/constant"),
        Target("bare-one-query", "ceiling", "/one-query/%s", True),
        Target("sensors", "service", "/api/v2/trucks/%s/sensors", True),
        Target("summary", "service", "/api/v2/fleet/summary"),
        Target(
            f"summary-{args.days}d",
            "service",
            f"/api/v2/fleet/summary?from={iso(day0)}&to={iso(day_end)}",
        ),
        Target("history", "service", f"/api/v2/trucks/%s/components/{SENSOR}/history", True),
        Target("fuel-report", "service", f"/api/v2/trucks/{FUEL_TRUCK}/fuel"),
    ]


def run_wrk(
    args: argparse.Namespace,
    port: int,
    target: Target,
    connections: int,
    seconds: float,
    threads: int,
) -> dict[str, Any]:
    script = WRK_SCRIPT % {
        "ids": args.trucks if target.random_truck else 0,
        "path": target.path.replace('"', '\\"'),
        "prefix": PREFIX,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        lua = handle.name
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                f"--timeout={max(1, round(args.timeout))}s",
                "-s",
                lua,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(lua).unlink()
    if out.returncode != 0:
        raise SystemExit(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    secs = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / secs, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "non_2xx": raw["status"],
        "socket_errors": raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        "timeouts": raw["timeout"],
    }


def tree_rss_kb(pid: int) -> int:
    """VmRSS of the process and every descendant (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def pool_waits(port: int) -> float | None:
    """fuel_db_pool_waits from /metrics (None for the ceiling)."""
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    except httpx.HTTPError:
        return None
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("fuel_db_pool_waits_total")
    ]
    return sum(values) if values else None


def measure(
    args: argparse.Namespace, kind: str, workers: int, plan: list[Target], log: Path
) -> list[dict[str, Any]]:
    if kind == "ceiling":
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        env = {
            "CEILING_DATABASE_URL": args.database_url,
            "CEILING_POOL_MIN": str(settings.pool_min),
            "CEILING_POOL_MAX": str(settings.pool_max),
        }
        command = [sys.executable, "-m", "uvicorn", "bench.ceiling:create", "--factory",
                   "--host", "127.0.0.1", "--port", str(args.port), "--workers", str(workers),
                   "--log-level", "warning", "--no-access-log"]  # fmt: skip
    else:
        env = {"FUEL_DATABASE_URL": args.database_url, "FUEL_RECOMPUTE_INTERVAL_S": "2"}
        command = None
    results = []
    # wrk, the server and MariaDB share the cores: a wrk thread per worker (decision 45)
    threads = args.threads or workers
    with server(env, args.port, workers, command=command, log=log) as proc:
        for target in plan:
            if args.warmup > 0:
                run_wrk(args, args.port, target, min(args.connections), args.warmup, threads)
            for connections in args.connections:
                waits_before = pool_waits(args.port) if kind == "service" else None
                log_before = log.stat().st_size
                rss_before = tree_rss_kb(proc.pid)
                result = run_wrk(args, args.port, target, connections, args.duration, threads)
                rss_after = tree_rss_kb(proc.pid)
                waits_after = pool_waits(args.port) if kind == "service" else None
                with log.open("rb") as handle:
                    handle.seek(log_before)
                    new_log = handle.read().decode(errors="replace")
                result.update(
                    endpoint=target.name,
                    path=target.path,
                    workers=workers,
                    connections=connections,
                    wrk_threads=min(threads, connections),
                    rss_before_mb=round(rss_before / 1024, 1),
                    rss_after_mb=round(rss_after / 1024, 1),
                    pool_waits=None
                    if waits_before is None or waits_after is None
                    else waits_after - waits_before,
                    pool_timeouts=len(POOL_TIMEOUT.findall(new_log)),
                )
                results.append(result)
                print(row_line(result), flush=True)
    return results


# ---------------------------------------------------------------- report


HEADER = (
    f"{'endpoint':<16}{'w':>2}{'conn':>5}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'non2xx':>7}{'sock':>5}{'pool to':>8}{'RSS MB before>after':>21}"
    f"{'/const':>8}{'/1query':>8}"
)


def row_line(r: dict[str, Any]) -> str:
    ratios = ""
    if "ratio_constant" in r:
        ratios = f"{r['ratio_constant']:>8.3f}{r['ratio_one_query']:>8.3f}"
    return (
        f"{r['endpoint']:<16}{r['workers']:>2}{r['connections']:>5}{r['rps']:>10,.0f}"
        f"{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['non_2xx']:>7}{r['socket_errors']:>5}"
        f"{r['pool_timeouts']:>8}"
        f"{r['rss_before_mb']:>12.0f} > {r['rss_after_mb']:<6.0f}{ratios}"
    )


def add_ratios(runs: list[dict[str, Any]]) -> None:
    base = {(r["endpoint"], r["workers"], r["connections"]): r["rps"] for r in runs}
    for r in runs:
        key = (r["workers"], r["connections"])
        constant = base.get(("bare-constant", *key))
        one = base.get(("bare-one-query", *key))
        if constant and one:
            r["ratio_constant"] = round(r["rps"] / constant, 3)
            r["ratio_one_query"] = round(r["rps"] / one, 3)


def target_lines(
    runs: list[dict[str, Any]], rates: list[dict[str, Any]], days: int
) -> list[tuple[str, bool]]:
    def get(endpoint: str, workers: int, connections: int) -> dict[str, Any] | None:
        for r in runs:
            if (r["endpoint"], r["workers"], r["connections"]) == (endpoint, workers, connections):
                return r
        return None

    lines: list[tuple[str, bool]] = []
    for w in sorted({r["workers"] for r in runs}):
        one100 = get("bare-one-query", w, 100)
        sensors100 = get("sensors", w, 100)
        if one100 and sensors100:
            ratio = sensors100["rps"] / one100["rps"]
            lines.append((f"w={w} sensors req/s at 100 conns >= 2x bare one-query: "
                          f"{sensors100['rps']:,.0f} vs {one100['rps']:,.0f} ({ratio:.2f}x)",
                          ratio >= 2))  # fmt: skip
        sensors200 = get("sensors", w, 200)
        if sensors200:
            lines.append((f"w={w} sensors p99 at 200 conns <= 50 ms: {sensors200['p99_ms']} ms",
                          sensors200["p99_ms"] <= 50))  # fmt: skip
        for name in ("summary", f"summary-{days}d"):
            s100 = get(name, w, 100)
            if one100 and s100:
                ratio = s100["rps"] / one100["rps"]
                lines.append((f"w={w} {name} req/s at 100 conns >= 1x bare one-query: "
                              f"{s100['rps']:,.0f} vs {one100['rps']:,.0f} ({ratio:.2f}x)",
                              ratio >= 1))  # fmt: skip
            s200 = get(name, w, 200)
            if s200:
                lines.append((f"w={w} {name} p99 at 200 conns <= 100 ms: {s200['p99_ms']} ms",
                              s200["p99_ms"] <= 100))  # fmt: skip
    for rate in rates:
        lines.append((f"ingestion ({rate['label']}, w={rate['workers']}) >= 30,000 readings/s: "
                      f"{rate['readings_per_s']:,}", rate["readings_per_s"] >= 30_000))  # fmt: skip
    return lines


def chart(runs: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    endpoints = list(dict.fromkeys(r["endpoint"] for r in runs))
    series = sorted({(r["workers"], r["connections"]) for r in runs})
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(13, 9), sharex=True)
    width = 0.8 / max(1, len(series))
    for i, (w, c) in enumerate(series):
        by = {r["endpoint"]: r for r in runs if (r["workers"], r["connections"]) == (w, c)}
        xs = [j + i * width for j in range(len(endpoints))]
        top.bar(xs, [by[e]["rps"] if e in by else 0 for e in endpoints], width, label=f"{w}w {c}c")
        bottom.bar(xs, [by[e]["p99_ms"] if e in by else 0 for e in endpoints], width)
    top.set_ylabel("requests/s")
    top.set_yscale("log")
    top.legend(ncol=len(series), fontsize=8)
    top.set_title(title)
    bottom.set_ylabel("p99 latency (ms)")
    bottom.set_yscale("log")
    bottom.set_xticks([j + width * (len(series) - 1) / 2 for j in range(len(endpoints))])
    bottom.set_xticklabels(endpoints, rotation=20)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- main


def csv_ints(value: str) -> list[int]:
    return [int(x) for x in value.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trucks", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--interval-s", type=int, default=120, help="seconds between readings")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1000, help="readings per POST")
    parser.add_argument("--clients", type=int, default=8, help="concurrent POSTs")
    parser.add_argument(
        "--load-order",
        choices=ORDERS,
        default="truck",
        help="the load's batches: one truck's consecutive readings (truck: a backfill) or every "
        "truck at one instant (time: live traffic)",
    )
    parser.add_argument(
        "--ingest-orders",
        type=lambda v: [o for o in v.split(",") if o in ORDERS],
        default=list(ORDERS),
        help="batch shapes of the ingestion-rate runs (time,truck)",
    )
    parser.add_argument("--chunk-hours", type=float, default=6, help="generated, then posted")
    parser.add_argument("--ingest-days", type=float, default=0.25,
                        help="days of the fleet posted into the scratch DB at each worker count "
                        "(0: skip)")  # fmt: skip
    parser.add_argument("--reload", action="store_true", help="drop and load the fleet again")
    parser.add_argument("--workers", type=csv_ints, default=[1, 2])
    parser.add_argument("--connections", type=csv_ints, default=[50, 100, 200])
    parser.add_argument("--duration", type=float, default=30, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds per endpoint, unmeasured")
    parser.add_argument(
        "--threads", type=int, default=0, help="wrk threads (0: one per server worker)"
    )
    parser.add_argument("--timeout", type=float, default=10, help="wrk's request timeout (s)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--scratch-url", default=SCRATCH_URL)
    parser.add_argument("--port", type=int, default=8041)
    parser.add_argument("--out", default="bench/results/fleet.json")
    parser.add_argument("--chart", default="bench/results/fleet.png")
    parser.add_argument("--recompute-batch", type=int, default=100)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.with_suffix(".server.log")
    log.write_bytes(b"")
    started = time.perf_counter()
    expected = args.trucks * args.days * (86_400 // args.interval_s)
    result: dict[str, Any] = {
        "trucks": args.trucks,
        "days": args.days,
        "interval_s": args.interval_s,
        "expected_readings": expected,
        "started_at": iso(datetime.now(UTC)),
    }

    # 1. the fleet
    have, newest = asyncio.run(loaded(args.database_url, args))
    rates: list[dict[str, Any]] = []
    if args.reload or have < expected or newest is None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        args.end = now - timedelta(seconds=now.timestamp() % args.interval_s)
        print(
            f"loading {args.trucks} trucks x {args.days} days every {args.interval_s} s "
            f"= {expected:,} readings ({args.clients} concurrent POSTs of {args.batch})"
        )
        asyncio.run(fresh_schema(args.database_url))
        load = ingest(args, args.database_url, 1, args.days, args.load_order, log)
        load["label"] = f"full load, {args.load_order}-major"
        rates.append(load)
        print(f"ingestion: {load['readings']:,} readings in {load['seconds']} s = "
              f"{load['readings_per_s']:,} readings/s (1 worker)")  # fmt: skip
        print("draining the derived results (in-process)", flush=True)
        result["recompute"] = asyncio.run(drain(args.database_url, args.recompute_batch))
        rc = result["recompute"]
        print(f"recompute: {rc['truck_days']:,} truck-days in {rc['seconds']} s = "
              f"{rc['truck_days_per_s']} truck-days/s")  # fmt: skip
        newest = args.end
    else:
        print(f"the fleet is loaded ({have:,} readings, newest {iso(newest)}): reusing it "
              "(--reload to load again)")  # fmt: skip
        result["recompute"] = asyncio.run(drain(args.database_url, args.recompute_batch))
        if result["recompute"]["truck_days"]:
            print(f"recompute of stale days: {result['recompute']}")
    result["data_end"] = iso(newest)
    begin = newest - timedelta(days=args.days)

    # 2. ingestion rate at each worker count, into the scratch database
    if args.ingest_days > 0:
        args.end = datetime.now(UTC).replace(second=0, microsecond=0)
        for w in args.workers:
            for order in args.ingest_orders:
                scratch = args.scratch_url.rsplit("/", 1)[-1]
                print(
                    f"ingestion rate, {w} worker(s), {order}-major batches: "
                    f"{args.ingest_days:g} day(s) of the fleet into {scratch}"
                )
                asyncio.run(fresh_schema(args.scratch_url))
                rate = ingest(args, args.scratch_url, w, args.ingest_days, order, log)
                rate["label"] = f"{args.ingest_days:g} day(s), {order}-major"
                rates.append(rate)
                print(f"  {rate['readings_per_s']:,} readings/s")
    result["ingestion"] = rates

    # 3. wrk
    plan = targets(args, begin, newest)
    runs: list[dict[str, Any]] = []
    print()
    print(HEADER)
    for w in args.workers:
        runs += measure(args, "ceiling", w, [t for t in plan if t.server == "ceiling"], log)
        runs += measure(args, "service", w, [t for t in plan if t.server == "service"], log)
    add_ratios(runs)
    result["runs"] = runs
    result["targets"] = [
        {"line": line, "pass": ok} for line, ok in target_lines(runs, rates, args.days)
    ]
    result["seconds"] = round(time.perf_counter() - started, 1)

    print()
    threads = f"{args.threads} threads" if args.threads else "a thread per server worker"
    print(f"{args.trucks} trucks x {args.days} days; wrk {args.duration:g} s per run, {threads}")
    print(HEADER)
    for r in runs:
        print(row_line(r))
    print()
    for rate in rates:
        print(f"ingestion {rate['label']:<28} w={rate['workers']}: {rate['readings_per_s']:>8,} "
              f"readings/s ({rate['readings']:,} in {rate['seconds']} s)")  # fmt: skip
    if result.get("recompute"):
        print(f"recompute before reads: {result['recompute']}")
    for w in args.workers:
        service = [r for r in runs if r["workers"] == w and not r["endpoint"].startswith("bare")]
        if service:
            first, last = service[0]["rss_before_mb"], service[-1]["rss_after_mb"]
            print(f"service RSS, {w} worker(s): {first:.0f} MB before the first run, "
                  f"{last:.0f} MB after the last ({last - first:+.0f} MB)")  # fmt: skip
    print()
    print("targets (printed, not enforced):")
    for line, ok in target_lines(runs, rates, args.days):
        print(f"  [{'PASS' if ok else 'FAIL'}] {line}")
    out.write_text(json.dumps(result, indent=2))
    chart(
        runs, ROOT / args.chart, f"{args.trucks} trucks x {args.days} days, wrk {args.duration:g} s"
    )
    print(f"\nwrote {args.out}, {args.chart} ({result['seconds']} s in all; server log {log})")
    bad = [
        r
        for r in runs
        if r["non_2xx"] or r["socket_errors"] or r["pool_timeouts"] or not r["requests"]
    ]
    if bad:
        print(
            "\nFAIL: non-2xx answers, socket errors (timeouts included), pool timeouts or no "
            "answer at all in:",
            file=sys.stderr,
        )
        for r in bad:
            print(f"  {row_line(r)}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
