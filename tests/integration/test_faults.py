"""Faults (issue 6): a real `fuel-analytics serve` process on loopback over a real MariaDB,
reached through a fault-injecting TCP proxy (tests/integration/faults.py) so that "the
database" can go away without touching the shared server.

- the database goes down (connections reset, or a black hole) while clients ingest and read,
  and comes back: 503 problem+json with Retry-After within POOL_TIMEOUT during the outage,
  recovery without a restart, every acknowledged batch stored once, no wrong read;
- slow queries hold every pooled connection: other requests get 503 after POOL_TIMEOUT,
  /health answers at once, the pool recovers;
- SIGTERM during ingestion: no acknowledged batch lost, every database connection closed
  with COM_QUIT (the pool disposed), exit 0;
- a client that hangs up during a slow request leaves no connection checked out.

The figures are printed and written to test-artifacts/faults-*.json (README, Reliability).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.adapters.sqlalchemy.tables import metadata, readings
from tests.conftest import MYSQL_URL_ENV, mysql_url, mysql_wanted
from tests.integration.faults import FaultProxy

pytestmark = pytest.mark.mysql

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
POOL_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 1.0
SLACK_S = 1.0  # scheduling, the answer's own work: a 503 comes within POOL_TIMEOUT + this
RECOVERY_LIMIT_S = 5.0
BATCH = 20
TRUCKS = 4
BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
ODOMETER0 = 10_000.0
FRESHNESS_S = 0.5  # the service's default freshness bound: reads may lag writes this much


# --- the database, the proxy and the service ------------------------------------------------


@pytest.fixture
async def direct() -> AsyncIterator[tuple[str, AsyncEngine]]:
    """MariaDB's URL and an engine straight to it (bypassing the proxy), emptied before and
    after the test. Unreachable or unset in CI is a failure, never a skip."""
    url = mysql_url()
    if url is None:
        if mysql_wanted():
            pytest.fail(f"{MYSQL_URL_ENV} is not set: the fault tests need MariaDB")
        pytest.skip(f"MySQL tests skipped on request ({MYSQL_URL_ENV} unset)")
    engine = create_engine(url, PoolConfig(size=1, max=2, timeout_s=10))
    try:
        await upgrade(engine)
        await _empty(engine)
    except Exception as error:
        await engine.dispose()
        pytest.fail(f"cannot prepare the test database {url.split('@')[-1]}: {error}")
    try:
        yield url, engine
    finally:
        await _empty(engine)
        await engine.dispose()


async def _empty(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))


@asynccontextmanager
async def proxied(url: str) -> AsyncIterator[tuple[FaultProxy, str]]:
    parsed = make_url(url)
    proxy = FaultProxy(parsed.host or "127.0.0.1", parsed.port or 3306)
    await proxy.start()
    try:
        yield (
            proxy,
            parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        )
    finally:
        await proxy.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    http: httpx.AsyncClient
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@asynccontextmanager
async def service(db_url: str, tmp_path: Path, **env: str) -> AsyncIterator[Service]:
    """`fuel-analytics serve` on a free loopback port, small pool, short timeouts, auth off,
    no .env file (its working directory is the test's own), stderr in a file."""
    port = free_port()
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FUEL_", "DB_"))},
        "FUEL_DATABASE_URL": db_url,
        "FUEL_HOST": "127.0.0.1",
        "FUEL_PORT": str(port),
        "FUEL_AUTH": "off",
        "FUEL_LOG_LEVEL": "warning",
        "FUEL_LOG_FORMAT": "text",
        "POOL_TIMEOUT": str(POOL_TIMEOUT_S),
        "ASYNC_POOL_MIN": "2",
        "ASYNC_POOL_MAX": "4",
        "FUEL_DB_READ_TIMEOUT_S": str(READ_TIMEOUT_S),
        "FUEL_RECOMPUTE_INTERVAL_S": "1",
        "FUEL_GRACEFUL_TIMEOUT_S": "10",
        "FUEL_CACHE_MAX_AGE_S": str(FRESHNESS_S),  # the default, explicitly
        **env,
    }
    log = tmp_path / f"serve-{port}.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: ASYNC220 - a server process for the whole test
            [sys.executable, "-m", "fuel_analytics.entrypoints.cli", "serve"],
            env=full_env,
            cwd=tmp_path,
            stderr=stderr,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await http.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    pytest.fail(f"the server exited during startup:\n{log.read_text()}")
                assert time.monotonic() < deadline, f"the server did not start:\n{log.read_text()}"
                await asyncio.sleep(0.1)
            yield Service(process, http, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# SQLAlchemy's pool logs (at ERROR, with a traceback) a connection whose reset on return
# (ROLLBACK) failed: in a black hole, the connection it then discards. Expected, not ours.
POOL_RESET_FAILED = "sqlalchemy.pool.impl.AsyncAdaptedQueuePool"


def unexpected_log_lines(text: str) -> list[str]:
    """Errors the service logged (first lines: messages, not traceback lines) other than
    the expected 503 warnings and the pool's discarded connections."""
    return [
        line
        for line in text.splitlines()
        if line[:4].isdigit()  # a log record's first line, not a traceback's
        and " ERROR " in line
        and not (POOL_RESET_FAILED in line and "Exception during reset" in line)
    ]


async def within(seconds: float, check: Callable[[], Awaitable[bool]]) -> float | None:
    """Seconds until ``check`` held (polled every 50 ms), or None if it never did."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    return None


async def pool_checked_out(http: httpx.AsyncClient) -> int:
    answer = await http.get("/health")
    return int(answer.json()["pool"]["checked_out"])


def write_figures(name: str, figures: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"faults-{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(f"\n{name}: {json.dumps(figures, sort_keys=True)}\n  -> {path}")


# --- clients -----------------------------------------------------------------------------


def ts_of(index: int) -> datetime:
    return BASE + timedelta(seconds=index)


def batch_rows(truck: str, number: int) -> list[dict[str, Any]]:
    """Batch ``number`` of ``truck``: readings number*BATCH .. +BATCH-1, one a second, the
    odometer equal to ODOMETER0 + the reading's index (so a read can be checked)."""
    first = number * BATCH
    return [
        {
            "truck_id": truck,
            "ts": ts_of(i).isoformat(),
            "odometer_mi": ODOMETER0 + i,
            "fuel_level_pct": 80.0 - (i % 50) / 10,
            "speed_mph": 50.0,
        }
        for i in range(first, first + BATCH)
    ]


@dataclass
class Tally:
    sent: int = 0  # batches sent (first attempts)
    attempts: int = 0  # every POST, retries included
    acknowledged: int = 0  # batches answered 2xx
    retried: int = 0  # re-sends of a batch whose answer was not 2xx (or never came)
    answered_503: int = 0
    transport_errors: int = 0
    accepted_rows: int = 0  # the sum of "accepted" over the 2xx answers
    duplicate_rows: int = 0  # the sum of "duplicates" (retries of committed batches)
    reads: int = 0
    reads_ok: int = 0
    reads_503: int = 0
    slowest_503_s: float = 0.0
    problems: list[str] = field(default_factory=list)  # anything not allowed
    acked_at: list[float] = field(default_factory=list)  # monotonic times of 2xx answers
    acked_sent_at: list[float] = field(default_factory=list)  # when each acked POST was sent


@dataclass
class Fleet:
    """Ingesting trucks: what each has had acknowledged and what it has sent."""

    trucks: list[str]
    acked: dict[str, int] = field(default_factory=dict)  # batches acknowledged (a prefix)
    # (monotonic time, batches acknowledged then) per truck: what a read must show
    acked_log: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    sent_upto: dict[str, int] = field(default_factory=dict)  # highest reading index sent
    stopping: bool = False

    def __post_init__(self) -> None:
        for truck in self.trucks:
            self.acked[truck] = 0
            self.acked_log[truck] = []
            self.sent_upto[truck] = -1

    def acked_by(self, truck: str, when: float) -> int:
        """Batches of ``truck`` acknowledged at or before ``when``."""
        return max((n for t, n in self.acked_log[truck] if t <= when), default=0)


def check_503(answer: httpx.Response, elapsed: float, tally: Tally, what: str) -> None:
    tally.slowest_503_s = max(tally.slowest_503_s, elapsed)
    if answer.headers.get("content-type") != "application/problem+json":
        tally.problems.append(f"{what}: 503 not problem+json: {answer.headers}")
    if not answer.headers.get("retry-after"):
        tally.problems.append(f"{what}: 503 without Retry-After")
    if elapsed > POOL_TIMEOUT_S + SLACK_S:
        tally.problems.append(f"{what}: 503 after {elapsed:.2f} s")


async def ingest_truck(http: httpx.AsyncClient, fleet: Fleet, truck: str, tally: Tally) -> None:
    """Send batch after batch; a batch whose answer is not 2xx (or a timeout) is sent again
    until it is acknowledged. Stops after its current batch once the fleet is stopping."""
    number = 0
    while not fleet.stopping:
        rows = batch_rows(truck, number)
        first = True
        while True:
            tally.attempts += 1
            if first:
                tally.sent += 1
                fleet.sent_upto[truck] = (number + 1) * BATCH - 1
            else:
                tally.retried += 1
            first = False
            started = time.monotonic()
            try:
                answer = await http.post(
                    "/api/v2/telemetry",
                    json={"readings": rows},
                    timeout=POOL_TIMEOUT_S + READ_TIMEOUT_S + SLACK_S + 2,
                )
            except httpx.TransportError as error:
                tally.transport_errors += 1
                tally.problems.append(f"POST {truck}#{number}: {type(error).__name__}")
                await asyncio.sleep(0.1)
                continue
            elapsed = time.monotonic() - started
            if answer.is_success:
                body = answer.json()
                tally.acknowledged += 1
                tally.accepted_rows += body["accepted"]
                tally.duplicate_rows += body["duplicates"]
                tally.acked_at.append(time.monotonic())
                tally.acked_sent_at.append(started)
                fleet.acked[truck] = number + 1
                fleet.acked_log[truck].append((time.monotonic(), number + 1))
                break
            if answer.status_code == 503:
                tally.answered_503 += 1
                check_503(answer, elapsed, tally, f"POST {truck}#{number}")
            else:
                tally.problems.append(f"POST {truck}#{number}: {answer.status_code} {answer.text}")
            await asyncio.sleep(0.1)  # a short back-off (Retry-After says 5 s; a test hurries)
        number += 1


async def read_trucks(http: httpx.AsyncClient, fleet: Fleet, tally: Tally) -> None:
    """/sensors of each truck in turn: a 200 must show a reading the truck sent, at least as
    new as what was acknowledged the freshness bound (FUEL_CACHE_MAX_AGE_S, the default
    0.5 s) before the request, with that reading's odometer."""
    while not fleet.stopping:
        for truck in fleet.trucks:
            started = time.monotonic()
            # the newest index acknowledged a bound before the request
            acked_before = fleet.acked_by(truck, started - FRESHNESS_S) * BATCH - 1
            try:
                answer = await http.get(f"/api/v2/trucks/{truck}/sensors", timeout=10)
            except httpx.TransportError as error:
                tally.problems.append(f"GET {truck}: {type(error).__name__}")
                continue
            elapsed = time.monotonic() - started
            tally.reads += 1
            if answer.status_code == 503:
                tally.reads_503 += 1
                check_503(answer, elapsed, tally, f"GET {truck}")
            elif answer.status_code == 404 and acked_before < 0:
                pass  # not registered yet
            elif answer.status_code == 200:
                tally.reads_ok += 1
                sensors = {s["name"]: s for s in answer.json()["sensors"]}
                odometer = sensors["odometer_mi"]
                index = round((datetime.fromisoformat(odometer["ts"]) - BASE).total_seconds())
                if not acked_before <= index <= fleet.sent_upto[truck]:
                    tally.problems.append(
                        f"GET {truck}: reading {index} outside [{acked_before}, "
                        f"{fleet.sent_upto[truck]}]"
                    )
                if odometer["value"] != ODOMETER0 + index:
                    tally.problems.append(f"GET {truck}: odometer {odometer} at {index}")
            else:
                tally.problems.append(f"GET {truck}: {answer.status_code} {answer.text}")
        await asyncio.sleep(0.05)


async def stored(engine: AsyncEngine, truck: str) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(readings.c.ts, readings.c.odometer_mi)
            .where(readings.c.truck_id == truck)
            .order_by(readings.c.ts)
        )
        out = []
        for ts, odometer in rows:
            index = round((ts.replace(tzinfo=UTC) - BASE).total_seconds())
            assert odometer == ODOMETER0 + index
            out.append(index)
        return out


