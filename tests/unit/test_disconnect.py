"""A client that hangs up cancels its request's work; a quick request starts no relay."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from fuel_analytics.entrypoints.http import disconnect
from fuel_analytics.entrypoints.http.disconnect import WATCH_AFTER_S, run_unless_disconnected

SCOPE: Scope = {"type": "http", "method": "GET", "path": "/"}


class Client:
    """The server's side: ``receive`` gives the body, then waits until the client hangs up."""

    def __init__(self, body: list[bytes] | None = None) -> None:
        self.body = list(body or [])
        self.left = asyncio.Event()
        self.sent: list[Message] = []
        self.reads = 0

    async def receive(self) -> Message:
        self.reads += 1
        if self.body:
            chunk = self.body.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(self.body)}
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)


async def answer(send: Send, body: bytes = b"ok") -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def test_a_quick_answer_reads_nothing_and_starts_no_relay() -> None:
    client = Client()
    started = asyncio.all_tasks()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await answer(send)

    assert await run_unless_disconnected(app, SCOPE, client.receive, client.send)
    assert client.reads == 0
    assert asyncio.all_tasks() == started  # no relay task left, none started
    assert [m["type"] for m in client.sent] == ["http.response.start", "http.response.body"]


async def test_a_slow_request_is_cancelled_when_the_client_hangs_up() -> None:
    client = Client()
    cancelled = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    running = asyncio.create_task(run_unless_disconnected(app, SCOPE, client.receive, client.send))
    await asyncio.sleep(WATCH_AFTER_S * 3)  # the relay is reading by now
    client.left.set()
    assert await asyncio.wait_for(running, 1) is False  # hung up before any answer
    assert cancelled.is_set()
    assert not running.cancelled()  # the hang-up's cancellation was taken back


async def test_a_hang_up_during_a_streamed_answer_stops_it() -> None:
    client = Client()
    chunks = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal chunks
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while True:
            chunks += 1
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await asyncio.sleep(0.005)

    running = asyncio.create_task(run_unless_disconnected(app, SCOPE, client.receive, client.send))
    await asyncio.sleep(WATCH_AFTER_S * 3)
    client.left.set()
    assert await asyncio.wait_for(running, 1) is True  # the answer had started
    seen = chunks
    await asyncio.sleep(0.03)
    assert chunks == seen  # nothing more is made for nobody


async def test_a_body_read_slowly_arrives_whole_through_the_relay() -> None:
    client = Client([b"a", b"b", b"c"])
    got: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            got.append(message["body"])
            if not message["more_body"]:
                break
            await asyncio.sleep(WATCH_AFTER_S * 1.5)  # the relay takes over in between
        await answer(send, b"".join(got))

    assert await run_unless_disconnected(app, SCOPE, client.receive, client.send)
    assert got == [b"a", b"b", b"c"]
    assert client.sent[-1]["body"] == b"abc"


async def test_a_disconnect_read_by_the_application_itself_cancels_it() -> None:
    client = Client()
    client.left.set()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "http.disconnect"
        await asyncio.sleep(10)  # cancelled here

    assert (
        await asyncio.wait_for(run_unless_disconnected(app, SCOPE, client.receive, client.send), 1)
        is False
    )


async def test_many_requests_share_one_timer() -> None:
    clients = [Client() for _ in range(50)]
    gate = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await gate.wait()
        await answer(send)

    running = [
        asyncio.create_task(run_unless_disconnected(app, SCOPE, c.receive, c.send)) for c in clients
    ]
    await asyncio.sleep(0)
    watch_list = disconnect._watch_list()
    assert len(watch_list.calls) == 50
    assert watch_list.timer is not None
    await asyncio.sleep(WATCH_AFTER_S * 3)
    assert not watch_list.calls  # each one's relay started
    gate.set()
    assert all(await asyncio.gather(*running))
    assert watch_list.timer is None
