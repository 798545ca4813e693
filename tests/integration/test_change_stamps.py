"""The change stamps the live caches compare (adapters/sqlalchemy/changes.py): every write
of a truck's latest state moves its stamp, even two writes within one microsecond, and the
derived-results version moves with every recompute. SQLite and MySQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy import readings as readings_module
from fuel_analytics.adapters.sqlalchemy.changes import SqlFleetChanges
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.domain.model import TruckId
from tests.conftest import reading

FROZEN = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class FrozenClock(datetime):
    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return FROZEN


async def test_every_write_moves_the_stamp(
    db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readings_module, "datetime", FrozenClock)  # every write, one instant
    store, changes = SqlReadings(db), SqlFleetChanges(db)
    truck = TruckId("T1")
    seen = []
    for minute in range(3):
        await store.store([reading(minute=minute, fuel_level_pct=50.0 + minute)])
        _, latest = await changes.fleet_stamps()
        seen.append(latest[truck])
    assert len(set(seen)) == 3, seen
    assert seen == sorted(seen)
    [state] = await changes.latest_of([truck])
    assert state.value("fuel_level_pct") == 52.0


async def test_the_derived_version_counts_recomputes(db: AsyncEngine) -> None:
    changes = SqlFleetChanges(db)
    assert await changes.derived_versions() == {}
    await changes.bump_derived([TruckId("A"), TruckId("B")])
    await changes.bump_derived([TruckId("A")])
    assert await changes.derived_versions() == {"A": 2, "B": 1}
