"""A client that hangs up cancels the request's work.

Uvicorn does not cancel an application whose client went away: a slow request (a fleet
summary, a long history) would keep running, and keep its database connection checked out,
for nobody. Here the server's ``receive`` is read by a task of its own that hands the
messages on to the application; an ``http.disconnect`` cancels the application at once,
whose ``async with`` blocks then give their connections back to the pool. That includes a
streamed answer already under way (an export): after a disconnect uvicorn's ``send`` returns
without waiting, so an export left to notice the disconnect itself would read page after
page for nobody until Starlette's own listener cancels it; the export's response closes its
generators, shielded, when cancelled (routes.exports.ClosingStreamingResponse).
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DISCONNECT: Message = {"type": "http.disconnect"}


async def run_unless_disconnected(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> bool:
    """Run ``app`` for one HTTP request; False if the client hung up before the response
    started and the application was cancelled for it, True otherwise."""
    inbox: asyncio.Queue[Message] = asyncio.Queue(maxsize=1)  # the body keeps backpressure
    gone = asyncio.Event()
    started = False

    async def relay() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.set()
                task.cancel()
                return
            await inbox.put(message)

    async def app_receive() -> Message:
        if not inbox.empty():
            return inbox.get_nowait()
        if gone.is_set():
            return DISCONNECT
        getter = asyncio.ensure_future(inbox.get())
        hangup = asyncio.ensure_future(gone.wait())
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

    async def run_app() -> None:
        await app(scope, app_receive, app_send)

    task = asyncio.create_task(run_app())
    relay_task = asyncio.create_task(relay())
    try:
        await asyncio.wait({task})
    except asyncio.CancelledError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
    finally:
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)
    if task.cancelled() and gone.is_set():
        return started  # the client left: before the answer (False) or during it
    task.result()  # the application's own outcome, exceptions included
    return True
