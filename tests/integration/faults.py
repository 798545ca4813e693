"""Fault injection for the reliability tests: a TCP proxy between the service and MariaDB.

The service's database URL points at the proxy, never at the server itself, so a test can
take "the database" away without stopping the shared MariaDB server:

- ``up``: bytes flow both ways;
- ``reset``: every open connection is reset (RST, SO_LINGER 0) and every new one is reset as
  soon as it is accepted, like a server that died or refuses connections;
- ``blackhole``: nothing flows any more, in either direction, on open or new connections:
  packets go nowhere, nothing is answered, nothing is closed (a cut cable, a dropped route);
  when the proxy comes back up, the stalled connections are reset (the peer forgot them);
- ``slow``: every query (a MySQL COM_QUERY packet) reaches the server ``delay_s`` late, as if
  each statement were ``SELECT SLEEP(delay_s)``; the handshake and its SETs, pings
  (pre-ping), ROLLBACK (the pool's reset on return) and /health's own queries are not.

It also notes how each connection to the server ended: with the client's COM_QUIT (a pool
that closed it) or without.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["up", "reset", "blackhole", "slow"]
COM_QUIT = 0x01
COM_QUERY = 0x03


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with an RST rather than a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _fast(query: bytes) -> bool:
    """Queries never delayed: /health's, a new connection's SETs and the pool's reset on
    return (ROLLBACK)."""
    return (
        query == b"SELECT 1"
        or query.startswith((b"ROLLBACK", b"SET "))
        or b"alembic_version" in query
    )


@dataclass(eq=False)
class _Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    stalled: bool = False
    quit: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def reset(self) -> None:
        _abort(self.client)
        if self.server is not None:
            _abort(self.server)
        for task in self.tasks:
            task.cancel()


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode: Mode = "up"
        self.delay_s = 0.0
        self.accepted = 0
        self.ended_with_quit = 0  # server connections the client closed with COM_QUIT
        self.ended_without_quit = 0
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def open_links(self) -> int:
        return len(self._links)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.reset()
        self._links.clear()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def down(self, how: Literal["reset", "blackhole"]) -> None:
        self.mode = how
        for link in list(self._links):
            if how == "reset":
                link.reset()
                self._links.discard(link)
            else:
                link.stalled = True

    def slow(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.mode = "slow"

    def up(self) -> None:
        """Back up: stalled (black-holed) connections are reset, new ones flow."""
        self.mode = "up"
        for link in list(self._links):
            if link.stalled:
                link.reset()
                self._links.discard(link)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.accepted += 1
        link = _Link(client=writer)
        try:
            if self.mode == "reset":
                _abort(writer)
                return
            self._links.add(link)
            if self.mode == "blackhole":
                link.stalled = True
                await self._drain_forever(reader)
                return
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            link.server = up_writer
            if link.stalled:  # went down while connecting
                await self._drain_forever(reader)
                return
            link.tasks = [
                asyncio.create_task(self._pipe(link, reader, up_writer, to_server=True)),
                asyncio.create_task(self._pipe(link, up_reader, writer, to_server=False)),
            ]
            await asyncio.gather(*link.tasks, return_exceptions=True)
        except (OSError, asyncio.IncompleteReadError):
            link.reset()
        finally:
            if link.server is not None:
                if link.quit:
                    self.ended_with_quit += 1
                else:
                    self.ended_without_quit += 1
            self._links.discard(link)
            if not writer.is_closing():
                writer.close()
            if link.server is not None and not link.server.is_closing():
                link.server.close()
            self._handlers.discard(task)

    @staticmethod
    async def _drain_forever(reader: asyncio.StreamReader) -> None:
        while await reader.read(65536):
            pass

    async def _pipe(
        self,
        link: _Link,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        to_server: bool,
    ) -> None:
        try:
            while data := await reader.read(65536):
                if link.stalled:
                    continue  # packets go nowhere
                command = data[4] if to_server and len(data) > 4 and data[3] == 0 else None
                if command == COM_QUIT:
                    link.quit = True
                if command == COM_QUERY and self.mode == "slow" and not _fast(data[5:]):
                    await asyncio.sleep(self.delay_s)
                    if link.stalled:
                        continue
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if not link.stalled:
                # one side closed: close the other (a FIN, as the real peer would)
                with contextlib.suppress(OSError):
                    writer.close()
