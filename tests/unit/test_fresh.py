"""The per-process caches' freshness bound, single flight, failures and size bound."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from fuel_analytics.adapters.memory.repositories import MemoryReadings, MemoryStore, MemoryTrucks
from fuel_analytics.domain.model import LatestState, Truck, TruckId
from fuel_analytics.services.fresh import FleetStateCache, FreshCache, Mirror
from tests.conftest import reading


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Source:
    """Counts its reads; each read returns the current ``value``."""

    def __init__(self) -> None:
        self.value = 0
        self.reads = 0
        self.gate: asyncio.Event | None = None
        self.fail: Exception | None = None

    async def read(self) -> int:
        self.reads += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return self.value


async def test_a_value_is_reused_within_the_bound_and_read_again_after_it() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    assert await cache.get("k", source.read) == 0
    source.value = 1
    ticks.t += 0.5  # exactly the bound: the read started 0.5 s ago still counts
    assert await cache.get("k", source.read) == 0
    ticks.t += 0.001  # past it: a request now must see what was committed before now - 0.5
    assert await cache.get("k", source.read) == 1
    assert source.reads == 2


async def test_keys_are_cached_apart() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    await cache.get("a", source.read)
    source.value = 7
    assert await cache.get("b", source.read) == 7
    assert await cache.get("a", source.read) == 0


async def test_zero_means_a_read_for_every_request() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0, clock=ticks)
    for value in range(3):
        source.value = value
        ticks.t += 1e-6
        assert await cache.get("k", source.read) == value
    assert source.reads == 3


async def test_concurrent_requests_share_one_read() -> None:
    ticks, source = Ticks(), Source()
    source.gate = asyncio.Event()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    waiters = [asyncio.create_task(cache.get("k", source.read)) for _ in range(50)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*waiters) == [0] * 50
    assert source.reads == 1
    assert cache.loads == 1


async def test_a_read_in_flight_too_long_is_not_joined() -> None:
    """A request that arrives more than the bound after a slow read started must not take
    that read's (possibly stale) answer: it starts its own."""
    ticks, source = Ticks(), Source()
    source.gate = asyncio.Event()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    first = asyncio.create_task(cache.get("k", source.read))
    await asyncio.sleep(0)
    ticks.t += 0.6
    source.value = 1
    second = asyncio.create_task(cache.get("k", source.read))
    await asyncio.sleep(0)
    source.gate.set()
    assert await first == 1  # both reads see the value when the gate opens
    assert await second == 1
    assert source.reads == 2


async def test_a_failed_read_is_not_cached() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    source.fail = RuntimeError("database down")
    with pytest.raises(RuntimeError):
        await cache.get("k", source.read)
    source.fail = None
    source.value = 3
    assert await cache.get("k", source.read) == 3  # within the bound, yet read again
    assert source.reads == 2


async def test_a_caller_that_goes_away_does_not_cancel_the_shared_read() -> None:
    ticks, source = Ticks(), Source()
    source.gate = asyncio.Event()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    gone = asyncio.create_task(cache.get("k", source.read))
    stays = asyncio.create_task(cache.get("k", source.read))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    source.gate.set()
    assert await stays == 0
    assert source.reads == 1


async def test_a_read_nobody_waits_for_any_more_is_cancelled() -> None:
    """Every caller hung up: the read stops (its connection goes back to the pool), and the
    next request starts a new one."""
    ticks, source = Ticks(), Source()
    source.gate = asyncio.Event()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    callers = [asyncio.create_task(cache.get("k", source.read)) for _ in range(2)]
    await asyncio.sleep(0)
    for caller in callers:
        caller.cancel()
    await asyncio.gather(*callers, return_exceptions=True)
    await asyncio.sleep(0)
    assert source.reads == 1
    source.gate.set()
    assert await cache.get("k", source.read) == 0
    assert source.reads == 2  # the cancelled read was not kept


async def test_the_number_of_keys_is_bounded() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[int, int] = FreshCache(10, max_entries=3, clock=ticks)
    for key in range(5):
        await cache.get(key, source.read)
    assert source.reads == 5
    await cache.get(4, source.read)  # kept
    await cache.get(0, source.read)  # evicted: read again
    assert source.reads == 6


