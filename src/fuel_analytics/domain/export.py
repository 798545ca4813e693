"""Tabular exports in domain terms: named, typed columns (with units) and rows in batches.

Datetime cells are UTC, aware or naive (naive means UTC).
Services build tables from ports; writers (CSV, XLSX) are adapters that turn them into bytes.
Rows arrive in batches from an async iterator, so nothing ever holds a whole export.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ColumnKind = Literal["text", "number", "integer", "datetime", "date", "bool"]
Rows = AsyncIterator[Sequence[Sequence[Any]]]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind
    unit: str | None = None

    @property
    def title(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: Rows


async def settle(future: asyncio.Future[Any]) -> None:
    """Wait until ``future`` is done, even while this task is being cancelled (anyio cancels
    a task again at every await inside a cancelled scope): for clean-up that must not leave
    work running behind it. A cancellation received meanwhile is raised afterwards."""
    cancelled = False
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


async def prefetched(rows: Rows) -> AsyncGenerator[Sequence[Sequence[Any]], None]:
    """The same batches, the next one already being fetched while the caller works on the
    current one (a database round trip overlaps formatting). Closing this generator (the
    caller stopped early) stops the fetch under way and closes ``rows``, so a connection it
    holds goes back to its pool at once, not when the garbage collector finds it."""
    iterator = aiter(rows)
    pending: asyncio.Future[Sequence[Sequence[Any]]] = asyncio.ensure_future(anext(iterator))
    try:
        while True:
            try:
                batch = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(anext(iterator))
            yield batch
    finally:
        pending.cancel()
        try:
            await settle(pending)
        finally:
            if not pending.cancelled():
                pending.exception()  # retrieved: no "exception was never retrieved" warning
            close = getattr(iterator, "aclose", None)
            if close is not None:
                # in a task of its own: outside any cancelled scope of the caller's task, so
                # the clean-up (returning a connection: a round trip) is not interrupted
                closing = asyncio.ensure_future(close())
                await settle(closing)
                closing.result()


async def rows_of(items: Sequence[Sequence[Any]]) -> Rows:
    """Rows already in memory (small tables: a fleet summary) as a one-batch stream."""
    if items:
        yield items
