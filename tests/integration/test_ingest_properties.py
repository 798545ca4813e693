"""On the real databases: any arrival order and batch split store the same readings and the
same latest state; re-sending a batch changes nothing. Uses the session engine (hypothesis
runs many examples per test), each example on trucks of its own, deleted afterwards."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.tables import readings, truck_latest, trucks
from fuel_analytics.domain.model import Reading, TruckId
from tests.conftest import NOW

_example = itertools.count()

rows = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(0, 90),
        st.none() | st.floats(0, 100, allow_nan=False),
        st.none() | st.floats(0, 80, allow_nan=False),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda row: (row[0], row[1]),
)


async def _forget(engine: AsyncEngine, ids: list[str]) -> None:
    async with engine.begin() as conn:
        for table in (readings, truck_latest, trucks):
            await conn.execute(delete(table).where(table.c.truck_id.in_(ids)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.randoms(use_true_random=False), st.integers(1, 5))
async def test_order_and_split_do_not_change_what_is_stored(
    engine: AsyncEngine,
    data: list[tuple[int, int, float | None, float | None]],
    rng: random.Random,
    parts: int,
) -> None:
    n = next(_example)
    once_ids = [f"P{n}-once-{t}" for t in range(3)]
    split_ids = [f"P{n}-split-{t}" for t in range(3)]
    repo = SqlReadings(engine)

    def batch(ids: list[str]) -> list[Reading]:
        return [
            Reading(
                truck_id=TruckId(ids[t]),
                ts=NOW + timedelta(minutes=m),
                fuel_level_pct=level,
                speed_mph=speed,
            )
            for t, m, level, speed in data
        ]

    try:
        await repo.store(batch(once_ids))
        shuffled = batch(split_ids)
        rng.shuffle(shuffled)
        size = max(1, len(shuffled) // parts)
        for start in range(0, len(shuffled), size):
            await repo.store(shuffled[start : start + size])
        again = await repo.store(batch(split_ids))
        assert again.accepted == 0

        for once, split in zip(once_ids, split_ids, strict=True):
            stored_once = await repo.readings(TruckId(once))
            stored_split = await repo.readings(TruckId(split))
            assert [r.ts for r in stored_once] == [r.ts for r in stored_split]
            assert [(r.fuel_level_pct, r.speed_mph) for r in stored_once] == [
                (r.fuel_level_pct, r.speed_mph) for r in stored_split
            ]
            state_once = await repo.latest(TruckId(once))
            state_split = await repo.latest(TruckId(split))
            if state_once is None:
                assert state_split is None
                continue
            assert state_split is not None
            assert state_once.ts == state_split.ts
            assert state_once.sensors == state_split.sensors
    finally:
        await _forget(engine, once_ids + split_ids)
