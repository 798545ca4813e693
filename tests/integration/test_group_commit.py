"""Group commit (adapters/sqlalchemy/grouping.py, decision 38): concurrent store() calls of
one process share transactions. Each caller still gets its own accepted/duplicates (an
earlier batch of the group wins, like an earlier stored one), the stored readings and the
latest state are what storing the batches one by one gives, a failing group fails every one
of its callers and stores nothing, one bad batch does not fail the others, and a caller that
goes away (cancelled, or tired of waiting) breaks nothing and leaves no task behind. SQLite
and MySQL."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, exc, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.tables import dirty_days, readings, truck_latest, trucks
from fuel_analytics.adapters.sqlalchemy.trucks import SqlTrucks
from fuel_analytics.domain.errors import StorageUnavailable
from fuel_analytics.domain.model import CarrierId, Reading, StoreResult, TruckId
from tests.conftest import NOW, reading


class GatedReadings(SqlReadings):
    """The real store, whose transactions can be held just after they began (the group in
    flight, its connection taken) and made to fail after their statements ran."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.holding = False
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.fail: Callable[[list[Reading]], Exception | None] = lambda _: None
        self.transactions = 0
        self.pausing = False  # pause the next write of readings until ``resume`` is set
        self.written = asyncio.Event()
        self.resume = asyncio.Event()

    def hold(self) -> asyncio.Event:
        """Hold the next transactions until the returned event is set; they take in no
        batch queued meanwhile (decision 43)."""
        self.holding = True
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        return self.release

    async def _store(
        self,
        conn: AsyncConnection,
        candidates: list[Reading],
        carrier_id: CarrierId | None,
        check_first: bool,
        more: Callable[[], list[Reading]] = list,
    ) -> list[Reading]:
        self.transactions += 1
        if self.holding:
            release = self.release
            self.entered.set()
            await release.wait()
            # a held group takes no batch that queued behind it: those form a group of
            # their own, which is what the tests using ``behind`` look at
            more = list
        fresh = await super()._store(conn, candidates, carrier_id, check_first, more)
        error = self.fail(candidates)
        if error is not None:  # after every statement: the rollback must undo them all
            raise error
        return fresh

    async def _insert(
        self, conn: AsyncConnection, candidates: list[Reading], check_first: bool
    ) -> list[Reading]:
        fresh = await super()._insert(conn, candidates, check_first)
        if self.pausing:  # written, the transaction open: batches may queue and join it
            self.pausing = False
            self.written.set()
            await self.resume.wait()
        return fresh


async def joining(
    repo: GatedReadings,
    first: list[Reading],
    batches: Sequence[Coroutine[Any, Any, StoreResult]],
) -> tuple[asyncio.Task[StoreResult], list[asyncio.Task[StoreResult]]]:
    """Pause ``first``'s group once its readings are written, queue the ``batches`` (whose
    trucks overlap it) meanwhile: they join that group when it goes on (decision 43)."""
    repo.pausing = True
    repo.written = asyncio.Event()
    repo.resume = asyncio.Event()
    started = asyncio.create_task(repo.store(first))
    await repo.written.wait()
    tasks = [asyncio.create_task(batch) for batch in batches]
    await until(lambda: repo.grouping.queued == len(tasks))
    repo.resume.set()
    return started, tasks


def our_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "store-readings" and not t.done()]


async def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(round(seconds / 0.001)):
        if check():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("not within the time allowed")


async def behind(
    repo: GatedReadings,
    blocker: list[Reading],
    batches: Sequence[Coroutine[Any, Any, StoreResult]],
) -> tuple[asyncio.Task[StoreResult], list[asyncio.Task[StoreResult]]]:
    """Hold ``blocker``'s transaction, queue the ``batches`` (calls of repo.store whose
    trucks overlap it) behind it, in order: their group is formed when it is released."""
    repo.hold()
    first = asyncio.create_task(repo.store(blocker))
    await repo.entered.wait()
    queued = repo.grouping.queued
    tasks = [asyncio.create_task(batch) for batch in batches]
    await until(lambda: repo.grouping.queued == queued + len(tasks))
    return first, tasks


