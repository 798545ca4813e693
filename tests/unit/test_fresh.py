"""The per-process caches' freshness bound, single flight, failures and size bound."""

from __future__ import annotations

import asyncio

import pytest

from fuel_analytics.adapters.memory.repositories import MemoryReadings, MemoryStore, MemoryTrucks
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.services.fresh import FleetStateCache, FreshCache


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
    fleet = FleetStateCache(MemoryTrucks(store), MemoryReadings(store), 0.5, clock=ticks)
    view = fleet.trucks
    assert await view.get(TruckId("T-1")) is None
    await view.save(Truck(TruckId("T-1")))
    assert await view.get(TruckId("T-1")) is not None  # no tick: the save cleared the cache
    assert await view.existing([TruckId("T-1"), TruckId("T-2")]) == {TruckId("T-1")}
    page = await view.page(0, 10)
    assert page.total == 1
    assert page.items[0].truck_id == "T-1"
