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
reads cancels it the same way.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DISCONNECT: Message = {"type": "http.disconnect"}
WATCH_AFTER_S = 0.02


async def run_unless_disconnected(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> bool:
    """Run ``app`` for one HTTP request in this task; False if the client hung up before
    the response started and the application was cancelled for it, True otherwise."""
    current = asyncio.current_task()
    assert current is not None
    loop = asyncio.get_running_loop()
    gone = False  # the client hung up, and this task was cancelled for it
    started = False
    watching = False  # the relay reads ``receive``; before that, the application does
    reading = 0  # application reads of ``receive`` in progress (before the relay)
    inbox: asyncio.Queue[Message] | None = None  # the body, one message at a time
    arrived: asyncio.Event | None = None  # set with ``gone`` once the relay runs
    relay_task: asyncio.Task[None] | None = None
    timer: asyncio.TimerHandle | None = None

    def hang_up() -> None:
        nonlocal gone
        if not gone:
            gone = True
            if arrived is not None:
                arrived.set()
            current.cancel()

    async def relay() -> None:
        assert inbox is not None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                hang_up()
                return
            await inbox.put(message)

    async def app_receive() -> Message:
        nonlocal reading
        if not watching:
            reading += 1
            try:
                message = await receive()
            finally:
                reading -= 1
            if message["type"] == "http.disconnect":
                hang_up()
            return message
        assert inbox is not None
        assert arrived is not None
        if not inbox.empty():
            return inbox.get_nowait()
        if gone:
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

    async def app_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    def watch() -> None:
        nonlocal watching, relay_task, timer, inbox, arrived
        if reading:  # the application is reading the body itself: look again shortly
            timer = loop.call_later(WATCH_AFTER_S, watch)
            return
        watching = True
        inbox = asyncio.Queue(maxsize=1)
        arrived = asyncio.Event()
        relay_task = asyncio.create_task(relay())

    timer = loop.call_later(WATCH_AFTER_S, watch)
    try:
        await app(scope, app_receive, app_send)
    except asyncio.CancelledError:
        # ours (the client left) unless someone else cancelled this task too
        if gone and current.uncancel() == 0:
            return started
        raise
    else:
        if gone:  # cancelled for the hang-up, yet the application finished: take it back
            current.uncancel()
    finally:
        timer.cancel()
        if relay_task is not None:
            relay_task.cancel()
            await asyncio.gather(relay_task, return_exceptions=True)
    return True