async def stored_minutes(repo: SqlReadings, truck: str) -> list[int]:
    return [round((r.ts - NOW) / timedelta(minutes=1)) for r in await repo.readings(TruckId(truck))]


async def test_concurrent_time_major_batches_share_a_transaction(db: AsyncEngine) -> None:
    repo = SqlReadings(db)
    fleet = [f"TM-{t}" for t in range(50)]
    batches = [[reading(t, m, fuel_level_pct=50.0 + m) for t in fleet] for m in range(8)]
    results = await asyncio.gather(*(repo.store(b) for b in batches))
    assert results == [StoreResult(accepted=50, duplicates=0)] * 8
    # the first started a group alone; the others arrived while it wrote its readings and
    # queued behind it (every batch holds every truck), then joined it (decision 43): one
    # group, one transaction, one latest-state and stale-mark write for all eight
    assert repo.grouping.largest == 8
    assert repo.grouping.groups == 1
    assert repo.grouping.idle
    assert our_tasks() == []
    for truck in fleet:
        assert await stored_minutes(repo, truck) == list(range(8))
        state = await repo.latest(TruckId(truck))
        assert state is not None
        assert state.ts == NOW + timedelta(minutes=7)
        assert state.value("fuel_level_pct") == 57.0


async def test_batches_of_other_trucks_do_not_wait(db: AsyncEngine) -> None:
    """A backfill's batches, a truck each: a second group runs beside the first."""
    repo = GatedReadings(db)
    release = repo.hold()
    first = asyncio.create_task(repo.store([reading("BF-1", m) for m in range(5)]))
    await repo.entered.wait()
    repo.entered = asyncio.Event()
    second = asyncio.create_task(repo.store([reading("BF-2", m) for m in range(5)]))
    await repo.entered.wait()  # in its own transaction while the first is held
    assert repo.grouping.queued == 0
    release.set()
    assert list(await asyncio.gather(first, second)) == [StoreResult(5, 0)] * 2


async def test_each_caller_gets_its_own_counts(db: AsyncEngine) -> None:
    repo = GatedReadings(db)
    await repo.store([reading("C1", 1, speed_mph=10.0)])  # stored before
    first, tasks = await behind(
        repo,
        [reading("C1", 0), reading("C2", 0)],
        [
            # stored before, new, repeated within the batch
            repo.store([reading("C1", 1), reading("C1", 2, speed_mph=20.0), reading("C1", 2)]),
            # an earlier batch of the group has it (other values: the earlier one wins), new
            repo.store([reading("C1", 2, speed_mph=99.0), reading("C2", 3, speed_mph=30.0)]),
            # nothing new at all
            repo.store([reading("C1", 1), reading("C2", 3), reading("C2", 0)]),
        ],
    )
    repo.release.set()
    await first
    assert await asyncio.gather(*tasks) == [
        StoreResult(accepted=1, duplicates=2),
        StoreResult(accepted=1, duplicates=1),
        StoreResult(accepted=0, duplicates=3),
    ]
    assert repo.grouping.largest == 3
    assert await stored_minutes(repo, "C1") == [0, 1, 2]
    assert await stored_minutes(repo, "C2") == [0, 3]
    [c1_2] = [r for r in await repo.readings(TruckId("C1")) if r.ts == NOW + timedelta(minutes=2)]
    assert c1_2.speed_mph == 20.0
    state = await repo.latest(TruckId("C1"))
    assert state is not None
    assert state.value("speed_mph") == 20.0


async def test_a_failing_group_fails_every_caller_and_stores_nothing(db: AsyncEngine) -> None:
    repo = GatedReadings(db)
    first, tasks = await behind(
        repo,
        [reading("F1", 0, fuel_level_pct=40.0)],
        [repo.store([reading("F1", m, fuel_level_pct=40.0 + m)]) for m in (1, 2, 3)],
    )
    # not a retry case, not a batch's content: the database went away mid-transaction
    repo.fail = lambda candidates: (
        exc.OperationalError("INSERT", {}, Exception("server has gone away"))
        if len(candidates) > 1
        else None
    )
    repo.release.set()
    assert await first == StoreResult(1, 0)
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert [type(o) for o in outcomes] == [StorageUnavailable] * 3
    assert repo.grouping.largest == 3
    assert repo.transactions == 2  # one for the blocker, one for the group: not retried
    assert await stored_minutes(repo, "F1") == [0]
    state = await repo.latest(TruckId("F1"))
    assert state is not None
    assert state.ts == NOW
    assert state.value("fuel_level_pct") == 40.0
    async with db.connect() as conn:  # the stale mark's version moved once: the blocker's
        versions = (await conn.execute(select(dirty_days.c.version))).scalars().all()
    assert list(versions) == [1]
    assert repo.grouping.idle


