"""A client that hangs up cancels the request's work.

Uvicorn does not cancel an application whose client went away: a slow request (a fleet
summary, a long history) would keep running, and keep its database connection checked out,
for nobody. Here the server's ``receive`` is read by a task of its own that hands the
messages on to the application; an ``http.disconnect`` cancels the request's task at once
(the application runs in it, and the cancellation is taken back once it has stopped),
whose ``async with`` blocks then give their connections back to the pool. That includes a
streamed answer already under way (an export): after a disconnect uvicorn's ``send`` returns
without waiting, so an export left to notice the disconnect itself would read page after
page for nobody until Starlette's own listener cancels it; the export's response closes its
generators, shielded, when cancelled (routes.exports.ClosingStreamingResponse).

The watcher starts only once a request has run for ``WATCH_AFTER_S``: most answers (cached
live state) are sent sooner than that, and the two tasks per request this used to start
(the application's and the watcher's) cost them about a fifth of their CPU (py-spy under
`make bench`). Until then the application reads ``receive`` itself, and a disconnect it
reads cancels it the same way. One timer per event loop looks at the requests in flight
(oldest first) instead of a timer per request, and a request's state is one object rather
than five closures: together a seventh of a cached answer's instructions (callgrind).
"""

from __future__ import annotations

import asyncio
import weakref

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DISCONNECT: Message = {"type": "http.disconnect"}
# a request still running after this long gets a relay watching for its client's hang-up:
# sooner, under load, mere turns of a busy event loop started relays for quick answers
WATCH_AFTER_S = 0.1


class _Call:
    """One request: the application running in the request's task, and (once it has run
    for ``WATCH_AFTER_S``) a relay task reading ``receive`` for a hang-up."""

    __slots__ = (
        "app",
        "arrived",
        "gone",
        "inbox",
        "reading",
        "receive",
        "relay_task",
        "send",
        "since",
        "started",
        "task",
        "watching",
    )

    def __init__(self, app: ASGIApp, receive: Receive, send: Send, task: asyncio.Task[object]):
        self.app = app
        self.receive = receive
        self.send = send
        self.task = task
        self.since = 0.0  # the loop's time when the watch list took it
        self.gone = False  # the client hung up, and the task was cancelled for it
        self.started = False  # the response has started
        self.watching = False  # the relay reads ``receive``; before that, the application does
        self.reading = 0  # application reads of ``receive`` in progress (before the relay)
        self.inbox: asyncio.Queue[Message] | None = None  # the body, one message at a time
        self.arrived: asyncio.Event | None = None  # set with ``gone`` once the relay runs
        self.relay_task: asyncio.Task[None] | None = None

    def hang_up(self) -> None:
        if not self.gone:
            self.gone = True
            if self.arrived is not None:
                self.arrived.set()
            self.task.cancel()

    async def relay(self) -> None:
        assert self.inbox is not None
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.hang_up()
                return
            await self.inbox.put(message)

    async def app_receive(self) -> Message:
        if not self.watching:
            self.reading += 1
            try:
                message = await self.receive()
            finally:
                self.reading -= 1
            if message["type"] == "http.disconnect":
                self.hang_up()
            return message
        inbox, arrived = self.inbox, self.arrived
        assert inbox is not None
        assert arrived is not None
        if not inbox.empty():
            return inbox.get_nowait()
        if self.gone:
            return DISCONNECT
        getter = asyncio.ensure_future(inbox.get())
        hangup = asyncio.ensure_future(arrived.wait())
        try:
            await asyncio.wait({getter, hangup}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hangup.cancel()
            if not getter.done():
                getter.cancel()  # takes nothing from the queue
        if getter.done() and not getter.cancelled():
            return getter.result()
        return DISCONNECT

    async def app_send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)

    def watch(self) -> bool:
        """Start the relay; False while the application reads the body itself (look
        again later)."""
        if self.reading:
            return False
        self.watching = True
        self.inbox = asyncio.Queue(maxsize=1)
        self.arrived = asyncio.Event()
        self.relay_task = asyncio.create_task(self.relay())
        return True


class _WatchList:
    """The requests of one event loop that may need a relay, oldest first; one timer
    starts the relays of those that have run for ``WATCH_AFTER_S``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.calls: dict[_Call, None] = {}  # in the order they came: oldest first
        self.timer: asyncio.TimerHandle | None = None

    def add(self, call: _Call) -> None:
        call.since = self.loop.time()
        self.calls[call] = None
        if self.timer is None:
            self.timer = self.loop.call_at(call.since + WATCH_AFTER_S, self.sweep)

    def discard(self, call: _Call) -> None:
        self.calls.pop(call, None)

    def sweep(self) -> None:
        self.timer = None
        due = self.loop.time() - WATCH_AFTER_S
        later: list[_Call] = []
        while self.calls:
            call = next(iter(self.calls))
            if call.since > due:
                break
            del self.calls[call]
            if not call.watch():
                later.append(call)  # reading its body: looked at again after a while
        now = self.loop.time()
        for call in later:
            call.since = now
            self.calls[call] = None
        if self.calls:
            oldest = next(iter(self.calls))
            self.timer = self.loop.call_at(oldest.since + WATCH_AFTER_S, self.sweep)


_watch_lists: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _WatchList] = (
    weakref.WeakKeyDictionary()
)


def _watch_list() -> _WatchList:
    loop = asyncio.get_running_loop()
    found = _watch_lists.get(loop)
    if found is None:
        found = _watch_lists[loop] = _WatchList(loop)
    return found


async def run_unless_disconnected(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> bool:
    """Run ``app`` for one HTTP request in this task; False if the client hung up before
    the response started and the application was cancelled for it, True otherwise."""
    current = asyncio.current_task()
    assert current is not None
    call = _Call(app, receive, send, current)
    watch_list = _watch_list()
    watch_list.add(call)
    try:
        await app(scope, call.app_receive, call.app_send)
    except asyncio.CancelledError:
        # ours (the client left) unless someone else cancelled this task too
        if call.gone and current.uncancel() == 0:
            return call.started
        raise
    else:
        if call.gone:  # cancelled for the hang-up, yet the application finished: take it back
            current.uncancel()
    finally:
        watch_list.discard(call)
        if call.relay_task is not None:
            call.relay_task.cancel()
            await asyncio.gather(call.relay_task, return_exceptions=True)
    return True
