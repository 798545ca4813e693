"""`fuel-analytics`: serve, migrate, import files, load and run the demo fleet."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging.config
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from tqdm import tqdm

from fuel_analytics.adapters.exports.csv_writer import csv_chunks
from fuel_analytics.adapters.exports.xlsx_writer import xlsx_chunks
from fuel_analytics.adapters.metrics import MULTIPROC_ENV, clear_multiprocess_dir
from fuel_analytics.adapters.sqlalchemy.dirty import SqlDirtyDays
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.domain.auth import ANONYMOUS, Scope, parse_scopes
from fuel_analytics.domain.errors import DomainError
from fuel_analytics.domain.export import Rows
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.domain.model import Rejection
from fuel_analytics.domain.telemetry import (
    UndecodableRow,
    from_text_fields,
    parse_timestamp,
    parse_truck_id,
)
from fuel_analytics.entrypoints.container import Container, build_container, resolved, start, stop
from fuel_analytics.entrypoints.evaluate import report, run_evaluation
from fuel_analytics.entrypoints.logs import logging_config
from fuel_analytics.entrypoints.retention import run_retention
from fuel_analytics.entrypoints.settings import Settings
from fuel_analytics.services.derived import DerivedResults
from fuel_analytics.services.exports import ExportService
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.keys import KeyService
from fuel_analytics.services.registry import RegistryService
from fuel_analytics.simulation import FleetConfig, simulate_fleet
from fuel_analytics.simulation.component_scoring import component_report, evaluate_components
from fuel_analytics.simulation.trip_scoring import evaluate_trips, trip_report

DEMO_KEY_NAME = "demo"
IMPORT_BATCH = 1_000
DEMO_BATCH = 2_000
SHOWN_REJECTIONS = 20


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Container]:
    container = build_container(settings)
    await start(container)
    try:
        yield container
    finally:
        await stop(container)


async def migrate(settings: Settings) -> None:
    async with running(settings) as container:
        before, after = await upgrade(await resolved(container.engine()))
    where = settings.resolved_database_url.split("@")[-1]
    if before == after:
        print(f"schema already at {after} ({where})")
    else:
        print(f"schema upgraded {before or 'empty'} -> {after} ({where})")


def _rows(path: Path) -> Iterator[tuple[object, int]]:
    """(row, bytes consumed) from a CSV (header row) or NDJSON file."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield from_text_fields(row), sum(len(v or "") + 1 for v in row.values())
        return
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                yield orjson.loads(line), len(line)
            except orjson.JSONDecodeError as error:
                yield UndecodableRow(f"malformed JSON line: {error}"), len(line)


async def import_file(settings: Settings, path: Path, batch_size: int, size: int) -> int:
    accepted = duplicates = 0
    rejected: list[Rejection] = []
    async with running(settings) as container:
        ingest: IngestService = await resolved(container.ingest_service())
        batch: list[object] = []
        index = 0
        with tqdm(total=size, unit="B", unit_scale=True, desc=path.name) as bar:

            async def flush() -> None:
                nonlocal accepted, duplicates, index
                result = await ingest.ingest(batch, first_index=index)
                accepted += result.accepted
                duplicates += result.duplicates
                rejected.extend(result.rejected)
                index += len(batch)
                batch.clear()

            for row, size in _rows(path):
                batch.append(row)
                bar.update(size)
                if len(batch) >= batch_size:
                    await flush()
            if batch:
                await flush()
    print(f"accepted={accepted} duplicates={duplicates} rejected={len(rejected)}")
    for rejection in rejected[:SHOWN_REJECTIONS]:
        print(f"  row {rejection.index}: {rejection.field}: {rejection.reason}")
    if len(rejected) > SHOWN_REJECTIONS:
        print(f"  ... and {len(rejected) - SHOWN_REJECTIONS} more")
    return 1 if rejected else 0