async def test_a_bad_batch_does_not_fail_the_others(db: AsyncEngine) -> None:
    repo = GatedReadings(db)
    first, tasks = await behind(
        repo,
        [reading("A", 0), reading("B", 0)],
        [
            repo.store([reading("A", 1), reading("B", 1)]),
            repo.store([reading("A", 2), reading("BAD", 2)]),
            repo.store([reading("A", 3), reading("B", 1)]),
        ],
    )
    repo.fail = lambda candidates: (
        exc.DataError("INSERT", {}, Exception("Data too long for column"))
        if any(r.truck_id == "BAD" for r in candidates)
        else None
    )
    repo.release.set()
    await first
    ok1, bad, ok3 = await asyncio.gather(*tasks, return_exceptions=True)
    assert ok1 == StoreResult(accepted=2, duplicates=0)
    assert isinstance(bad, exc.DataError)
    assert ok3 == StoreResult(accepted=1, duplicates=1)  # B at 1 is the first batch's
    assert repo.grouping.largest == 3
    assert await stored_minutes(repo, "A") == [0, 1, 3]
    assert await stored_minutes(repo, "B") == [0, 1]
    assert await stored_minutes(repo, "BAD") == []
    assert await repo.latest(TruckId("BAD")) is None


async def test_a_caller_that_goes_away_breaks_nothing(db: AsyncEngine) -> None:
    repo = GatedReadings(db)
    # 1. cancelled while queued: its batch is dropped, the others are stored
    first, (q1, q2, q3) = await behind(
        repo,
        [reading("X", 0)],
        [repo.store([reading("X", m)]) for m in (1, 2, 3)],
    )
    q2.cancel()
    with pytest.raises(asyncio.CancelledError):
        await q2
    assert repo.grouping.queued == 2
    repo.release.set()
    await first
    assert list(await asyncio.gather(q1, q3)) == [StoreResult(1, 0)] * 2
    assert await stored_minutes(repo, "X") == [0, 1, 3]

    # 2. cancelled while its group runs: the group goes on, the others get their answers
    #    (the cancelled one's batch is stored, unacknowledged: a retry finds it stored)
    first, (r4, r5, r6) = await behind(
        repo,
        [reading("X", -1)],
        [repo.store([reading("X", m)]) for m in (4, 5, 6)],
    )
    first_release = repo.release
    group_release = repo.hold()  # the group of the three is held in its turn
    first_release.set()
    await first
    await repo.entered.wait()
    r5.cancel()
    with pytest.raises(asyncio.CancelledError):
        await r5
    group_release.set()
    repo.holding = False
    assert list(await asyncio.gather(r4, r6)) == [StoreResult(1, 0)] * 2
    assert await stored_minutes(repo, "X") == [-1, 0, 1, 3, 4, 5, 6]
    assert await repo.store([reading("X", 5)]) == StoreResult(accepted=0, duplicates=1)

    # 3. every caller of a running group gone: the group is cancelled and rolled back, its
    #    task gone before the last caller's cancellation completes
    release = repo.hold()
    alone = asyncio.create_task(repo.store([reading("X", 7)]))
    await repo.entered.wait()
    alone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await alone
    assert our_tasks() == []
    assert repo.grouping.idle
    repo.holding = False
    release.set()
    assert await stored_minutes(repo, "X") == [-1, 0, 1, 3, 4, 5, 6]
    assert await repo.store([reading("X", 7), reading("X", 8)]) == StoreResult(2, 0)
    assert await stored_minutes(repo, "X") == [-1, 0, 1, 3, 4, 5, 6, 7, 8]
    assert repo.grouping.idle
    assert our_tasks() == []