# --- 1. the database goes away and comes back --------------------------------------------


@pytest.mark.parametrize("how", ["reset", "blackhole"])
async def test_mysql_outage_answers_503_recovers_and_loses_no_acknowledged_batch(
    direct: tuple[str, AsyncEngine], tmp_path: Path, how: str
) -> None:
    url, engine = direct
    async with proxied(url) as (proxy, via_proxy), service(via_proxy, tmp_path) as svc:
        http = svc.http
        trucks = [f"FLT-{how[0].upper()}{k}" for k in range(TRUCKS)]
        fleet = Fleet(trucks)
        tally = Tally()
        clients = [asyncio.create_task(ingest_truck(http, fleet, t, tally)) for t in trucks]
        clients += [asyncio.create_task(read_trucks(http, fleet, tally)) for _ in range(2)]
        await asyncio.sleep(2.0)
        assert tally.acknowledged > 0, tally.problems
        acked_before_outage = tally.acknowledged

        proxy.down(how)  # type: ignore[arg-type]
        down_at = time.monotonic()
        await asyncio.sleep(6.0)
        # no batch sent once the database was gone may be acknowledged before it is back. A
        # batch sent just before may be answered late and still rightly: committed before the
        # outage, its connection's return to the pool then waits for the read timeout
        during = [
            t for s, t in zip(tally.acked_sent_at, tally.acked_at, strict=True) if s > down_at
        ]
        health_down = await http.get("/health", timeout=POOL_TIMEOUT_S + SLACK_S + 1)
        assert health_down.status_code == 503

        proxy.up()
        up_at = time.monotonic()

        async def healthy() -> bool:
            return (await http.get("/health", timeout=10)).status_code == 200

        health_back = await within(RECOVERY_LIMIT_S + 5, healthy)

        async def ingesting() -> bool:
            return any(t > up_at for t in tally.acked_at)

        ingest_back = await within(RECOVERY_LIMIT_S + 5, ingesting)
        await asyncio.sleep(2.0)
        fleet.stopping = True
        async with asyncio.timeout(20):
            await asyncio.gather(*clients)

        # every batch was acknowledged in the end (clients retry until it is): each is stored,
        # once, and the 2xx answers' "accepted" add up to exactly what is stored
        stored_rows = 0
        for truck in trucks:
            indexes = await stored(engine, truck)
            stored_rows += len(indexes)
            assert indexes == list(range(fleet.acked[truck] * BATCH)), truck
        checked_out_after = await pool_checked_out(http)

        figures = {
            "fault": f"database {how}",
            "outage_s": round(up_at - down_at, 2),
            "batches_sent": tally.sent,
            "batch_size": BATCH,
            "posts": tally.attempts,
            "acknowledged": tally.acknowledged,
            "retried": tally.retried,
            "rows_acknowledged": tally.acknowledged * BATCH,
            "rows_accepted_in_answers": tally.accepted_rows,
            "rows_reported_duplicate": tally.duplicate_rows,  # committed, answer lost, retried
            "rows_stored": stored_rows,
            "answered_503": tally.answered_503 + tally.reads_503,
            "ingest_503": tally.answered_503,
            "reads": tally.reads,
            "reads_ok": tally.reads_ok,
            "reads_503": tally.reads_503,
            "slowest_503_s": round(tally.slowest_503_s, 3),
            "recovery_health_s": None if health_back is None else round(health_back, 2),
            "recovery_ingest_s": None if ingest_back is None else round(ingest_back, 2),
            "problems": tally.problems[:20],
        }
        write_figures(how, figures)

        assert tally.problems == []
        assert during == [], "acknowledged while the database was down: the proxy leaked"
        assert tally.answered_503 > 0
        assert tally.reads_503 > 0
        assert health_back is not None, figures
        assert health_back < RECOVERY_LIMIT_S, figures
        assert ingest_back is not None, figures
        assert ingest_back < RECOVERY_LIMIT_S, figures
        assert tally.acknowledged > acked_before_outage
        # a batch committed whose answer was lost (503) comes back as duplicates when retried
        assert stored_rows == tally.acknowledged * BATCH, figures
        assert tally.accepted_rows + tally.duplicate_rows == stored_rows, figures
        assert checked_out_after == 0 or await within(2.0, lambda: _idle(http)), (
            "connections still checked out after the outage"
        )
        assert unexpected_log_lines(svc.log_text()) == []


