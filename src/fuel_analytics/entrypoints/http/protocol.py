"""Uvicorn's httptools protocol with each loop turn's writes of a connection sent together.

Uvicorn writes a response's head (status line and headers) and its body separately, and
uvloop sends each write at once: two ``send`` system calls per answer, and the client is
woken twice. Under ``make bench`` the head's write alone was 15 % of a worker's samples on
a cached /sensors answer (py-spy). Here the connection's transport holds what is written
until the event loop's current turn ends (``call_soon``), then sends it in one call
(``writelines``: one ``writev``); the bytes, their order and everything else the protocol
does (flow control, keep-alive, closing) are uvicorn's own. ``close`` sends what is held
first. A streamed answer's parts written in different turns go out as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class TurnBufferedTransport:
    """A transport that holds writes until the end of the loop's turn, then sends them in
    one call. Everything but ``write``, ``writelines`` and ``close`` is the transport's."""

    __slots__ = ("_held", "_loop", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._held: list[bytes | bytearray | memoryview] | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        held = self._held
        if held is None:
            self._held = [data]
            self._loop.call_soon(self.flush)
        else:
            held.append(data)

    def writelines(self, lines: list[bytes | bytearray | memoryview]) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        held, self._held = self._held, None
        if held and not self.transport.is_closing():
            if len(held) == 1:
                self.transport.write(held[0])
            else:
                self.transport.writelines(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class TurnBufferedHttpToolsProtocol(HttpToolsProtocol):
    """``uvicorn --http fuel_analytics.entrypoints.http.protocol:TurnBufferedHttpToolsProtocol``"""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        buffered: Any = TurnBufferedTransport(transport, self.loop)
        super().connection_made(buffered)