def test_a_negative_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="max_age_s"):
        FreshCache(-0.1)


async def test_a_save_makes_this_process_read_the_registry_again() -> None:
    ticks = Ticks()
    store = MemoryStore()
    fleet = FleetStateCache(MemoryTrucks(store), MemoryChanges(store), 0.5, clock=ticks)
    view = fleet.trucks
    assert await view.get(TruckId("T-1")) is None
    await view.save(Truck(TruckId("T-1")))
    assert await view.get(TruckId("T-1")) is not None  # no tick: the save cleared the cache
    assert await view.existing([TruckId("T-1"), TruckId("T-2")]) == {TruckId("T-1")}
    page = await view.page(0, 10)
    assert page.total == 1
    assert page.items[0].truck_id == "T-1"


class MemoryChanges:
    """FleetChanges over the memory repositories: a row's stamp is the row itself."""

    def __init__(self, store: MemoryStore) -> None:
        self.trucks = MemoryTrucks(store)
        self.readings = MemoryReadings(store)

    async def fleet_stamps(self) -> tuple[dict[TruckId, object], dict[TruckId, object]]:
        registry: dict[TruckId, object] = {t.truck_id: t for t in await self.trucks.all()}
        return registry, {s.truck_id: s for s in await self.readings.all_latest()}

    async def trucks_of(self, truck_ids: Sequence[TruckId]) -> list[Truck]:
        return [t for t in await self.trucks.all() if t.truck_id in truck_ids]

    async def latest_of(self, truck_ids: Sequence[TruckId]) -> list[LatestState]:
        return [s for s in await self.readings.all_latest() if s.truck_id in truck_ids]

    async def derived_versions(self) -> dict[TruckId, int]:
        return {}

    async def bump_derived(self, truck_ids: Sequence[TruckId]) -> None:
        return None


async def test_a_mirror_fetches_only_what_moved() -> None:
    mirror: Mirror[str] = Mirror()
    asked: list[list[TruckId]] = []

    async def fetch(ids: list[TruckId]) -> dict[TruckId, str]:
        asked.append(sorted(ids))
        return {t: f"{t}@{stamps[t]}" for t in ids if t != "GONE"}

    a, b, gone = TruckId("A"), TruckId("B"), TruckId("GONE")
    stamps: dict[TruckId, object] = {a: 1, b: 1}
    assert await mirror.sync(dict(stamps), fetch) == ({a: "A@1", b: "B@1"}, True)
    # nothing moved: nothing fetched
    assert await mirror.sync(dict(stamps), fetch) == ({a: "A@1", b: "B@1"}, False)
    stamps[b] = 2
    assert await mirror.sync(dict(stamps), fetch) == ({a: "A@1", b: "B@2"}, True)
    del stamps[a]
    stamps[gone] = 1  # stamped, but no longer there when fetched: not kept
    assert await mirror.sync(dict(stamps), fetch) == ({b: "B@2"}, True)
    assert mirror.values == {b: "B@2"}
    assert asked == [[a, b], [b], [gone]]
    assert mirror.fetched == 4


async def test_a_slow_sync_never_publishes_over_a_newer_one() -> None:
    """Two syncs overlap (the first is slow): each answers from its own reads, and the
    slower, older one does not replace what the newer one published."""
    mirror: Mirror[str] = Mirror()
    gate = asyncio.Event()
    t = TruckId("T")

    async def slow(ids: list[TruckId]) -> dict[TruckId, str]:
        await gate.wait()
        return {t: "old"}

    async def fast(ids: list[TruckId]) -> dict[TruckId, str]:
        return {t: "new"}

    first = asyncio.create_task(mirror.sync({t: 1}, slow))
    await asyncio.sleep(0)
    assert await mirror.sync({t: 2}, fast) == ({t: "new"}, True)
    gate.set()
    assert await first == ({t: "old"}, True)  # its own answer, from its own reads
    assert mirror.values == {t: "new"}  # the newer sync's stays published
    assert mirror.stamps == {t: 2}