async def _idle(http: httpx.AsyncClient) -> bool:
    return await pool_checked_out(http) == 0


# --- 2. slow queries hold every connection ----------------------------------------------


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = await request
    return answer, time.monotonic() - started


async def test_mysql_pool_exhausted_by_slow_queries_answers_503_and_recovers(
    direct: tuple[str, AsyncEngine], tmp_path: Path
) -> None:
    """Two slow ingestions hold both pooled connections (each query 4 s late at the proxy): other
    requests wait POOL_TIMEOUT for a connection and get 503, /health answers at once (503,
    the pool exhausted), and once queries are fast again the held requests finish and the
    pool is idle again."""
    url, _engine = direct
    env = {"ASYNC_POOL_MIN": "2", "ASYNC_POOL_MAX": "2", "FUEL_DB_READ_TIMEOUT_S": "30",
           "FUEL_RECOMPUTE_INTERVAL_S": "0"}  # fmt: skip
    async with proxied(url) as (proxy, via_proxy), service(via_proxy, tmp_path, **env) as svc:
        http = svc.http
        assert (
            await http.post("/api/v2/telemetry", json={"readings": batch_rows("SLOW-1", 0)})
        ).is_success
        proxy.slow(4.0)
        slow_at = time.monotonic()
        # two ingestions, each holding a connection (reads of the live state share one
        # fleet-state read: two of them would hold one connection between them)
        holders = [
            asyncio.create_task(
                timed(http.post("/api/v2/telemetry", json={"readings": batch_rows(truck, 2)}))
            )
            for truck in ("SLOW-1", "SLOW-2")
        ]
        await asyncio.sleep(0.5)
        health, health_s = await timed(http.get("/health"))
        assert health.status_code == 503, health.text
        assert health.json()["pool"]["checked_out"] == 2, (health.text, health_s)
        assert "pool" in health.json()["database"]["error"]
        waiting = await asyncio.gather(
            timed(http.get("/api/v2/trucks/SLOW-1/sensors")),
            timed(http.get("/api/v2/trucks")),
            timed(http.post("/api/v2/telemetry", json={"readings": batch_rows("SLOW-1", 1)})),
        )
        proxy.up()
        held = await asyncio.gather(*holders)
        held_s = max(s for _, s in held)
        recovered = await within(1.0, lambda: _idle(http))
        after, after_s = await timed(http.get("/api/v2/trucks/SLOW-1/sensors"))
        figures = {
            "fault": "pool exhausted by slow queries (4 s each, pool of 2)",
            "health_answer_s": round(health_s, 3),
            "waiting_requests_503_after_s": [round(s, 3) for _, s in waiting],
            "held_requests_s": round(held_s, 3),
            "held_requests_status": [a.status_code for a, _ in held],
            "pool_idle_again_s": None if recovered is None else round(recovered, 3),
            "first_read_after_s": round(after_s, 3),
            "since_slow_s": round(time.monotonic() - slow_at, 2),
        }
        write_figures("pool-exhaustion", figures)

        assert health_s < 1.0, figures  # at once, not after POOL_TIMEOUT
        for answer, seconds in waiting:
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["retry-after"]
            assert POOL_TIMEOUT_S - 0.1 <= seconds <= POOL_TIMEOUT_S + SLACK_S, figures
        assert [a.status_code for a, _ in held] == [200, 200], figures  # slow, not failed
        assert recovered is not None, figures
        assert after.status_code == 200, figures
        assert after_s < 0.5, figures
        assert (await http.get("/health")).status_code == 200
        assert unexpected_log_lines(svc.log_text()) == []


