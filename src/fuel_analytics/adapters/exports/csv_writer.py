"""CSV: a header with units, then one line per row, yielded batch by batch."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from fuel_analytics.domain.export import Column, Table


def _datetime(value: Any) -> str:
    if not isinstance(value, datetime):
        return str(value)
    text = value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat() + "+00:00"
    return text.replace("+00:00", "Z")


def _cell(column: Column) -> Callable[[Any], Any]:
    if column.kind == "datetime":
        return _datetime
    if column.kind == "date":
        return lambda value: value.isoformat() if isinstance(value, date) else value
    if column.kind == "bool":
        return lambda value: "true" if value else "false"
    if column.kind == "text":
        return lambda value: value
    return repr  # floats and ints exactly as stored


def _line(columns: Sequence[Column]) -> Callable[[Sequence[Any]], list[Any]]:
    converters = [_cell(c) for c in columns]
    pairs = list(enumerate(converters))

    def convert(row: Sequence[Any]) -> list[Any]:
        return [None if row[i] is None else f(row[i]) for i, f in pairs]

    return convert


async def csv_chunks(table: Table) -> AsyncIterator[bytes]:
    """UTF-8 CSV: the header first (so a download starts at once), then a chunk per batch.
    Empty cells are missing values; timestamps are RFC 3339 UTC."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.title for c in table.columns])
    yield buffer.getvalue().encode()
    convert = _line(table.columns)
    async for batch in table.rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(convert(row) for row in batch)
        yield buffer.getvalue().encode()
