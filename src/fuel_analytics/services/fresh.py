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
from fuel_analytics.domain.ports import ApiKeys, FleetChanges, TruckRegistry

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _retrieve(future: asyncio.Future[V]) -> None:
    """Mark a failed load's error as seen: all of its waiters may have gone away."""
    if not future.cancelled():
        future.exception()


def _failed(future: asyncio.Future[V]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)


class _Entry(Generic[V]):
    __slots__ = ("future", "started", "version", "waiters")

    def __init__(self, started: float, future: asyncio.Future[V], version: object) -> None:
        self.started = started
        self.future = future
        self.version = version
        self.waiters = 0


class FreshCache(Generic[K, V]):
    """Values per key, each from a load that started no more than ``max_age_s`` ago.

    At most ``max_entries`` keys are kept (least recently used go first), so arbitrary
    keys (report periods from a query string) cannot grow memory without bound. A load
    whose every caller went away (clients that hung up) is cancelled: its connections go
    back to the pool at once, as they would without the cache.
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
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self.loads = 0  # how many reads were started: the tests count them

    async def get(self, key: K, load: Callable[[], Awaitable[V]], *, version: object = None) -> V:
        """The value of ``key``: the kept one if its load started within the bound (and was
        made from the same ``version`` of its inputs, when given), else a new load's."""
        now = self.clock()
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry.started >= now - self.max_age_s
            and entry.version == version
            and not _failed(entry.future)
        ):
            self._entries.move_to_end(key)
            if entry.future.done():  # the common case: nothing to wait for
                return entry.future.result()
        else:
            entry = _Entry(now, asyncio.ensure_future(load()), version)
            entry.future.add_done_callback(_retrieve)
            self.loads += 1
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        entry.waiters += 1
        try:
            # shielded: a caller that goes away does not cancel the read others share
            return await asyncio.shield(entry.future)
        finally:
            entry.waiters -= 1
            given_up = entry.waiters == 0 and not entry.future.done()
            if given_up:
                entry.future.cancel()  # nobody is waiting for it any more
            if (given_up or _failed(entry.future)) and self._entries.get(key) is entry:
                del self._entries[key]  # not kept: the next request reads again

    def clear(self) -> None:
        """Forget everything: this process's next request reads again (after its own write)."""
        self._entries.clear()


class Mirror(Generic[V]):
    """Per-truck values kept in step with the database by change stamps: a sync reads every
    truck's stamp (one small query, by the caller) and fetches only the trucks whose stamp
    moved.

    Stamps are read *before* the values they guard, so a value is always at least as new as
    the stamp stored with it; a write that lands in between is fetched again next time. A
    value whose stamp has not moved is the row as it is now. Copy-on-write, no lock: each
    sync builds its own dicts from what was published when it started and publishes them
    unless a sync that started later already has, so a slow sync never makes a newer
    answer older, and a request never waits for another's sync (or its pool timeout).
    """

    def __init__(self) -> None:
        self.stamps: dict[TruckId, object] = {}
        self.values: dict[TruckId, V] = {}
        self._started = 0
        self._published = 0
        self.fetched = 0  # trucks fetched so far: the tests count them

    async def sync(
        self,
        stamps: dict[TruckId, object],
        fetch: Callable[[list[TruckId]], Awaitable[dict[TruckId, V]]],
    ) -> tuple[dict[TruckId, V], bool]:
        """The values as of ``stamps``, and whether they differ from what was published
        when this sync started. A truck whose stamp moved but that ``fetch`` no longer
        finds is dropped."""
        self._started += 1
        mine = self._started
        known, values = self.stamps, self.values  # published dicts are never mutated
        changed = [t for t, stamp in stamps.items() if known.get(t, _NEVER) != stamp]
        gone = [t for t in known if t not in stamps]
        if not changed and not gone:
            return values, False
        fetched = await fetch(changed) if changed else {}
        self.fetched += len(changed)
        new_stamps, new_values = dict(known), dict(values)
        for truck_id in changed:
            if truck_id in fetched:
                new_values[truck_id] = fetched[truck_id]
                new_stamps[truck_id] = stamps[truck_id]
            else:
                new_values.pop(truck_id, None)
                new_stamps.pop(truck_id, None)
        for truck_id in gone:
            new_values.pop(truck_id, None)
            new_stamps.pop(truck_id, None)
        if mine > self._published:
            self.stamps, self.values, self._published = new_stamps, new_values, mine
        return new_values, True


_NEVER = object()


class Mirrors(Generic[K, V]):
    """One :class:`Mirror` per key (a report period, say), the least recently used
    dropped past ``max_entries``."""

    def __init__(self, max_entries: int = 32) -> None:
        self.max_entries = max_entries
        self._mirrors: OrderedDict[K, Mirror[V]] = OrderedDict()

    def get(self, key: K) -> Mirror[V]:
        mirror = self._mirrors.get(key)
        if mirror is None:
            mirror = self._mirrors[key] = Mirror()
            while len(self._mirrors) > self.max_entries:
                self._mirrors.popitem(last=False)
        self._mirrors.move_to_end(key)
        return mirror


@dataclass(frozen=True, slots=True)
class FleetState:
    """The registry and every truck's latest state, as one read saw them. ``epoch`` counts
    the reads: an answer built from this state may be kept for as long as the state is
    the current one (and no longer than the bound), under a key that holds the epoch."""

    trucks: tuple[Truck, ...]
    by_id: dict[TruckId, Truck]
    latest: dict[TruckId, LatestState]
    epoch: int


class FleetStateCache:
    """The whole fleet's registry and latest state, shared by every request of this process
    within the freshness bound. A refresh reads every truck's change stamps (two small
    queries) and then only the rows that changed: with nothing new it costs two round trips
    whatever the fleet size, and a burst of requests shares it."""

    def __init__(
        self,
        trucks: TruckRegistry,
        changes: FleetChanges,
        max_age_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source_trucks = trucks
        self.changes = changes
        self.cache: FreshCache[None, FleetState] = FreshCache(max_age_s, clock=clock)
        self._registry: Mirror[Truck] = Mirror()
        self._latest: Mirror[LatestState] = Mirror()
        self._state: FleetState | None = None
        self._epoch = 0

    async def _load(self) -> FleetState:
        self._epoch += 1
        epoch = self._epoch
        registry_stamps, latest_stamps = await self.changes.fleet_stamps()
        registry, _ = await self._registry.sync(registry_stamps, self._trucks_of)
        latest, _ = await self._latest.sync(latest_stamps, self._latest_of)
        # built from what this load's syncs returned, never from the last state: with loads
        # overlapping, the last state may come from another load's (older) reads
        last = self._state
        if last is not None and last.by_id is registry:  # the same registry: same order
            trucks = last.trucks
        else:
            trucks = tuple(sorted(registry.values(), key=_truck_id))
        state = FleetState(trucks=trucks, by_id=registry, latest=latest, epoch=epoch)
        if last is None or epoch > last.epoch:
            self._state = state
        return state

    async def _trucks_of(self, truck_ids: list[TruckId]) -> dict[TruckId, Truck]:
        return {t.truck_id: t for t in await self.changes.trucks_of(truck_ids)}

    async def _latest_of(self, truck_ids: list[TruckId]) -> dict[TruckId, LatestState]:
        return {s.truck_id: s for s in await self.changes.latest_of(truck_ids)}

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


def _truck_id(truck: Truck) -> str:
    return truck.truck_id


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