# --- 3. SIGTERM during ingestion ----------------------------------------------------------


async def test_mysql_sigterm_during_ingestion_loses_no_acknowledged_batch_and_exits_0(
    direct: tuple[str, AsyncEngine], tmp_path: Path
) -> None:
    """Clients ingest without pause; SIGTERM: requests in flight finish (2xx) or the client
    sees a clean connection error, every acknowledged batch is stored, every database
    connection the service opened is closed with COM_QUIT (the pool disposed), exit 0."""
    url, engine = direct
    async with proxied(url) as (proxy, via_proxy), service(via_proxy, tmp_path) as svc:
        http = svc.http
        trucks = [f"TERM-{k}" for k in range(TRUCKS)]
        fleet = Fleet(trucks)
        in_flight: dict[str, float] = {}
        outcomes: list[str] = []
        signalled_at: list[float] = []

        async def ingest_until_refused(truck: str) -> None:
            number = 0
            while True:
                rows = batch_rows(truck, number)
                fleet.sent_upto[truck] = (number + 1) * BATCH - 1
                in_flight[truck] = time.monotonic()
                try:
                    answer = await http.post("/api/v2/telemetry", json={"readings": rows})
                except httpx.TransportError as error:
                    if not signalled_at:
                        outcomes.append(f"before SIGTERM: {type(error).__name__}")
                    elif in_flight[truck] < signalled_at[0]:
                        outcomes.append(f"in flight: {type(error).__name__}")
                    return  # the server is going away: a clean connection error
                finally:
                    started = in_flight.pop(truck)
                if signalled_at and started < signalled_at[0]:
                    outcomes.append(f"in flight: {answer.status_code}")
                if not answer.is_success:
                    outcomes.append(f"{answer.status_code}: {answer.text}")
                    return
                fleet.acked[truck] = number + 1
                number += 1

        clients = [asyncio.create_task(ingest_until_refused(t)) for t in trucks]
        await asyncio.sleep(1.5)
        assert all(fleet.acked[t] > 0 for t in trucks)
        signalled_at.append(time.monotonic())
        busy = len(in_flight)
        svc.process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(svc.process.wait, 20)
        exit_s = time.monotonic() - signalled_at[0]
        async with asyncio.timeout(10):
            await asyncio.gather(*clients)
        await asyncio.sleep(0.3)  # the proxy notices the last closes

        acked = sum(fleet.acked.values())
        lost = []
        for truck in trucks:
            indexes = await stored(engine, truck)
            acked_rows = fleet.acked[truck] * BATCH
            if indexes[:acked_rows] != list(range(acked_rows)):
                lost.append(truck)
            assert len(indexes) <= fleet.sent_upto[truck] + 1
        figures = {
            "fault": "SIGTERM during ingestion",
            "batches_acknowledged": acked,
            "requests_in_flight_at_sigterm": busy,
            "in_flight_outcomes": sorted(o for o in outcomes if o.startswith("in flight")),
            "exit_code": exit_code,
            "exit_after_s": round(exit_s, 2),
            "db_connections_closed_with_quit": proxy.ended_with_quit,
            "db_connections_closed_without_quit": proxy.ended_without_quit,
        }
        write_figures("sigterm", figures)
        assert exit_code == 0, figures
        assert lost == [], figures
        assert [o for o in outcomes if not o.startswith("in flight")] == [], figures
        assert all(o in ("in flight: 200", "in flight: ConnectError", "in flight: ReadError",
                         "in flight: RemoteProtocolError")
                   for o in outcomes), figures  # fmt: skip
        assert proxy.open_links == 0, figures
        assert proxy.ended_with_quit > 0, figures
        assert proxy.ended_without_quit == 0, figures
        assert unexpected_log_lines(svc.log_text()) == []