async def test_a_batch_waits_for_a_connection_no_longer_than_the_pool_timeout(
    db: AsyncEngine, database_url: str
) -> None:
    engine = create_engine(database_url, PoolConfig(size=2, max=4, timeout_s=0.3))
    try:
        repo = GatedReadings(engine)
        first, [late] = await behind(repo, [reading("W", 0)], [repo.store([reading("W", 1)])])
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StorageUnavailable, match="pool timeout"):
            await late
        assert 0.2 <= loop.time() - started <= 1.0
        repo.holding = False
        repo.release.set()
        assert await first == StoreResult(1, 0)
        assert await stored_minutes(repo, "W") == [0]  # the batch that gave up: not stored
        assert await repo.store([reading("W", 1)]) == StoreResult(1, 0)
        assert repo.grouping.idle
    finally:
        await engine.dispose()


async def test_a_group_holds_one_carrier(db: AsyncEngine) -> None:
    """A batch's carrier registers its new trucks: batches of different carriers never
    share a group."""
    repo = GatedReadings(db)
    first, tasks = await behind(
        repo,
        [reading("S", 0)],
        [
            repo.store([reading("S", 1), reading("N1", 1)], carrier_id=CarrierId("C1")),
            repo.store([reading("S", 2), reading("N2", 2)], carrier_id=CarrierId("C2")),
            repo.store([reading("S", 3), reading("N3", 3)], carrier_id=CarrierId("C1")),
        ],
    )
    repo.holding = False
    repo.release.set()
    await first
    assert await asyncio.gather(*tasks) == [StoreResult(2, 0)] * 3
    carriers = {t.truck_id: t.carrier_id for t in await SqlTrucks(db).all()}
    assert carriers[TruckId("N1")] == "C1"
    assert carriers[TruckId("N2")] == "C2"
    assert carriers[TruckId("N3")] == "C1"


@pytest.mark.parametrize("stored_before", [False, True])
async def test_batches_queued_while_a_group_writes_join_it(
    db: AsyncEngine, stored_before: bool
) -> None:
    """Batches that queue while a group writes its readings join that group: one
    transaction; each caller its own counts (the group's earlier batch wins); with a
    reading stored before among them, the group is tried again looking first. A batch with
    a truck new to the store does not join (its latest-state row is added before its own
    transaction) and has a group after it."""
    repo = GatedReadings(db)
    await repo.store([reading("J1", 0, speed_mph=1.0)])
    groups = repo.grouping.groups
    first, tasks = await joining(
        repo,
        [reading("J1", 1, speed_mph=10.0), reading("J2", 1)],
        [
            # the first batch's reading again, other values: the first batch's wins
            repo.store([reading("J1", 1, speed_mph=99.0), reading("J1", 2, speed_mph=20.0)]),
            repo.store([reading("J2", 3)] + ([reading("J1", 0)] if stored_before else [])),
            repo.store([reading("J2", 4), reading("J3", 2, fuel_level_pct=40.0)]),
        ],
    )
    assert [await first, *await asyncio.gather(*tasks)] == [
        StoreResult(2, 0),
        StoreResult(1, 1),
        StoreResult(1, 1 if stored_before else 0),
        StoreResult(2, 0),
    ]
    assert repo.grouping.groups == groups + 2
    assert repo.grouping.largest == 3
    assert repo.grouping.idle
    assert await stored_minutes(repo, "J1") == [0, 1, 2]
    assert await stored_minutes(repo, "J2") == [1, 3, 4]
    [j1_1] = [r for r in await repo.readings(TruckId("J1")) if r.ts == NOW + timedelta(minutes=1)]
    assert j1_1.speed_mph == 10.0
    j1 = await repo.latest(TruckId("J1"))
    assert j1 is not None
    assert (j1.ts, j1.value("speed_mph")) == (NOW + timedelta(minutes=2), 20.0)
    j3 = await repo.latest(TruckId("J3"))
    assert j3 is not None
    assert j3.value("fuel_level_pct") == 40.0
    assert TruckId("J3") in {t.truck_id for t in await SqlTrucks(db).all()}
    async with db.connect() as conn:
        marked = (await conn.execute(select(dirty_days.c.truck_id))).scalars().all()
    assert {"J1", "J2", "J3"} <= set(marked)


