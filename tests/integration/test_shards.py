"""A batch of many trucks is stored in one transaction per shard of its trucks, side by side
(decision 46): on MySQL by default, on SQLite (one writer) only when asked. The caller gets
the sum of the shards' counts, the stored readings and latest state are what one
transaction gives, and when a shard fails the caller gets its error while the other
shards' readings stay stored: the retry stores the rest and counts those as duplicates.
SQLite and MySQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fuel_analytics.adapters.sqlalchemy.readings import SHARD_MIN_TRUCKS, SqlReadings, by_shard
from fuel_analytics.domain.model import CarrierId, Reading, StoreResult, TruckId
from tests.conftest import NOW, reading
from tests.integration.test_group_commit import stored_minutes

FLEET = [f"S-{t:03d}" for t in range(100)]
assert len(FLEET) >= SHARD_MIN_TRUCKS


class Observed(SqlReadings):
    """The real store; counts its transactions and how many ran at once, can make one
    fail after its statements ran, and (``meet``) holds each until as many as it has
    shards have begun, at most 5 s: transactions that cannot run side by side (one at a
    time) end up counted one at a time."""

    def __init__(self, engine: AsyncEngine, *, shards: int | None = None) -> None:
        super().__init__(engine, shards=shards)
        self.transactions = 0
        self.running = 0
        self.most_at_once = 0
        self.meet = False
        self.fail: Callable[[list[Reading]], Exception | None] = lambda _: None

    async def _store(
        self,
        conn: AsyncConnection,
        candidates: list[Reading],
        carrier_id: CarrierId | None,
        check_first: bool,
        more: Callable[[], list[Reading]] = list,
    ) -> list[Reading]:
        self.transactions += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.meet:
                for _ in range(5_000):
                    if self.running >= self.shards:
                        break
                    await asyncio.sleep(0.001)
            fresh = await super()._store(conn, candidates, carrier_id, check_first, more)
        finally:
            self.running -= 1
        error = self.fail(candidates)
        if error is not None:  # after every statement: the rollback undoes them all
            raise error
        return fresh


async def minutes_by_truck(repo: SqlReadings, trucks: list[str]) -> dict[str, list[int]]:
    return {truck: await stored_minutes(repo, truck) for truck in trucks}


async def test_a_batch_of_many_trucks_is_stored_in_transactions_side_by_side(
    db: AsyncEngine,
) -> None:
    repo = Observed(db)
    expected = 1 if db.dialect.name == "sqlite" else 2
    assert repo.shards == expected
    repo.meet = True
    result = await repo.store([reading(t, 0, fuel_level_pct=50.0) for t in FLEET])
    assert result == StoreResult(accepted=100, duplicates=0)
    assert repo.transactions == expected
    assert repo.most_at_once == expected
    assert await minutes_by_truck(repo, FLEET) == {t: [0] for t in FLEET}
    assert repo.grouping.idle


async def test_a_batch_of_few_trucks_is_one_transaction(db: AsyncEngine) -> None:
    repo = Observed(db, shards=2)
    trucks = FLEET[: SHARD_MIN_TRUCKS - 1]
    result = await repo.store([reading(t, m) for t in trucks for m in range(3)])
    assert result == StoreResult(accepted=3 * len(trucks), duplicates=0)
    assert repo.transactions == 1


async def test_the_batch_answers_the_sum_of_its_shards_counts(db: AsyncEngine) -> None:
    repo = Observed(db, shards=2)
    before = FLEET[::3]  # 34 trucks: a batch of its own, one transaction
    assert await repo.store([reading(t, 0, fuel_level_pct=10.0) for t in before]) == StoreResult(
        accepted=34, duplicates=0
    )
    batch = [
        *(reading(t, 0, fuel_level_pct=60.0) for t in FLEET),  # 34 of them stored before
        reading(FLEET[1], 0, fuel_level_pct=99.0),  # a repeat: the first one wins
        *(reading(t, 1, fuel_level_pct=61.0) for t in FLEET[:10]),
    ]
    assert await repo.store(batch) == StoreResult(accepted=100 - 34 + 10, duplicates=34 + 1)
    # each shard holds readings stored before: its optimistic INSERT IGNORE comes up short
    # and it runs again, looking first (decision 28): two transactions a shard
    assert repo.transactions == 1 + 2 * 2
    assert await minutes_by_truck(repo, FLEET) == {
        t: [0, 1] if i < 10 else [0] for i, t in enumerate(FLEET)
    }
    for i, truck in enumerate(FLEET):
        state = await repo.latest(TruckId(truck))
        assert state is not None
        if i < 10:
            assert (state.ts, state.value("fuel_level_pct")) == (NOW.replace(minute=1), 61.0)
        else:  # stored before: its value stays
            assert state.ts == NOW
            assert state.value("fuel_level_pct") == (10.0 if truck in before else 60.0)


async def test_a_failing_shard_fails_the_batch_and_its_retry_stores_the_rest(
    db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    repo = Observed(db, shards=2)
    batch = [reading(t, m) for t in FLEET for m in range(2)]
    failing, other = sorted(by_shard(batch, 2), key=lambda part: part[0].truck_id != FLEET[0])
    assert {r.truck_id for r in failing}.isdisjoint({r.truck_id for r in other})
    repo.fail = lambda candidates: (
        exc.DataError("INSERT", {}, Exception("Data too long for column"))
        if any(r.truck_id == FLEET[0] for r in candidates)
        else None
    )
    with (
        caplog.at_level(logging.WARNING, logger="fuel_analytics.ingest"),
        pytest.raises(exc.DataError),
    ):
        await repo.store(batch)
    assert f"stored in part ({len(other)} readings of 1 of its 2 shards)" in caplog.text
    stored = await minutes_by_truck(repo, FLEET)
    assert {t for t, minutes in stored.items() if minutes} == {r.truck_id for r in other}
    assert all(stored[r.truck_id] == [0, 1] for r in other)
    for truck in {r.truck_id for r in failing}:  # rolled back: no state either
        assert await repo.latest(truck) is None
    assert repo.grouping.idle

    repo.fail = lambda _: None
    assert await repo.store(batch) == StoreResult(accepted=len(failing), duplicates=len(other))
    assert await minutes_by_truck(repo, FLEET) == {t: [0, 1] for t in FLEET}
