"""Migration 0004 on a database that already holds derived results: every stored truck-day
is marked stale, so the recompute finds the trips of the readings stored before the upgrade.
SQLite only: the data step is plain SQLAlchemy Core (the MySQL sessions run the same
migration on every test run, on an empty database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.fuel import daily_to_row
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.adapters.sqlalchemy.tables import dirty_days, fuel_daily
from tests.fuel_contract import daily


async def test_upgrading_to_trips_marks_every_stored_day_stale(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/old.db", PoolConfig())
    try:
        assert await upgrade(engine, "0003") == (None, "0003")
        days = [("T1", date(2026, 1, 4)), ("T1", date(2026, 1, 5)), ("T2", date(2026, 1, 5))]
        async with engine.begin() as conn:
            await conn.execute(insert(fuel_daily), [daily_to_row(daily(t, d)) for t, d in days])
            await conn.execute(
                insert(dirty_days),
                [{"truck_id": "T2", "day": date(2026, 1, 5), "version": 4,
                  "marked_at": datetime(2026, 1, 6, tzinfo=UTC)}],
            )  # fmt: skip
        assert await upgrade(engine, "0004") == ("0003", "0004")
        async with engine.connect() as conn:
            marked = {
                (r.truck_id, r.day): r.version for r in await conn.execute(select(dirty_days))
            }
        # the one already marked keeps its version (a recompute in flight stays valid)
        assert marked == {days[0]: 1, days[1]: 1, days[2]: 4}
    finally:
        await engine.dispose()
