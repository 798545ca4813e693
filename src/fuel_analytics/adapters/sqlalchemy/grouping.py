"""Group commit: the batches of concurrent ``store`` calls in one process share a transaction
(decision 38).

While a group's transaction runs, arriving batches queue. The next group takes the queued
batches of one carrier (a batch's carrier registers its unknown trucks), in arrival order,
up to GROUP_MAX_READINGS readings, and the store pays the row locks, the latest-state and
stale-mark upserts and the commit once for all of them. A caller's future is resolved only
after its group committed, or with the group's error.

A batch that queues while a running group writes its readings, and shares a truck with it
(so could not start before it ends), joins it when the group's readings are written, if
its carrier is the group's and the store allows (decision 43): the latest-state,
stale-mark and commit work is then paid once for it and the group.

Groups run in tasks owned by this object, never by a caller, so a caller that goes away (a
client that hung up) does not take the others' group with it. At most MAX_IN_FLIGHT groups
run at once, on disjoint sets of trucks; a batch waits for every running group that holds
one of its trucks (and never overtakes an earlier queued batch that shares a truck with it),
so the first stored of two equal readings is still the first sent.

Waiting is bounded like a pool checkout: a batch whose group has no database connection
within the pool timeout of its arrival fails with StorageUnavailable (503), as it would have
waiting for a pooled connection. A group whose every caller went away (cancelled, or timed
out waiting) is cancelled, as the single batch's transaction was before group commit: its
connection goes back to the pool at once. The last caller to leave waits for that, so no
group outlives the requests that started it: when the app stops and disposes the engine,
none is left.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence

from fuel_analytics.domain.errors import StorageUnavailable
from fuel_analytics.domain.model import CarrierId, Reading, StoreResult, TruckId

logger = logging.getLogger("fuel_analytics.ingest")

# Readings one group holds at most (a larger batch still goes, alone): 20 time-major
# batches of 1,000, more than a gateway's 8 concurrent clients ever queue. Bounded so that
# a group's synchronous steps (the union and its sort, each 1 MB statement's text) stay a
# few tens of milliseconds of event-loop time, and a failing group drags few batches along.
GROUP_MAX_READINGS = 20_000
# Groups in flight at once, on disjoint sets of trucks (decision 38). Measured equal to 1
# for truck-major batches through HTTP; with 1, two ingestions of different trucks would no
# longer run side by side, each on its own connection (the pool-exhaustion fault test).
MAX_IN_FLIGHT = 2

Outcome = StoreResult | Exception


class Batch:
    """One caller's batch, waiting for its group."""

    __slots__ = ("carrier_id", "future", "group", "left", "readings", "sent", "timer", "trucks")

    def __init__(
        self,
        readings: list[Reading],
        sent: int,
        carrier_id: CarrierId | None,
        future: asyncio.Future[StoreResult],
    ) -> None:
        self.readings = readings  # unique by key (the first of a repeat), primary-key order
        self.sent = sent  # as sent, repeats included: duplicates = sent - accepted
        self.carrier_id = carrier_id
        self.trucks: frozenset[TruckId] = frozenset(r.truck_id for r in readings)
        self.future = future
        self.group: Group | None = None
        self.timer: asyncio.TimerHandle | None = None  # gives up waiting for a connection
        self.left = False  # its caller went away (cancelled, or gave up waiting)


class Group:
    """Batches stored in one transaction."""

    __slots__ = ("batches", "given_up", "task", "trucks")

    def __init__(self, batches: list[Batch]) -> None:
        self.batches = batches
        self.trucks: frozenset[TruckId] = frozenset().union(*(b.trucks for b in batches))
        self.task: asyncio.Task[None] | None = None
        self.given_up = False  # cancelled because every caller went away

    def started(self) -> None:
        """The group holds a connection: its callers now wait for it to finish, however
        long its statements take (the database's read timeout bounds them)."""
        for batch in self.batches:
            if batch.timer is not None:
                batch.timer.cancel()
                batch.timer = None


