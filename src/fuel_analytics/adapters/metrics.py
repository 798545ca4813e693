"""Prometheus metrics: every metric the service exports, defined once, and their rendering.

Metrics live in prometheus-client's default registry. With several worker processes
(``PROMETHEUS_MULTIPROC_DIR`` set before the worker starts) each process writes its values to
files in that directory and a scrape, answered by any one worker, adds them up; gauges say how
(``livesum``: the sum over the workers alive now).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
from collections import Counter as Tally
from collections.abc import Sequence

import prometheus_client
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from fuel_analytics.domain.fuel.model import FuelEvent, FuelEventKind

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# no `_created` twin of every counter and histogram series: nothing here reads them
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUERY_BUCKETS = (0.0005, *HTTP_BUCKETS)
WAIT_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "fuel_http_requests",
    "HTTP requests answered, by method, route template and status code",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "fuel_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer (streamed bodies included)",
    ["method", "route"],
    buckets=HTTP_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "fuel_http_requests_in_flight",
    "Requests being answered now",
    multiprocess_mode="livesum",
)

DB_UP = Gauge(
    "fuel_db_up",
    "1 when the database answered SELECT 1 at the last scrape, else 0",
    multiprocess_mode="livemostrecent",
)
DB_POOL_SIZE = Gauge(
    "fuel_db_pool_size",
    "Connections the pool keeps (ASYNC_POOL_MIN per worker)",
    multiprocess_mode="livesum",
)
DB_POOL_MAX = Gauge(
    "fuel_db_pool_max",
    "Most connections the pool opens, overflow included (ASYNC_POOL_MAX per worker)",
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "fuel_db_pool_checked_out",
    "Connections in use",
    multiprocess_mode="livesum",
)
DB_POOL_OVERFLOW = Gauge(
    "fuel_db_pool_overflow",
    "Connections open beyond the pool size",
    multiprocess_mode="livesum",
)
DB_POOL_WAITS = Counter(
    "fuel_db_pool_waits",
    "Checkouts that found every connection in use and had to wait for one",
)
DB_POOL_WAIT = Histogram(
    "fuel_db_pool_wait_seconds",
    "Time to get a usable connection: waiting for a free one, opening or pre-pinging it",
    buckets=WAIT_BUCKETS,
)
DB_QUERY = Histogram(
    "fuel_db_query_duration_seconds",
    "Database round trip of one statement",
    buckets=QUERY_BUCKETS,
)

INGEST_ROWS = Counter(
    "fuel_ingest_rows",
    "Telemetry rows ingested, by outcome: accepted, duplicate or rejected",
    ["outcome"],
)
FUEL_EVENTS = Counter(
    "fuel_fuel_events",
    "Fuel events detected by the recompute of derived results, by kind (new events only)",
    ["kind"],
)
EXPORT_ROWS = Counter(
    "fuel_export_rows",
    "Rows written by the export endpoints, by file format",
    ["format"],
)

# every known label value from the start, at 0: rate() and increase() see a series that has not
# moved yet (an alert on "no ingestion" needs the series to exist before the first row)
for _outcome in ("accepted", "duplicate", "rejected"):
    INGEST_ROWS.labels(outcome=_outcome)
for _kind in FuelEventKind:
    FUEL_EVENTS.labels(kind=str(_kind))
for _format in ("csv", "xlsx"):
    EXPORT_ROWS.labels(format=_format)


class PrometheusMetrics:
    """The services' ``Metrics`` port, on the counters above."""

    def readings_ingested(self, accepted: int, duplicates: int, rejected: int) -> None:
        for outcome, count in (
            ("accepted", accepted),
            ("duplicate", duplicates),
            ("rejected", rejected),
        ):
            INGEST_ROWS.labels(outcome=outcome).inc(count)

    def fuel_events_detected(self, events: Sequence[FuelEvent]) -> None:
        for kind, count in Tally(str(e.kind) for e in events).items():
            FUEL_EVENTS.labels(kind=kind).inc(count)


def exported_rows(file_format: str, count: int) -> None:
    EXPORT_ROWS.labels(format=file_format).inc(count)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render() -> bytes:
    """The text exposition of every metric: this process's, or all workers' in
    multiprocess mode."""
    path = multiprocess_dir()
    if path is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def clear_multiprocess_dir(path: str) -> None:
    """Remove the value files a previous run left: prometheus-client's ``*.db`` files only
    (the directory may hold other things), and not this process's own (in use already)."""
    mine = f"_{os.getpid()}.db"
    for name in glob.glob(os.path.join(path, "*.db")):
        if not name.endswith(mine):
            with contextlib.suppress(FileNotFoundError):
                os.remove(name)


_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w+?_(\d+)\.db$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_started() -> None:
    """Multiprocess mode: forget the live gauges of workers that died without saying so
    (a crash; the supervisor starts a new worker), so that ``livesum`` counts the living."""
    path = multiprocess_dir()
    if path is None:
        return
    dead = {
        int(match.group(1))
        for name in os.listdir(path)
        if (match := _LIVE_GAUGE_FILE.match(name)) and not _alive(int(match.group(1)))
    }
    for pid in dead:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def worker_stopping() -> None:
    """Multiprocess mode: this worker's live gauges leave the sums."""
    path = multiprocess_dir()
    if path is not None:
        multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]