async def test_overlapping_loads_never_answer_older_than_their_own_reads() -> None:
    """A slow load that read old stamps finishes after a newer one: a later load that finds
    nothing changed must still answer with what it read, not with the slow load's state."""
    store = MemoryStore()
    readings = MemoryReadings(store)
    changes = MemoryChanges(store)
    gate = asyncio.Event()
    stamps_of = changes.fleet_stamps
    calls = 0

    async def fleet_stamps() -> tuple[dict[TruckId, object], dict[TruckId, object]]:
        nonlocal calls
        calls += 1
        found = await stamps_of()
        if calls == 2:  # the second load read the old stamps, then stalls
            await gate.wait()
        return found

    changes.fleet_stamps = fleet_stamps  # type: ignore[method-assign]
    ticks = Ticks()
    fleet = FleetStateCache(MemoryTrucks(store), changes, 0, clock=ticks)
    await readings.store([reading(minute=0, fuel_level_pct=10.0)])
    assert (await fleet.state()).latest[TruckId("T1")].value("fuel_level_pct") == 10.0
    ticks.t += 1
    slow = asyncio.create_task(fleet.state())  # reads the stamps of 10 %, then waits
    await asyncio.sleep(0)
    await readings.store([reading(minute=1, fuel_level_pct=20.0)])
    ticks.t += 1
    assert (await fleet.state()).latest[TruckId("T1")].value("fuel_level_pct") == 20.0
    gate.set()
    await slow
    ticks.t += 1
    assert (await fleet.state()).latest[TruckId("T1")].value("fuel_level_pct") == 20.0


# ---------------------------------------------------------------- refresh ahead


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_value_past_the_ahead_mark_is_answered_while_the_next_is_read() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    assert await cache.get("k", source.read, ahead=True) == 0
    source.value = 1
    ticks.t += 0.29  # before the mark (60 % of 0.5 s): kept, nothing read
    assert await cache.get("k", source.read, ahead=True) == 0
    assert source.reads == 1
    source.gate = asyncio.Event()
    ticks.t += 0.02  # past the mark: the kept value at once, one read started behind it
    assert await cache.get("k", source.read, ahead=True) == 0
    assert await cache.get("k", source.read, ahead=True) == 0  # no second read meanwhile
    await settle()
    assert source.reads == 2
    source.gate.set()
    await settle()
    assert await cache.get("k", source.read, ahead=True) == 1  # the read ahead landed
    assert source.reads == 2


async def test_a_request_past_the_bound_waits_for_the_read_ahead_in_flight() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    await cache.get("k", source.read, ahead=True)
    source.gate = asyncio.Event()
    source.value = 1
    ticks.t += 0.4
    assert await cache.get("k", source.read, ahead=True) == 0  # starts the read ahead
    ticks.t += 0.2  # the kept value is now past the bound; the read ahead started 0.2 s ago
    waiting = asyncio.create_task(cache.get("k", source.read, ahead=True))
    await settle()
    assert not waiting.done()  # never the value past the bound
    source.gate.set()
    assert await waiting == 1
    assert source.reads == 2  # joined the read ahead, no third read


async def test_a_new_version_is_made_ahead_while_the_kept_one_is_within_the_bound() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    await cache.get("k", source.read, version=1, ahead=True)
    source.value = 1
    ticks.t += 0.1
    assert await cache.get("k", source.read, version=2, ahead=True) == 0
    await settle()
    assert await cache.get("k", source.read, version=2, ahead=True) == 1
    # without ``ahead`` a new version is waited for
    source.value = 2
    assert await cache.get("k", source.read, version=3) == 2
    assert source.reads == 3


async def test_a_failed_read_ahead_keeps_the_value_until_the_bound() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    await cache.get("k", source.read, ahead=True)
    source.fail = RuntimeError("database down")
    ticks.t += 0.4
    assert await cache.get("k", source.read, ahead=True) == 0
    await settle()
    assert source.reads == 2  # it failed; the kept value is still within the bound
    assert await cache.get("k", source.read, ahead=True) == 0
    await settle()
    ticks.t += 0.2  # past the bound: the request reads and gets the error
    with pytest.raises(RuntimeError):
        await cache.get("k", source.read, ahead=True)