# stores a group's batches: an outcome per batch, in order; raises only when cancelled.
# Its arguments: the group's batches (a list that ``absorb`` extends), ``started`` (the
# group holds a connection) and ``absorb`` (queued batches that join the group now, of
# those its argument says may).
Absorb = Callable[[Callable[["Batch"], bool]], list["Batch"]]
Commit = Callable[[list["Batch"], Callable[[], None], Absorb], Awaitable[Sequence[Outcome]]]


class GroupCommit:
    def __init__(
        self,
        commit: Commit,
        wait_s: Callable[[], float],
        *,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_readings: int = GROUP_MAX_READINGS,
    ) -> None:
        self._commit = commit
        self._wait_s = wait_s
        self._max_in_flight = max_in_flight
        self._max_readings = max_readings
        self._queue: list[Batch] = []
        self._running: list[Group] = []
        self.groups = 0  # groups started so far (the tests count them)
        self.largest = 0  # the most batches a group held

    @property
    def queued(self) -> int:
        """Batches waiting for a group."""
        return len(self._queue)

    @property
    def idle(self) -> bool:
        """Nothing queued, no group running (no task of ours exists)."""
        return not self._queue and not self._running

    async def submit(
        self, readings: list[Reading], sent: int, carrier_id: CarrierId | None
    ) -> StoreResult:
        loop = asyncio.get_running_loop()
        batch = Batch(readings, sent, carrier_id, loop.create_future())
        batch.timer = loop.call_later(self._wait_s(), self._expire, batch)
        self._queue.append(batch)
        self._dispatch()
        try:
            return await batch.future
        except BaseException:
            if batch.left or batch.future.cancelled():  # the caller goes away
                await self._leave(batch)
            raise

    def _expire(self, batch: Batch) -> None:
        """No connection for the batch's group within the pool timeout: its caller gets
        what a pool timeout gives (503); a queued batch is dropped."""
        batch.timer = None
        if batch.future.done():
            return
        batch.left = True
        if batch.group is None:
            self._queue.remove(batch)
        batch.future.set_exception(
            StorageUnavailable(
                "no database connection was free within the pool timeout "
                "(the batch waited for the transactions before it)"
            )
        )

    async def _leave(self, batch: Batch) -> None:
        batch.left = True
        if batch.timer is not None:
            batch.timer.cancel()
            batch.timer = None
        group = batch.group
        if group is None:  # still queued: it never will be stored
            if batch in self._queue:
                self._queue.remove(batch)
            return
        task = group.task
        if task is None or task.done() or not all(b.left for b in group.batches):
            return  # the others still wait for the group (the batch may be stored with it)
        group.given_up = True
        task.cancel()
        # its connection is back in the pool, and the task gone, before this caller ends
        await asyncio.wait([task])

    def _dispatch(self) -> None:
        """Start groups while a slot is free and a queued batch can go."""
        while len(self._running) < self._max_in_flight:
            group = self._take()
            if group is None:
                return
            self._running.append(group)
            self.groups += 1
            self.largest = max(self.largest, len(group.batches))
            group.task = asyncio.get_running_loop().create_task(
                self._run(group), name="store-readings"
            )
            group.task.add_done_callback(functools.partial(self._done, group))

    def _take(self) -> Group | None:
        """The queued batches of the first one's carrier, in order, up to the size limit,
        that share no truck with a running group or with an earlier batch left queued."""
        chosen = self._pick([group.trucks for group in self._running], [])
        if not chosen:
            return None
        group = Group(chosen)
        for batch in chosen:
            batch.group = group
        self._queue = [batch for batch in self._queue if batch.group is None]
        return group

    def _absorb(self, group: Group, may_join: Callable[[Batch], bool]) -> list[Batch]:
        """The queued batches that join a running group whose readings are not all written
        yet (decision 43): those that share a truck with it, so could not start before it
        ends, and that ``_take`` would have added to it had they been queued when it
        started. Live batches that arrive while a group writes its readings then share its
        latest-state, stale-mark and commit work instead of paying it again in a group of
        their own."""
        if group.given_up:
            return []
        held = [other.trucks for other in self._running if other is not group]
        joined = self._pick(held, group.batches, group.trucks, may_join)[len(group.batches) :]
        if not joined:
            return []
        for batch in joined:
            batch.group = group
            if batch.timer is not None:  # the group holds a connection
                batch.timer.cancel()
                batch.timer = None
        group.batches.extend(joined)
        group.trucks = group.trucks.union(*(batch.trucks for batch in joined))
        self.largest = max(self.largest, len(group.batches))
        self._queue = [batch for batch in self._queue if batch.group is None]
        return joined

    def _pick(
        self,
        held: list[frozenset[TruckId]],
        chosen: list[Batch],
        near: frozenset[TruckId] | None = None,
        may_join: Callable[[Batch], bool] | None = None,
    ) -> list[Batch]:
        """``chosen`` and then the queued batches of its carrier (the first one's when it is
        empty), in order, up to the size limit, that share no truck with ``held`` or with an
        earlier batch left queued (and, with ``near``, share one with it: a batch of other
        trucks can have a group of its own beside it; and that ``may_join`` allows)."""
        passed: set[TruckId] = set()  # trucks of batches left queued: none may be overtaken
        chosen = list(chosen)
        carrier: CarrierId | None = chosen[0].carrier_id if chosen else None
        size = sum(len(batch.readings) for batch in chosen)
        for batch in self._queue:
            blocked = (
                not batch.trucks.isdisjoint(passed)
                or any(not batch.trucks.isdisjoint(trucks) for trucks in held)
                or (near is not None and batch.trucks.isdisjoint(near))
                or (may_join is not None and not may_join(batch))
            )
            if not blocked and chosen:
                if batch.carrier_id != carrier:
                    blocked = True
                elif size + len(batch.readings) > self._max_readings:
                    break  # the group is full
            if blocked:
                passed.update(batch.trucks)
                continue
            if not chosen:
                carrier = batch.carrier_id
            chosen.append(batch)
            size += len(batch.readings)
        return chosen

    async def _run(self, group: Group) -> None:
        outcomes = await self._commit(
            group.batches, group.started, functools.partial(self._absorb, group)
        )
        self._finish(group, outcomes)
        self._dispatch()  # the next group starts before this one's callers resume

    def _finish(self, group: Group, outcomes: Sequence[Outcome] | None) -> None:
        """The group no longer runs; its callers get their outcomes (None: every caller
        went away, there is nobody to answer)."""
        if group in self._running:
            self._running.remove(group)
        if outcomes is not None:
            for batch, outcome in zip(group.batches, outcomes, strict=True):
                self._settle(batch, outcome)

    def _done(self, group: Group, task: asyncio.Task[None]) -> None:
        """After the group's task: when it did not end the normal way (``_run`` finished
        it), no group stays marked running, no caller waits for nothing, no error goes
        unseen."""
        if task.cancelled():
            if not group.given_up:  # cancelled from outside: the event loop is closing
                stopped = StorageUnavailable("the service stopped before the batch was stored")
                self._finish(group, [stopped] * len(group.batches))
                for batch in self._queue:
                    self._settle(batch, stopped)
                self._queue.clear()
                return
            self._finish(group, None)
        elif (error := task.exception()) is not None:  # pragma: no cover - a bug of ours
            logger.error("storing a group of batches failed", exc_info=error)
            failed = error if isinstance(error, Exception) else RuntimeError(repr(error))
            self._finish(group, [failed] * len(group.batches))
        else:
            return
        self._dispatch()

    @staticmethod
    def _settle(batch: Batch, outcome: Outcome) -> None:
        if batch.timer is not None:
            batch.timer.cancel()
            batch.timer = None
        if batch.future.done():  # its caller went away before the group ended
            if isinstance(outcome, Exception):
                logger.warning(
                    "a batch of %d readings whose caller had gone away was not stored: %r",
                    batch.sent,
                    outcome,
                )
            return
        if isinstance(outcome, Exception):
            batch.future.set_exception(outcome)
        else:
            batch.future.set_result(outcome)
