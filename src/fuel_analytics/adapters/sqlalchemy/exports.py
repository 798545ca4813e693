"""Readings for exports of any size: keyset pages along the primary key, truck by truck.

Not one long server-side cursor: asyncmy reads a streamed result set from the socket as fast
as the server sends it, with no backpressure, so a slow client made the server buffer the
export (measured: 224 MB for 1,000,000 rows of 3 columns behind a consumer pausing 2 ms per
5,000 rows, against 55 MB when it keeps up). A page of ``batch`` rows per query
(``truck_id = ? AND ts > ? ORDER BY ts LIMIT ?``, a primary-key range scan) bounds memory by
the page and leaves nothing running on the server between pages, so an export the client
abandons stops at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    String,
    case,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import connect
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.tables import readings, trucks
from fuel_analytics.domain.model import TruckId


def rfc3339(dialect: str) -> ColumnElement[str]:
    """The stored UTC timestamp as RFC 3339 text, formatted by the database itself, exactly
    as Python's isoformat() + "Z" would (microseconds only when there are any)."""
    if dialect == "sqlite":  # stored as "YYYY-MM-DD HH:MM:SS.ffffff"
        text = type_coerce(readings.c.ts, String())
        whole = func.substr(text, 1, 10).concat("T").concat(func.substr(text, 12, 8))
        return case(
            (func.substr(text, 20) == ".000000", whole.concat("Z")),
            else_=func.replace(text, " ", "T").concat("Z"),
        )
    return case(
        (
            func.microsecond(readings.c.ts) == 0,
            func.date_format(readings.c.ts, literal("%Y-%m-%dT%H:%i:%sZ")),
        ),
        else_=func.date_format(readings.c.ts, literal("%Y-%m-%dT%H:%i:%s.%fZ")),
    )


class SqlReadingRows:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _truck_ids(self, truck_ids: Collection[TruckId] | None) -> list[str]:
        if truck_ids is not None:
            return sorted(set(truck_ids))
        with storage_errors():
            async with connect(self._engine) as conn:
                rows = await conn.execute(select(trucks.c.truck_id).order_by(trucks.c.truck_id))
                return [row.truck_id for row in rows]

    async def stream(
        self,
        truck_ids: Collection[TruckId] | None,
        start: datetime,
        end: datetime,
        columns: Sequence[str],
        batch: int,
        *,
        text_timestamps: bool = False,
    ) -> AsyncIterator[Sequence[tuple[Any, ...]]]:
        # timestamps come back naive UTC (what the column stores): no per-row tz conversion
        ts = type_coerce(readings.c.ts, DateTime()).label("ts")
        shown = rfc3339(self._engine.dialect.name).label("ts") if text_timestamps else ts
        wanted = [shown if name == "ts" else readings.c[name] for name in columns]
        # the page key: the ts column when exported as a datetime, else an extra last column
        keyed = "ts" in columns and not text_timestamps
        ts_at = columns.index("ts") if keyed else len(wanted)
        width = len(wanted)
        extra = [] if keyed else [ts]
        base = select(*wanted, *extra).order_by(readings.c.ts).limit(batch)
        chosen = await self._truck_ids(truck_ids)
        # one connection for the whole export (a checkout per page cost a quarter of the
        # throughput); the writers close this generator as soon as the export stops, the
        # HTTP response even when the client left while it waited at a yield
        with storage_errors():
            async with connect(self._engine) as conn:
                for truck_id in chosen:
                    after: datetime | None = None
                    while True:
                        page = base.where(readings.c.truck_id == truck_id, readings.c.ts < end)
                        page = page.where(
                            readings.c.ts > after if after is not None else readings.c.ts >= start
                        )
                        rows = (await conn.execute(page)).all()
                        if not rows:
                            break
                        # rows are sequences already: only the extra page key is cut off
                        yield [row[:width] for row in rows] if extra else rows
                        if len(rows) < batch:
                            break
                        after = rows[-1][ts_at].replace(tzinfo=UTC)
