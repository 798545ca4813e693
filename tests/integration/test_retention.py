"""Monthly partitions of readings (MySQL) and the raw readings retention, on SQLite and MySQL.

Months are counted from the real current month: the migration creates the months ahead of
the wall clock, the retention runs are given a fixed clock eight months later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from dependency_injector import providers
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy import partitions, retention
from fuel_analytics.adapters.sqlalchemy.fuel import daily_to_row, event_to_row
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.schema import alembic_config, upgrade
from fuel_analytics.adapters.sqlalchemy.tables import (
    component_buckets,
    dirty_days,
    fuel_daily,
    fuel_events,
    readings,
    trips,
)
from fuel_analytics.adapters.sqlalchemy.trips import SqlTripResults
from fuel_analytics.domain.model import Reading, TruckId
from fuel_analytics.domain.retention import CATCH_ALL, add_months, month_start, partition_name
from fuel_analytics.entrypoints import cli
from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.retention import run_retention
from tests.conftest import NOW
from tests.fuel_contract import daily, event
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for
from tests.trip_contract import trip

THIS_MONTH = month_start(datetime.now(UTC))
# the retention runs' clock: the 15th of the month eight months from now
LATER = add_months(THIS_MONTH, 8) + timedelta(days=14, hours=12)
RETENTION_DAYS = 40  # at LATER: readings from the month seven months from now are kept


def month(count: int, day: int = 1, hour: int = 0) -> datetime:
    """The ``day`` of the month ``count`` months from this one."""
    return add_months(THIS_MONTH, count) + timedelta(days=day - 1, hours=hour)


def is_mysql(engine: AsyncEngine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")


def _downgrade(conn: Connection, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, target)


async def repartition(engine: AsyncEngine) -> None:
    """Migration 0006 again, from 0005, over what readings holds now."""
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, "0005")
    await upgrade(engine)


async def layout(engine: AsyncEngine) -> list[tuple[str, datetime | None]]:
    async with engine.connect() as conn:
        found = await conn.run_sync(partitions.partitions)
    return [(p.name, p.below) for p in found]


async def count_in(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as conn:
        return await conn.run_sync(partitions.count_in, name)


async def put(engine: AsyncEngine, truck: str, *moments: datetime) -> None:
    """Readings straight into the table (no stale marks, no latest state)."""
    rows = [
        {"truck_id": truck, "ts": ts, "fuel_level_pct": 50.0, "odometer_mi": 1000.0}
        for ts in moments
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(readings), rows)


async def stored(engine: AsyncEngine) -> set[tuple[str, datetime]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(readings.c.truck_id, readings.c.ts))
        return {(r.truck_id, r.ts) for r in rows}


async def table_rows(engine: AsyncEngine, table: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return sorted(tuple(r) for r in await conn.execute(select(table)))


@pytest.fixture
async def repartitioned(db: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The test database; afterwards readings is emptied and partitioned afresh (the tests
    here change its partitions)."""
    yield db
    async with db.begin() as conn:
        await conn.execute(delete(readings))
    await repartition(db)


async def test_the_migration_partitions_readings_by_month_on_mysql(
    repartitioned: AsyncEngine,
) -> None:
    engine = repartitioned
    moments = [month(-14, 3), month(-14, 28, 23), month(-13, 1), month(-2, 15), month(6, 2)]
    await put(engine, "T1", *moments)
    await repartition(engine)
    assert await stored(engine) == {("T1", m) for m in moments}
    if not is_mysql(engine):
        return  # nothing to partition on SQLite
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, "0005")
    assert await layout(engine) == []
    await upgrade(engine)
    # every month holding readings, this month and the next three, then the catch-all
    bounds = [month(n) for n in (-13, -12, -1, 1, 2, 3, 4, 7)]
    assert await layout(engine) == [(partition_name(b), b) for b in bounds] + [(CATCH_ALL, None)]
    assert [p for p, _ in await layout(engine)][:3] == [
        f"p{month(-14):%Y%m}",
        f"p{month(-13):%Y%m}",
        f"p{month(-2):%Y%m}",
    ]
    counts = {name: await count_in(engine, name) for name, _ in await layout(engine)}
    assert counts[f"p{month(-14):%Y%m}"] == 2
    assert counts[f"p{month(-13):%Y%m}"] == 1
    assert counts[f"p{month(-2):%Y%m}"] == 1
    assert counts[f"p{month(6):%Y%m}"] == 1
    assert sum(counts.values()) == len(moments)
    assert await stored(engine) == {("T1", m) for m in moments}


