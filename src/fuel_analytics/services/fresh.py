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

Refreshed ahead (``ahead=True``, for what is read on every request: the fleet state, the
costly answers): once a kept value is 60 % of the bound old, or its inputs moved on, the request
that notices starts the next read in the background and is answered with the kept value,
which is still within the bound. Requests then wait for a read only when nothing within the
bound is kept (the first request, a quiet spell longer than the bound, a failed read): at
200 connections, every request arriving during a refresh used to queue behind it.
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


# a kept value this old (a fraction of the bound) is read again in the background: the
# read then has the rest of the bound (0.2 s of 0.5) to land before anyone must wait, and
# a costly answer (a fleet summary) is made about every 0.3 s rather than every 0.5
AHEAD_AT = 0.6
# the fleet state (one small read, every request needs it) is read again sooner
STATE_AHEAD_AT = 0.3
# how long closing waits for reads started ahead before it cancels them
CLOSE_WAIT_S = 2.0


class _Entry(Generic[V]):
    __slots__ = ("background", "future", "started", "version", "waiters")

    def __init__(
        self, started: float, future: asyncio.Future[V], version: object, background: bool
    ) -> None:
        self.started = started  # no later than the start of the oldest read in the value
        self.future = future
        self.version = version
        self.waiters = 0
        self.background = background  # started ahead: never cancelled for lack of waiters


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
        ahead_at: float = AHEAD_AT,
    ) -> None:
        if max_age_s < 0:
            raise ValueError("max_age_s must be >= 0")
        self.max_age_s = max_age_s
        self.ahead_at = ahead_at  # the fraction of the bound at which ``ahead`` reads again
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._ahead: dict[K, _Entry[V]] = {}  # reads started ahead, until they land
        self._generation = 0  # moved on by clear(): a read ahead from before is not kept
        self.loads = 0  # how many reads were started: the tests count them

    async def get(
        self,
        key: K,
        load: Callable[[], Awaitable[V]],
        *,
        version: object = None,
        inputs_at: float | None = None,
        ahead: bool = False,
        inline: bool = False,
    ) -> V:
        """The value of ``key``: the kept one if its load started within the bound (and was
        made from the same ``version`` of its inputs, when given), else a new load's.

        ``inputs_at``: when the reads the load builds on (a fleet state, say) started, if
        earlier than the load itself; the value counts as that old. ``ahead``: refresh
        ahead (see the module's doc): a kept value within the bound is answered even when
        its ``version`` is no longer the current one, while the next is made. ``inline``:
        for a load that costs microseconds of CPU and reads nothing itself (an answer made
        from the fleet state): it runs in the caller's task, not shared, so the request
        does not stop for a task of its own (under load that wait is a whole turn of the
        event loop, which made each such request a slow one)."""
        now = self.clock()
        started = now if inputs_at is None else min(now, inputs_at)
        entry = self._entries.get(key)
        fresh = (
            entry is not None
            and entry.started >= now - self.max_age_s
            and not _failed(entry.future)
        )
        if fresh and entry is not None:
            current = entry.version == version
            if entry.future.done() and (current or ahead):
                self._entries.move_to_end(key)
                if ahead and (not current or now - entry.started >= self.max_age_s * self.ahead_at):
                    self._read_ahead(key, load, version, started)
                return entry.future.result()
            if not current:
                entry = None
        else:
            entry = None
        if entry is None and inline:
            value = await load()  # a failure raises here, and nothing is kept
            done: asyncio.Future[V] = asyncio.get_running_loop().create_future()
            done.set_result(value)
            self.loads += 1
            self._keep(key, _Entry(started, done, version, False))
            return value
        if entry is None:
            pending = self._ahead.get(key)
            if (
                pending is not None
                and pending.version == version
                and pending.started >= now - self.max_age_s
            ):
                entry = pending  # a read started ahead, recent enough: wait for it
            else:
                entry = self._start(key, load, version, started, background=False)
                self._keep(key, entry)
        entry.waiters += 1
        try:
            # shielded: a caller that goes away does not cancel the read others share
            return await asyncio.shield(entry.future)
        finally:
            entry.waiters -= 1
            given_up = entry.waiters == 0 and not entry.future.done() and not entry.background
            if given_up:
                entry.future.cancel()  # nobody is waiting for it any more
            if (given_up or _failed(entry.future)) and self._entries.get(key) is entry:
                del self._entries[key]  # not kept: the next request reads again

    def _start(
        self,
        key: K,
        load: Callable[[], Awaitable[V]],
        version: object,
        started: float,
        *,
        background: bool,
    ) -> _Entry[V]:
        entry = _Entry(started, asyncio.ensure_future(load()), version, background)
        entry.future.add_done_callback(_retrieve)
        self.loads += 1
        return entry

    def _keep(self, key: K, entry: _Entry[V]) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def _read_ahead(
        self, key: K, load: Callable[[], Awaitable[V]], version: object, started: float
    ) -> None:
        """One read ahead per key at a time; it replaces the kept value when it lands,
        unless that is newer by then (a failed one replaces nothing)."""
        if key in self._ahead:
            return
        entry = self._start(key, load, version, started, background=True)
        self._ahead[key] = entry
        generation = self._generation

        def landed(future: asyncio.Future[V]) -> None:
            if self._ahead.get(key) is entry:
                del self._ahead[key]
            if _failed(future) or generation != self._generation:
                return
            kept = self._entries.get(key)
            if kept is None or kept.started <= entry.started:
                self._keep(key, entry)

        entry.future.add_done_callback(landed)

    def clear(self) -> None:
        """Forget everything: this process's next request reads again (after its own write).
        Reads under way are not cancelled (requests may be waiting for them), but what they
        read is not kept."""
        self._generation += 1
        self._entries.clear()
        self._ahead.clear()

    async def close(self, timeout_s: float = CLOSE_WAIT_S) -> None:
        """Let the reads started ahead end (before the pool is disposed: a read cancelled
        mid-query cannot give its connection back cleanly); those still running after
        ``timeout_s`` (a database that stopped answering) are cancelled."""
        pending = [entry.future for entry in self._ahead.values()]
        self.clear()
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=timeout_s)
        for future in late:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


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
    """The registry and every truck's latest state, as one read saw them. ``epoch`` moves on
    when a read finds something changed: an answer built from this state may be kept for
    as long as the state is the current one (and no longer than the bound), under a key
    that holds the epoch."""

    trucks: tuple[Truck, ...]
    by_id: dict[TruckId, Truck]
    latest: dict[TruckId, LatestState]
    epoch: int
    read_at: float = 0.0  # the cache's clock when this state's reads started


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
        # read again at 30 % of the bound: on a saturated event loop a read takes several of
        # its turns, and every request waits once the kept state is past the bound
        self.cache: FreshCache[None, FleetState] = FreshCache(
            max_age_s, clock=clock, ahead_at=STATE_AHEAD_AT
        )
        self._registry: Mirror[Truck] = Mirror()
        self._latest: Mirror[LatestState] = Mirror()
        self._state: FleetState | None = None
        self._epoch = 0
        self._loads = 0  # loads started, in order
        self._published = 0  # the order of the load whose state is ``_state``

    async def _load(self) -> FleetState:
        read_at = self.cache.clock()
        self._loads += 1
        order = self._loads
        registry_stamps, latest_stamps = await self.changes.fleet_stamps()
        registry, _ = await self._registry.sync(registry_stamps, self._trucks_of)
        latest, _ = await self._latest.sync(latest_stamps, self._latest_of)
        # built from what this load's syncs returned, never from the last state: with loads
        # overlapping, the last state may come from another load's (older) reads
        last = self._state
        if last is not None and last.by_id is registry and last.latest is latest:
            # nothing moved (the mirrors hand back what they published): the same epoch,
            # so the answers built from it stay current (still no longer than the bound)
            state = FleetState(last.trucks, registry, latest, last.epoch, read_at)
        else:
            if last is not None and last.by_id is registry:  # the same registry: same order
                trucks = last.trucks
            else:
                trucks = tuple(sorted(registry.values(), key=_truck_id))
            self._epoch += 1
            state = FleetState(trucks, registry, latest, self._epoch, read_at)
        if order > self._published:
            self._state, self._published = state, order
        return state

    async def _trucks_of(self, truck_ids: list[TruckId]) -> dict[TruckId, Truck]:
        return {t.truck_id: t for t in await self.changes.trucks_of(truck_ids)}

    async def _latest_of(self, truck_ids: list[TruckId]) -> dict[TruckId, LatestState]:
        return {s.truck_id: s for s in await self.changes.latest_of(truck_ids)}

    async def state(self) -> FleetState:
        return await self.cache.get(None, self._load, ahead=True)

    def clear(self) -> None:
        self.cache.clear()

    async def close(self) -> None:
        await self.cache.close()

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
