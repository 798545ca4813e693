"""CSV: a header with units, then one line per row, yielded batch by batch."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from fuel_analytics.domain.export import Column, Table, prefetched


def _datetime(value: Any) -> str:
    if not isinstance(value, datetime):
        return str(value)
    if value.tzinfo is None:  # naive means UTC (domain.export)
        return value.isoformat() + "Z"
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def _cell(column: Column) -> Callable[[Any], Any] | None:
    """A converter for the cells csv would not write as wanted; None: as they are (text, and
    numbers, which csv writes with repr: exact)."""
    if column.kind == "datetime":
        return _datetime
    if column.kind == "date":
        return lambda value: value.isoformat() if isinstance(value, date) else value
    if column.kind == "bool":
        return lambda value: "true" if value else "false"
    return None


def _formatter(columns: Sequence[Column]) -> Callable[[Sequence[Sequence[Any]]], bytes]:
    pairs = [(i, f) for i, c in enumerate(columns) if (f := _cell(c)) is not None]

    def convert(row: Sequence[Any]) -> Sequence[Any]:
        if not pairs:
            return row
        cells = list(row)
        for i, f in pairs:
            if cells[i] is not None:
                cells[i] = f(cells[i])
        return cells

    def format_batch(batch: Sequence[Sequence[Any]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(convert(row) for row in batch)
        return buffer.getvalue().encode()

    return format_batch


async def csv_chunks(table: Table) -> AsyncIterator[bytes]:
    """UTF-8 CSV: the header first (so a download starts at once), then a chunk per batch.
    Empty cells are missing values; timestamps are RFC 3339 UTC. Each batch is formatted in a
    worker thread, so the event loop keeps serving other requests during a long export."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow([c.title for c in table.columns])
    yield header.getvalue().encode()
    format_batch = _formatter(table.columns)
    async with contextlib.aclosing(prefetched(table.rows)) as batches:
        async for batch in batches:
            yield await asyncio.to_thread(format_batch, batch)