async def test_readings_older_and_newer_than_every_partition_are_stored(
    db: AsyncEngine,
) -> None:
    old = Reading(truck_id=TruckId("T1"), ts=month(-30, 5), fuel_level_pct=40.0)
    far = Reading(truck_id=TruckId("T1"), ts=month(12, 5), fuel_level_pct=41.0)
    result = await SqlReadings(db).store([old, far])
    assert (result.accepted, result.duplicates) == (2, 0)
    assert await SqlReadings(db).readings(TruckId("T1")) == [old, far]
    assert (await SqlReadings(db).store([old, far])).duplicates == 2
    if is_mysql(db):
        parts = await layout(db)
        assert parts[-1] == (CATCH_ALL, None)
        assert all(below is None or below <= month(4) for _, below in parts)
        assert await count_in(db, parts[0][0]) == 1  # the first partition takes the oldest
        assert await count_in(db, CATCH_ALL) == 1  # beyond the last month: the catch-all


async def _rollups(engine: AsyncEngine) -> None:
    """Derived results of T1 in expired and in kept months."""
    days = [month(-3, 10).date(), month(5, 10).date(), month(8, 10).date()]
    refuel = replace(event("T1", 0), start=month(-3, 10, 8), end=month(-3, 10, 9))
    async with engine.begin() as conn:
        await conn.execute(insert(fuel_daily), [daily_to_row(daily("T1", d)) for d in days])
        await conn.execute(insert(fuel_events), [event_to_row(refuel)])
        await conn.execute(
            insert(component_buckets),
            [
                {"truck_id": "T1", "monitor_key": "coolant_temp_f", "resolution": width,
                 "start": start, "count": 60, "mean": 190.5, "min": 180.0, "max": 201.0,
                 "p95": 199.0}
                for width, start in [("day", month(-3, 10)), ("hour", month(5, 10, 7))]
            ],
        )  # fmt: skip
    await SqlTripResults(engine).replace(
        TruckId("T1"), days[0], days[0] + timedelta(days=1), [trip("T1", month(-3, 10, 6))]
    )


async def run(
    engine: AsyncEngine, database_url: str, *, dry_run: bool, days: int = RETENTION_DAYS
) -> int:
    container = build_container(settings_for(database_url, readings_retention_days=days))
    container.engine.override(providers.Object(engine))
    container.clock.override(providers.Object(FixedClock(LATER)))
    return await run_retention(container, dry_run=dry_run)