# --- 4. a client that hangs up during a slow request ----------------------------------------


async def test_mysql_client_hanging_up_on_a_slow_request_frees_its_connection(
    direct: tuple[str, AsyncEngine], tmp_path: Path
) -> None:
    """A fleet summary whose queries are slow (3 s each at the proxy); the client hangs up
    after 0.5 s: the connection is back in the pool within a second, while the queries are
    still slow, and nothing is logged as an error."""
    url, _engine = direct
    env = {"FUEL_DB_READ_TIMEOUT_S": "30", "FUEL_RECOMPUTE_INTERVAL_S": "0"}
    async with proxied(url) as (proxy, via_proxy), service(via_proxy, tmp_path, **env) as svc:
        http = svc.http
        for truck in ("HANG-1", "HANG-2"):
            rows = batch_rows(truck, 0)
            assert (await http.post("/api/v2/telemetry", json={"readings": rows})).is_success
        assert await pool_checked_out(http) == 0
        proxy.slow(3.0)
        async with httpx.AsyncClient(base_url=http.base_url, timeout=30) as impatient:
            summary = asyncio.create_task(impatient.get("/api/v2/fleet/summary"))
            await asyncio.sleep(0.5)
            assert await pool_checked_out(http) == 1  # the summary's, in a slow query
            summary.cancel()  # the client hangs up: its connection is closed
            with pytest.raises(asyncio.CancelledError):
                await summary
        hung_up = time.monotonic()
        freed = await within(1.0, lambda: _idle(http))
        figures = {
            "fault": "client hangs up on a slow fleet summary",
            "connection_back_in_pool_s": None if freed is None else round(freed, 3),
            "checked_out_after_s": round(time.monotonic() - hung_up, 2),
        }
        proxy.up()
        write_figures("disconnect", figures)
        assert freed is not None, figures
        assert (await http.get("/api/v2/fleet/summary")).status_code == 200
        assert unexpected_log_lines(svc.log_text()) == []