async def load_demo(settings: Settings, *, force: bool = False) -> None:
    async with running(settings) as container:
        await upgrade(await resolved(container.engine()))
        readings = await resolved(container.readings())
        existing = await readings.count()
        if existing and not force:
            print(f"demo data present ({existing} readings): reusing it")
            await demo_key(container, settings)
            return
        config = FleetConfig(
            trucks=settings.demo_trucks,
            days=settings.demo_days,
            seed=settings.demo_seed,
            end=datetime.now(UTC).replace(second=0, microsecond=0),
        )
        fleet = simulate_fleet(config)
        registry: RegistryService = await resolved(container.registry_service())
        ingest: IngestService = await resolved(container.ingest_service())
        for truck in fleet.trucks:
            await registry.put(truck)
        stored = 0
        desc = f"demo fleet: {config.trucks} trucks x {config.days} days"
        with tqdm(total=fleet.reading_count(), unit="readings", desc=desc) as bar:
            batch = []
            for reading in fleet.iter_readings():
                batch.append(reading)
                if len(batch) >= DEMO_BATCH:
                    stored += (await ingest.ingest_readings(batch)).accepted
                    bar.update(len(batch))
                    batch = []
            if batch:
                stored += (await ingest.ingest_readings(batch)).accepted
                bar.update(len(batch))
        print(f"demo fleet loaded: {len(fleet.trucks)} trucks, {stored} readings")
        await recompute_pending(container)
        await demo_key(container, settings)


async def demo_key(container: Container, settings: Settings) -> str:
    """A fresh read key for the demo at every start (only hashes are stored, so the previous
    one cannot be shown again: it is revoked), printed with a curl line and the dashboard's
    URL that hands it to the page."""
    keys: KeyService = await resolved(container.key_service())
    for old in await keys.list(ANONYMOUS):
        if old.name == DEMO_KEY_NAME and old.active:
            await keys.revoke(old.key_id, actor=ANONYMOUS)
    _, text = await keys.create([Scope.READ], name=DEMO_KEY_NAME, actor=ANONYMOUS)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{host}:{settings.port}"
    print(f"demo API key (scope read; a new one at every start): {text}")
    print(f"  curl -H 'Authorization: Bearer {text}' {base}/api/v2/fleet/summary")
    print(f"  dashboard: {base}/#key={text}")
    if settings.auth == "off":
        print("  (FUEL_AUTH=off: the API answers without a key too)")
    return text


async def keys_command(settings: Settings, args: Any) -> int:
    """`keys create|list|revoke`: the key's text is printed once, at creation."""
    async with running(settings) as container:
        keys: KeyService = await resolved(container.key_service())
        if args.keys_command == "create":
            try:
                scopes = parse_scopes(args.scope)
            except ValueError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            key, text = await keys.create(
                scopes, carrier_id=args.carrier, name=args.name, actor=ANONYMOUS
            )
            print(f"created key {key.key_id}: scopes {','.join(key.scopes)}, "
                  f"carrier {key.carrier_id or '(all)'}, name {key.name!r}")  # fmt: skip
            print("the key (shown this once; only its hash is stored):")
            print(text)
        elif args.keys_command == "list":
            print(f"{'key_id':<16}  {'scopes':<18}  {'carrier':<16}  {'created':<20}  "
                  "state     name")  # fmt: skip
            for key in await keys.list(ANONYMOUS):
                state = "active" if key.active else "revoked"
                created = key.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                carrier = key.carrier_id or "(all)"
                print(f"{key.key_id:<16}  {','.join(key.scopes):<18}  {carrier:<16}  "
                      f"{created:<20}  {state:<8}  {key.name}")  # fmt: skip
        else:
            revoked = await keys.revoke(args.key_id, actor=ANONYMOUS)
            print(f"revoked key {revoked.key_id}")
    return 0


async def retention(settings: Settings, *, dry_run: bool) -> int:
    async with running(settings) as container:
        return await run_retention(container, dry_run=dry_run)


async def recompute_pending(container: Container) -> None:
    """Compute every stale derived result now (fuel rollups and events), with a bar."""
    derived: DerivedResults = await resolved(container.derived_results())
    dirty: SqlDirtyDays = await resolved(container.dirty_days())
    total = len(await dirty.oldest(1_000_000))
    with tqdm(total=total, unit="truck-days", desc="derived results") as bar:
        while done := await derived.refresh_pending(100):
            bar.update(done)