# --- any batches, any overlap: the same as one by one -------------------------------------

_example = itertools.count()
ROW = st.tuples(
    st.integers(0, 2),  # truck
    st.integers(0, 30),  # minute
    st.none() | st.floats(0, 100, allow_nan=False),
    st.none() | st.floats(0, 80, allow_nan=False),
)


async def _forget(engine: AsyncEngine, ids: list[str]) -> None:
    async with engine.begin() as conn:
        for table in (readings, truck_latest, trucks, dirty_days):
            await conn.execute(delete(table).where(table.c.truck_id.in_(ids)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(ROW, max_size=8),
    st.lists(st.lists(ROW, min_size=1, max_size=12), min_size=1, max_size=6),
    st.booleans(),
)
@example([], [[(0, 5, None, None)]], True)
async def test_a_group_stores_what_one_by_one_stores(
    engine: AsyncEngine,
    before: list[tuple[int, int, float | None, float | None]],
    batches: list[list[tuple[int, int, float | None, float | None]]],
    join: bool,
) -> None:
    """Batches (repeats, overlaps with each other and with stored readings, other values
    for the same instant, late readings) stored as one group give each caller the counts,
    and the database the readings and latest states, that storing them one by one gives:
    as a group of their own (queued behind another) or having joined the group they
    queued behind (``join``)."""
    n = next(_example)
    grouped = [f"G{n}-g-{t}" for t in range(3)]
    single = [f"G{n}-s-{t}" for t in range(3)]

    def rows(
        ids: list[str], data: Sequence[tuple[int, int, float | None, float | None]]
    ) -> list[Reading]:
        return [
            Reading(TruckId(ids[t]), NOW + timedelta(minutes=m), fuel_level_pct=f, speed_mph=s)
            for t, m, f, s in data
        ]

    repo = GatedReadings(engine)
    try:
        for ids in (grouped, single):
            if before:
                await repo.store(rows(ids, before))
        # a reading of each truck an hour before: the batches queue behind it
        blocker = [(t, -60, 1.0, 1.0) for t in range(3)]
        await repo.store(rows(single, blocker))
        one_by_one = [await repo.store(rows(single, batch)) for batch in batches]
        transactions = repo.transactions
        queue = [repo.store(rows(grouped, b)) for b in batches]
        if join:
            first, tasks = await joining(repo, rows(grouped, blocker), queue)
        else:
            first, tasks = await behind(repo, rows(grouped, blocker), queue)
            repo.holding = False
            repo.release.set()
        await first
        together = await asyncio.gather(*tasks)
        assert repo.grouping.largest == len(batches) + join
        # one transaction for the group (and one for the blocker unless they were one), and
        # one more when some readings were stored before: never batch by batch
        # one transaction for the group (and one for the blocker unless it joined them),
        # and one more when some readings were stored before (rolled back, tried again
        # looking first): never a failed attempt, never batch by batch
        sent = {(t, m) for batch in batches for t, m, _, _ in batch}
        stored_before = bool(sent & {(t, m) for t, m, _, _ in before})
        assert repo.transactions - transactions == 1 + (not join) + stored_before

        assert together == one_by_one
        seen = {(t, m) for t, m, _, _ in before} | {(t, -60) for t in range(3)}
        for result, batch in zip(together, batches, strict=True):
            new = {(t, m) for t, m, _, _ in batch} - seen
            assert result == StoreResult(len(new), len(batch) - len(new))
            seen |= new
        for g, s in zip(grouped, single, strict=True):
            stored_g = await repo.readings(TruckId(g))
            stored_s = await repo.readings(TruckId(s))
            assert [(r.ts, r.fuel_level_pct, r.speed_mph) for r in stored_g] == [
                (r.ts, r.fuel_level_pct, r.speed_mph) for r in stored_s
            ]
            state_g = await repo.latest(TruckId(g))
            state_s = await repo.latest(TruckId(s))
            assert state_g is not None
            assert state_s is not None
            assert (state_g.ts, state_g.sensors) == (state_s.ts, state_s.sensors)
        assert repo.grouping.idle
    finally:
        await _forget(engine, grouped + single)
