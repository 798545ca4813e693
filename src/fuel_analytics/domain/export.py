"""Tabular exports in domain terms: named, typed columns (with units) and rows in batches.

Datetime cells are UTC, aware or naive (naive means UTC).
Services build tables from ports; writers (CSV, XLSX) are adapters that turn them into bytes.
Rows arrive in batches from an async iterator, so nothing ever holds a whole export.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
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


async def prefetched(rows: Rows) -> Rows:
    """The same batches, the next one already being fetched while the caller works on the
    current one (a database round trip overlaps formatting)."""
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
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending


async def rows_of(items: Sequence[Sequence[Any]]) -> Rows:
    """Rows already in memory (small tables: a fleet summary) as a one-batch stream."""
    if items:
        yield items
