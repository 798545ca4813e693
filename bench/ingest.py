"""The store's ingestion rate on SQLite and MariaDB, side by side in one run.

    .venv/bin/python -m bench.ingest [--trucks 5] [--per-truck 13000] [--batch 2000]

Each database twice: batches of one truck's consecutive readings (truck-major, a backfill)
and of every truck at one instant (time-major, a gateway's live batch).

Synthetic readings (one a minute and a half per truck) stored through SqlReadings.store in
batches, into a fresh SQLite file and a fresh schema in the `fuel_bench_ingest` MariaDB database.
The HTTP path (JSON parsing, validation) comes on top; `make bench` (issue 7) measures that.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from fuel_analytics.adapters.sqlalchemy import readings as sql_readings
from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.adapters.sqlalchemy.tables import metadata
from fuel_analytics.domain.model import Reading, TruckId

DEFAULT_RANGE_SCAN_MIN = sql_readings.RANGE_SCAN_MIN
MYSQL = "mysql+asyncmy://fuel_test:fuel_test@127.0.0.1:3306/fuel_bench_ingest"


def readings(trucks: int, per_truck: int) -> list[Reading]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        Reading(truck_id=TruckId(f"ING-{t}"), ts=start + timedelta(seconds=90 * i),
                fuel_level_pct=50.0, speed_mph=40.0, rpm=1200.0, odometer_mi=1000 + i * 0.5,
                coolant_temp_f=190.0, battery_voltage=13.9, lat=41.0, lon=-90.0)
        for t in range(trucks)
        for i in range(per_truck)
    ]  # fmt: skip


async def rate(url: str, rows: list[Reading], batch: int) -> float:
    engine = create_engine(url, PoolConfig())
    async with engine.begin() as conn:  # a fresh schema every run
        await conn.run_sync(metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await upgrade(engine)
    store = SqlReadings(engine)
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        await store.store(rows[i : i + batch])
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return len(rows) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trucks", type=int, default=5)
    parser.add_argument("--per-truck", type=int, default=13_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--mysql-url", default=MYSQL)
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run with a range scan per truck for every batch (the existence check "
        "before primary-key lookups replaced it for trucks with few readings in a batch)",
    )
    args = parser.parse_args()
    by_truck = readings(args.trucks, args.per_truck)
    # the same readings in two batch shapes: a truck's run (a backfill) and every truck at
    # one instant (what a gateway sends live)
    by_time = sorted(by_truck, key=lambda r: (r.ts, r.truck_id))
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = f"sqlite+aiosqlite:///{Path(scratch) / 'ingest.db'}"
        for name, url in (("SQLite", sqlite), ("MariaDB", args.mysql_url)):
            for shape, rows in (("truck-major", by_truck), ("time-major", by_time)):
                for lookups in (False, True) if args.baseline else (True,):
                    sql_readings.RANGE_SCAN_MIN = DEFAULT_RANGE_SCAN_MIN if lookups else 1
                    found = asyncio.run(rate(url, rows, args.batch))
                    check = "" if lookups else "  (baseline: a range scan per truck)"
                    print(f"{name:<8} {shape:<12} {found:>10,.0f} readings/s{check}")


if __name__ == "__main__":
    main()