async def export(settings: Settings, args: Any) -> int:
    """Write an export to a file, with a bar counting rows."""
    async with running(settings) as container:
        exports: ExportService = await resolved(container.export_service())
        trucks = None if args.truck_id is None else [parse_truck_id(t) for t in args.truck_id]
        if args.what == "fuel-report":
            if args.format != "xlsx":
                print("error: the fuel report is a workbook: use --format xlsx", file=sys.stderr)
                return 2
            tables = await exports.fuel_report_tables(exports.fuel.period(args.start, args.end))
        elif args.what == "readings":
            period = exports.period(args.start, args.end)
            columns = exports.reading_columns(args.columns)
            tables = [
                await exports.readings_table(
                    trucks, period, columns, text_timestamps=args.format == "csv"
                )
            ]
        else:
            period = exports.period(args.start, args.end)
            query = EventQuery(truck_ids=trucks, start=period.start, end=period.end)
            tables = [await exports.events_table(query)]
        with tqdm(unit="rows", desc=f"{args.what} -> {args.out}") as bar:
            counted = [replace(t, rows=_counting(t.rows, bar)) for t in tables]
            chunks = csv_chunks(counted[0]) if args.format == "csv" else xlsx_chunks(counted)
            with open(args.out, "wb") as handle:  # noqa: ASYNC230 - a local file, chunk by chunk
                async for chunk in chunks:
                    handle.write(chunk)
    print(f"wrote {args.out}")
    return 0


async def _counting(rows: Rows, bar: tqdm[Any]) -> Rows:
    async for batch in rows:
        bar.update(len(batch))
        yield batch


def _when(text: str) -> datetime:
    try:
        return parse_timestamp(text, "from/to")
    except DomainError as error:
        raise argparse.ArgumentTypeError(error.detail) from None


# uvicorn's httptools protocol, each answer sent in one write (entrypoints/http/protocol.py)
HTTP_PROTOCOL = "fuel_analytics.entrypoints.http.protocol:TurnBufferedHttpToolsProtocol"


def _stopped(signum: int, frame: object) -> None:
    """After uvicorn's graceful shutdown it raises the signal again for the previous
    handler: this one, so a SIGTERM-ed server that finished its requests exits 0."""
    raise SystemExit(0)


