"""Short-lived, per-process caches with one stated freshness bound.

Every cached answer comes from a database read that *started* at most ``max_age_s`` before
the request that uses it arrived. Whatever was acknowledged (committed) before that instant
is therefore in the answer: a reading ingested at t is visible to every request from
t + ``max_age_s`` on, in every worker and on every replica, since each process only ever
holds what it read itself. ``max_age_s = 0`` means "read for every request" (concurrent
requests of the same instant may still share one read).

Loads are single-flight: while one read for a key is running, requests that the read is
fresh enough for wait for it instead of starting their own, so a burst of N requests costs
one query, not N. A failed read is not cached: its waiters get the error, the next request
reads again.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from fuel_analytics.domain.auth import ApiKey
from fuel_analytics.domain.model import CarrierId, LatestState, Page, Truck, TruckId
from fuel_analytics.domain.ports import ApiKeys, LatestReadings, TruckRegistry

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _retrieve(future: asyncio.Future[V]) -> None:
    """Mark a failed load's error as seen: all of its waiters may have gone away."""
    if not future.cancelled():
        future.exception()


def _failed(future: asyncio.Future[V]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)


class FreshCache(Generic[K, V]):
    """Values per key, each from a load that started no more than ``max_age_s`` ago.

    At most ``max_entries`` keys are kept (least recently used go first), so arbitrary
    keys (report periods from a query string) cannot grow memory without bound.
    """

    def __init__(
        self,
        max_age_s: float,
        *,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_age_s < 0:
            raise ValueError("max_age_s must be >= 0")
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, asyncio.Future[V]]] = OrderedDict()
        self.loads = 0  # how many reads were started: the tests count them

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] >= now - self.max_age_s and not _failed(entry[1]):
            self._entries.move_to_end(key)
            future = entry[1]
        else:
            future = asyncio.ensure_future(load())
            future.add_done_callback(_retrieve)
            self.loads += 1
            self._entries[key] = (now, future)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        try:
            # shielded: a caller that goes away (client hung up) does not cancel the read
            # the other waiters share
            return await asyncio.shield(future)
        except BaseException:
            if _failed(future):
                current = self._entries.get(key)
                if current is not None and current[1] is future:
                    del self._entries[key]
            raise

    def clear(self) -> None:
        """Forget everything: this process's next request reads again (after its own write)."""
        self._entries.clear()


@dataclass(frozen=True, slots=True)
class FleetState:
    """The registry and every truck's latest state, as one read saw them."""

    trucks: tuple[Truck, ...]
    by_id: dict[TruckId, Truck]
    latest: dict[TruckId, LatestState]


class FleetStateCache:
    """The whole fleet's registry and latest state, read in one go and shared by every
    request of this process within the freshness bound. At fleet sizes (thousands of
    trucks) one read of every row costs about what a few single-truck reads cost, and a
    burst of requests shares it: live sensors and the fleet summary stop being a database
    round trip each."""

    def __init__(
        self,
        trucks: TruckRegistry,
        latest: LatestReadings,
        max_age_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source_trucks = trucks
        self.source_latest = latest
        self.cache: FreshCache[None, FleetState] = FreshCache(max_age_s, clock=clock)

    async def _load(self) -> FleetState:
        trucks = tuple(await self.source_trucks.all())
        states = await self.source_latest.all_latest()
        return FleetState(
            trucks=trucks,
            by_id={t.truck_id: t for t in trucks},
            latest={s.truck_id: s for s in states},
        )

    async def state(self) -> FleetState:
        return await self.cache.get(None, self._load)

    def clear(self) -> None:
        self.cache.clear()

    @property
    def trucks(self) -> CachedTrucks:
        return CachedTrucks(self)

    @property
    def latest(self) -> CachedLatest:
        return CachedLatest(self)


@dataclass(frozen=True, slots=True)
class CachedTrucks:
    """A ``TruckRegistry`` answering reads from the fleet state; a save goes to the
    database and makes this process read again."""

    fleet: FleetStateCache

    async def get(self, truck_id: TruckId) -> Truck | None:
        return (await self.fleet.state()).by_id.get(truck_id)

    async def all(self) -> list[Truck]:
        return list((await self.fleet.state()).trucks)

    async def page(self, offset: int, limit: int) -> Page[Truck]:
        trucks = (await self.fleet.state()).trucks
        return Page(trucks[offset : offset + limit], len(trucks), offset, limit)

    async def existing(self, truck_ids: Iterable[TruckId]) -> set[TruckId]:
        known = (await self.fleet.state()).by_id
        return {t for t in truck_ids if t in known}

    async def save(self, truck: Truck) -> Truck:
        stored = await self.fleet.source_trucks.save(truck)
        self.fleet.clear()
        return stored


@dataclass(frozen=True, slots=True)
class CachedLatest:
    """``LatestReadings`` from the fleet state."""

    fleet: FleetStateCache

    async def latest(self, truck_id: TruckId) -> LatestState | None:
        return (await self.fleet.state()).latest.get(truck_id)

    async def all_latest(self) -> list[LatestState]:
        return list((await self.fleet.state()).latest.values())


class CachedKeys:
    """``ApiKeys`` whose lookups by id (one per authenticated request) are cached within
    the freshness bound: a revoked key stops working in every process within
    ``max_age_s``, at once in the process that revoked it."""

    def __init__(
        self, keys: ApiKeys, max_age_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.source = keys
        self.cache: FreshCache[str, ApiKey | None] = FreshCache(
            max_age_s, max_entries=4096, clock=clock
        )

    async def add(self, key: ApiKey) -> None:
        await self.source.add(key)
        self.cache.clear()

    async def get(self, key_id: str) -> ApiKey | None:
        return await self.cache.get(key_id, lambda: self.source.get(key_id))

    async def all(self, carrier_id: CarrierId | None = None) -> list[ApiKey]:
        return await self.source.all(carrier_id)

    async def revoke(self, key_id: str, at: datetime) -> bool:
        revoked = await self.source.revoke(key_id, at)
        self.cache.clear()
        return revoked
