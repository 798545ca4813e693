"""One write per loop turn (entrypoints/http/protocol.py): the transport alone, then a real
uvicorn server with the protocol answering what HTTP clients send."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from fuel_analytics.entrypoints.http.protocol import (
    TurnBufferedHttpToolsProtocol,
    TurnBufferedTransport,
)


class FakeTransport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, lines: list[bytes]) -> None:
        self.calls.append(("writelines", b"".join(lines)))

    def close(self) -> None:
        self.calls.append(("close", b""))
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def buffered() -> tuple[TurnBufferedTransport, FakeTransport]:
    fake = FakeTransport()
    transport: Any = fake
    return TurnBufferedTransport(transport, asyncio.get_running_loop()), fake


async def test_writes_of_one_turn_go_out_in_one_call_at_its_end() -> None:
    transport, fake = buffered()
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"")  # nothing to send: no call for it
    transport.writelines([b"{", b"}"])
    assert fake.calls == []  # held until the turn ends
    await asyncio.sleep(0)
    assert fake.calls == [("writelines", b"HTTP/1.1 200 OK\r\n\r\n{}")]
    transport.write(b"next")  # a later turn: sent on its own, as a single write
    await asyncio.sleep(0)
    assert fake.calls[1:] == [("write", b"next")]


async def test_close_sends_what_is_held_first_and_nothing_after() -> None:
    transport, fake = buffered()
    transport.write(b"head")
    transport.write(b"body")
    transport.close()
    await asyncio.sleep(0)  # the turn's flush finds nothing more
    assert fake.calls == [("writelines", b"headbody"), ("close", b"")]


async def test_a_transport_closed_meanwhile_gets_nothing_and_the_rest_is_delegated() -> None:
    transport, fake = buffered()
    transport.write(b"lost")
    fake.closed = True  # the peer went away before the turn ended
    await asyncio.sleep(0)
    assert fake.calls == []
    assert transport.is_closing()
    assert transport.get_extra_info("peername") == "info:peername"


# --------------------------------------------------------------------------- a real server


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    path = scope["path"]
    if path == "/echo":  # the request body back, read in parts
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        length = [(b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": length})
        await send({"type": "http.response.body", "body": body})
        return
    if path == "/stream":  # parts written in different turns of the loop
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in range(5):
            await asyncio.sleep(0.01)
            await send({"type": "http.response.body", "body": b"%d," % part, "more_body": True})
        await send({"type": "http.response.body", "body": b"end"})
        return
    body = path.encode() * 2_000 if path == "/big" else b'{"ok":true}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def server() -> AsyncIterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=TurnBufferedHttpToolsProtocol, log_level="warning"
    )
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    # uvicorn's Server has a flag, not an event, for "listening"
    while not running.started:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        await task


async def test_answers_on_one_kept_alive_connection(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        for _ in range(3):
            response = await http.get("/small")
            assert (response.status_code, response.json()) == (200, {"ok": True})
        big = await http.get("/big")
        assert big.content == b"/big" * 2_000
        head = await http.head("/small")
        assert (head.status_code, head.content) == (200, b"")


async def test_a_streamed_answer_arrives_whole_and_in_order(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        response = await http.get("/stream")
    assert response.content == b"0,1,2,3,4,end"


async def test_expect_100_continue_is_answered_before_the_body(server: str) -> None:
    """The client waits for the interim 100 before it sends the body: held, it would hang."""
    host, port = server.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n"
    )
    await writer.drain()
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    writer.write(b"hello")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert await asyncio.wait_for(reader.read(5), 2) == b"hello"
    writer.close()
    await writer.wait_closed()