@contextmanager
def metrics_dir(workers: int) -> Iterator[str | None]:
    """Prometheus multiprocess mode: PROMETHEUS_MULTIPROC_DIR as given (emptied of a previous
    run's files), or, for several workers, a fresh directory removed at exit. The workers,
    started afterwards, inherit the variable (set before they import prometheus-client)."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        os.makedirs(given, exist_ok=True)
        clear_multiprocess_dir(given)
        yield given
    elif workers > 1:
        path = tempfile.mkdtemp(prefix="fuel-analytics-metrics-")
        os.environ[MULTIPROC_ENV] = path
        try:
            yield path
        finally:
            os.environ.pop(MULTIPROC_ENV, None)
            shutil.rmtree(path, ignore_errors=True)
    else:
        yield None


def serve(settings: Settings) -> None:
    log_config = logging_config(settings.log_level, settings.log_format)
    logging.config.dictConfig(log_config)
    if settings.resolved_database_url.startswith("sqlite") and settings.workers > 1:
        print("note: SQLite serialises writes; use MySQL for several workers", file=sys.stderr)
    signal.signal(signal.SIGTERM, _stopped)
    with metrics_dir(settings.workers):
        uvicorn.run(
            "fuel_analytics.entrypoints.http.asgi:create",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            log_config=log_config,  # applied again in each worker process
            timeout_graceful_shutdown=settings.graceful_timeout_s,
            access_log=False,  # the app writes its own access log (fuel_analytics.access)
            http=HTTP_PROTOCOL,
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fuel-analytics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP service (FUEL_HOST, FUEL_PORT, FUEL_WORKERS)")
    sub.add_parser("migrate", help="create or upgrade the database schema")
    imp = sub.add_parser("import", help="load a CSV or NDJSON file of readings")
    imp.add_argument("file", type=Path)
    imp.add_argument("--batch-size", type=int, default=IMPORT_BATCH)
    demo = sub.add_parser("load-demo", help="migrate and load the demo fleet (once)")
    demo.add_argument("--force", action="store_true", help="load again even if data exists")
    sub.add_parser("demo", help="migrate, load the demo fleet if empty, then serve")
    keys = sub.add_parser("keys", help="API keys: create, list, revoke")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it (once)")
    create.add_argument("--scope", required=True, help="read, ingest, admin, comma-separated")
    create.add_argument("--carrier", default=None, help="the carrier whose trucks it sees")
    create.add_argument("--name", default="", help="what the key is for")
    keys_sub.add_parser("list", help="every key (never its secret)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key: it answers 401 from now on")
    revoke.add_argument("key_id")
    comp = sub.add_parser(
        "evaluate-components", help="predictive maintenance lead times against simulated truth"
    )
    comp.add_argument("--seed", type=int, default=42)
    comp.add_argument("--trucks", type=int, default=25)
    comp.add_argument("--days", type=int, default=45)
    trips = sub.add_parser("evaluate-trips", help="trip detection against simulated truth")
    trips.add_argument("--seed", type=int, default=42)
    trips.add_argument("--trucks", type=int, default=25)
    trips.add_argument("--days", type=int, default=14)
    exp = sub.add_parser("export", help="write readings, fuel events or the fuel report")
    exp.add_argument("what", choices=["readings", "fuel-events", "fuel-report"])
    exp.add_argument("--from", dest="start", type=_when, default=None, help="RFC 3339")
    exp.add_argument("--to", dest="end", type=_when, default=None, help="RFC 3339")
    exp.add_argument("--truck-id", action="append", help="repeat for several trucks")
    exp.add_argument("--columns", type=lambda s: s.split(","), default=None)
    exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exp.add_argument("--out", required=True, type=Path)
    ret = sub.add_parser(
        "retention", help="drop raw readings past FUEL_READINGS_RETENTION_DAYS (cron)"
    )
    ret.add_argument("--dry-run", action="store_true", help="only show what would be done")
    ev = sub.add_parser("evaluate", help="detection precision/recall against simulated truth")
    ev.add_argument("--seed", type=int, default=42)
    ev.add_argument("--trucks", type=int, default=50)
    ev.add_argument("--days", type=int, default=30)
    ev.add_argument(
        "--database-url", default=None, help="default: a temporary SQLite file (discarded)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args: Any = _parser().parse_args(argv)
    settings = Settings()
    if args.command == "serve":
        serve(settings)
    elif args.command == "migrate":
        asyncio.run(migrate(settings))
    elif args.command == "import":
        if not args.file.is_file():
            print(f"error: no such file: {args.file}", file=sys.stderr)
            return 2
        size = args.file.stat().st_size
        return asyncio.run(import_file(settings, args.file, args.batch_size, size))
    elif args.command == "keys":
        try:
            return asyncio.run(keys_command(settings, args))
        except DomainError as error:
            print(f"error: {error.detail}", file=sys.stderr)
            return 1
    elif args.command == "retention":
        return asyncio.run(retention(settings, dry_run=args.dry_run))
    elif args.command == "load-demo":
        asyncio.run(load_demo(settings, force=args.force))
    elif args.command == "export":
        try:
            return asyncio.run(export(settings, args))
        except DomainError as error:
            print(f"error: {error.detail}", file=sys.stderr)
            return 2
    elif args.command == "evaluate":
        run = asyncio.run(
            run_evaluation(
                trucks=args.trucks, days=args.days, seed=args.seed, database_url=args.database_url
            )
        )
        print(report(run))
    elif args.command == "evaluate-components":
        end = datetime(2026, 1, 31, tzinfo=UTC)
        fleet = simulate_fleet(
            FleetConfig(trucks=args.trucks, days=args.days, seed=args.seed, end=end)
        )
        print(component_report(evaluate_components(fleet)))
    elif args.command == "evaluate-trips":
        end = datetime(2026, 1, 31, tzinfo=UTC)
        fleet = simulate_fleet(
            FleetConfig(trucks=args.trucks, days=args.days, seed=args.seed, end=end)
        )
        print(trip_report(evaluate_trips(fleet)))
    elif args.command == "demo":
        asyncio.run(load_demo(settings))
        serve(settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