async def test_a_read_ahead_from_before_a_clear_is_not_kept() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    await cache.get("k", source.read, ahead=True)
    source.gate = asyncio.Event()
    ticks.t += 0.4
    await cache.get("k", source.read, ahead=True)  # the read ahead waits at the gate
    await settle()
    cache.clear()  # this process wrote: its next request must read after the write
    source.gate.set()
    await settle()
    source.value = 5
    assert await cache.get("k", source.read, ahead=True) == 5
    assert source.reads == 3


async def test_close_lets_the_reads_ahead_end_then_cancels_the_late_ones() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    await cache.get("k", source.read, ahead=True)
    source.gate = asyncio.Event()
    ticks.t += 0.4
    await cache.get("k", source.read, ahead=True)
    await settle()
    closing = asyncio.create_task(cache.close())
    await settle()
    assert not closing.done()  # a read mid-query is let finish (its connection goes back)
    source.gate.set()
    await closing
    await cache.get("k", source.read, ahead=True)  # and was not kept
    assert source.reads == 3
    source.gate = asyncio.Event()
    ticks.t += 0.4
    await cache.get("k", source.read, ahead=True)
    await settle()
    await cache.close(timeout_s=0.01)  # returns although this gate never opens
    assert source.reads == 4


async def test_a_value_counts_as_old_as_its_inputs() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    await cache.get("k", source.read, inputs_at=ticks.t - 0.4)  # built on a 0.4 s old read
    source.value = 1
    ticks.t += 0.1
    assert await cache.get("k", source.read) == 0  # 0.5 s since its inputs were read
    ticks.t += 0.001
    assert await cache.get("k", source.read) == 1


async def test_the_epoch_moves_only_when_the_fleet_changed() -> None:
    ticks = Ticks()
    store = MemoryStore()
    readings = MemoryReadings(store)
    fleet = FleetStateCache(MemoryTrucks(store), MemoryChanges(store), 0.5, clock=ticks)
    await readings.store([reading(minute=0, fuel_level_pct=10.0)])
    first = await fleet.state()
    ticks.t += 1
    again = await fleet.state()  # read again (past the bound), nothing changed
    assert again.epoch == first.epoch
    assert again.read_at == ticks.t  # but it counts from the new read
    await readings.store([reading(minute=1, fuel_level_pct=20.0)])
    ticks.t += 1
    moved = await fleet.state()
    assert moved.epoch > first.epoch
    assert moved.latest[TruckId("T1")].value("fuel_level_pct") == 20.0


async def test_an_inline_load_runs_in_the_callers_task_and_is_kept() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks)
    caller = asyncio.current_task()
    tasks: list[asyncio.Task[object] | None] = []

    async def load() -> int:
        tasks.append(asyncio.current_task())
        return await source.read()

    assert await cache.get("k", load, version=1, inline=True) == 0
    assert tasks == [caller]  # no task of its own: the request never waits a loop turn
    source.value = 1
    assert await cache.get("k", load, version=1, inline=True) == 0  # kept
    assert await cache.get("k", load, version=2, inline=True) == 1  # a new version: made
    source.fail = RuntimeError("broken")
    with pytest.raises(RuntimeError):
        await cache.get("k", load, version=3, inline=True)
    source.fail = None
    assert await cache.get("k", load, version=3, inline=True) == 1  # the failure was not kept
    assert source.reads == 4


async def test_the_mark_for_reading_ahead_is_set_per_cache() -> None:
    ticks, source = Ticks(), Source()
    cache: FreshCache[str, int] = FreshCache(0.5, clock=ticks, ahead_at=0.3)
    await cache.get("k", source.read, ahead=True)
    ticks.t += 0.14
    await cache.get("k", source.read, ahead=True)
    await settle()
    assert source.reads == 1
    ticks.t += 0.02  # past 30 % of the bound
    await cache.get("k", source.read, ahead=True)
    await settle()
    assert source.reads == 2