async def test_retention_drops_expired_whole_months_and_keeps_the_rollups(
    repartitioned: AsyncEngine,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = repartitioned
    monkeypatch.setattr(retention, "DELETE_CHUNK", 2)  # SQLite deletes in several chunks
    keep_from = month(7)  # 40 days before LATER is early in month 7, whatever the months
    expired = {
        ("T1", month(-3, 10)),
        ("T1", month(5, 10)),
        ("T1", month(7) - timedelta(microseconds=1)),  # the last instant of month 6
        ("T2", month(6, 10, 9)),
    }
    kept = {
        ("T1", month(7)),  # its first instant
        ("T1", month(7, 9)),
        ("T1", month(8, 9)),
        ("T2", month(8, 9, 9)),
    }
    for truck, ts in expired | kept:
        await put(engine, truck, ts)
    await repartition(engine)  # partitions for the months that hold readings now
    await _rollups(engine)
    stale = [
        {"truck_id": "T2", "day": d, "version": 1, "marked_at": LATER}
        for d in (month(6, 10).date(), month(8, 9).date())
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(dirty_days), stale)
    rollup_tables = (fuel_daily, fuel_events, component_buckets, trips)
    t1_rollups = [
        [row for row in await table_rows(engine, table) if "T1" in row] for table in rollup_tables
    ]
    assert all(t1_rollups)
    before = await layout(engine) if is_mysql(engine) else []

    assert await run(engine, database_url, dry_run=True) == 0
    printed = capsys.readouterr().out
    assert "dry run: nothing is changed" in printed
    assert f"readings before {keep_from:%Y-%m-%d} expire" in printed
    dropped, added = (7, 3) if before else (0, 0)
    assert (
        f"dry run: readings_to_remove=4 partitions_to_drop={dropped} "
        f"partitions_to_add={added} stale_days_to_recompute=1"
    ) in printed
    assert await stored(engine) == expired | kept
    assert len(await table_rows(engine, dirty_days)) == 2
    if before:
        assert await layout(engine) == before

    assert await run(engine, database_url, dry_run=False) == 0
    printed = capsys.readouterr().out
    assert "recomputed 1 stale truck-days before their readings go" in printed
    assert await stored(engine) == kept
    for table, rows in zip(rollup_tables, t1_rollups, strict=True):
        assert [row for row in await table_rows(engine, table) if "T1" in row] == rows
    marks = {(r[0], r[1]) for r in await table_rows(engine, dirty_days)}
    assert marks == {("T2", month(8, 9).date())}
    if before:
        assert "dropped partition" in printed
        assert (
            f"added partition p{month(11):%Y%m} (readings before {month(12):%Y-%m-%d})" in printed
        )
        assert "done: readings_removed=4 partitions_dropped=7 partitions_added=3" in printed
        bounds = [month(n) for n in (8, 9, 10, 11, 12)]
        assert await layout(engine) == [(partition_name(b), b) for b in bounds] + [
            (CATCH_ALL, None)
        ]
    else:
        assert f"deleted 4 readings before {keep_from:%Y-%m-%d}" in printed
        assert "done: readings_removed=4 partitions_dropped=0 partitions_added=0" in printed

    # a second run finds nothing more to do
    assert await run(engine, database_url, dry_run=False) == 0
    assert (
        "done: readings_removed=0 partitions_dropped=0 partitions_added=0 stale_days_recomputed=0"
    ) in capsys.readouterr().out
    assert await stored(engine) == kept


async def test_without_retention_nothing_expires_but_months_are_added(
    repartitioned: AsyncEngine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = repartitioned
    await put(engine, "T1", month(-20, 3), month(0, 3))
    assert await run(engine, database_url, dry_run=False, days=0) == 0
    printed = capsys.readouterr().out
    assert "retention: off (FUEL_READINGS_RETENTION_DAYS=0), every reading is kept" in printed
    assert len(await stored(engine)) == 2
    if is_mysql(engine):  # the months up to three after LATER's
        assert "partitions_added=8" in printed
        assert (partition_name(month(12)), month(12)) in await layout(engine)
    else:
        assert "done: readings_removed=0 partitions_dropped=0 partitions_added=0" in printed


def test_the_command_refuses_an_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FUEL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    monkeypatch.delenv("DB_HOST", raising=False)
    monkeypatch.setenv("FUEL_READINGS_RETENTION_DAYS", "400")
    assert cli.main(["retention"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: retention failed: database schema is at no schema")
    assert "fuel-analytics migrate" in err


def test_the_command_line_on_a_migrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/fleet.db"
    monkeypatch.setenv("FUEL_DATABASE_URL", url)
    monkeypatch.delenv("DB_HOST", raising=False)
    monkeypatch.setenv("FUEL_READINGS_RETENTION_DAYS", "35")
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    assert cli.main(["retention", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "raw readings retention: 35 days (FUEL_READINGS_RETENTION_DAYS)" in printed
    assert "dry run: readings_to_remove=0" in printed


async def test_ingestion_refuses_readings_older_than_the_retention(
    db: AsyncEngine, database_url: str
) -> None:
    def row(ts: datetime) -> dict[str, Any]:
        return {"truck_id": "T1", "ts": ts.isoformat().replace("+00:00", "Z")}

    too_old = NOW - timedelta(days=RETENTION_DAYS, seconds=1)
    inside = NOW - timedelta(days=RETENTION_DAYS) + timedelta(minutes=1)
    settings = settings_for(database_url, readings_retention_days=RETENTION_DAYS)
    async with serving(db, settings, clock=FixedClock(NOW)) as http:
        refused = await http.post("/api/v2/telemetry", json={"readings": [row(too_old)]})
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["field"] == "ts"
        assert body["accepted"] == 0
        assert body["rejected"][0]["field"] == "ts"
        assert f"{RETENTION_DAYS}-day retention" in body["rejected"][0]["reason"]
        mixed = await http.post("/api/v2/telemetry", json={"readings": [row(inside), row(too_old)]})
        assert mixed.status_code == 200, mixed.text
        assert (mixed.json()["accepted"], mixed.json()["rejected"][0]["index"]) == (1, 1)
    async with db.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(readings))).scalar() == 1
        days = {r.day for r in await conn.execute(select(dirty_days.c.day))}
    assert min(days) >= (NOW - timedelta(days=RETENTION_DAYS + 1)).date()
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        ancient = {"truck_id": "T1", "ts": "2005-03-01T00:00:00Z"}
        assert (await http.post("/api/v2/telemetry", json={"readings": [ancient]})).json()[
            "accepted"
        ] == 1
