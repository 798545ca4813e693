"""MySQL/MariaDB monthly partitions of ``readings``: ``PARTITION BY RANGE COLUMNS(ts)``.

Each partition holds the readings before the first day of a month (UTC, as stored) that no
earlier partition holds, and is named after the last month it holds (p202611: before
2026-12-01). The last one, ``pmax``, is ``VALUES LESS THAN (MAXVALUE)``: an insert never
finds no partition (which is an error for INSERT, and a silently skipped row for INSERT
IGNORE). New months are split off ``pmax`` with ``REORGANIZE PARTITION`` (instant while it
is empty); expired months go with ``DROP PARTITION``.

Synchronous functions on a ``Connection``: the migration calls them directly, the
retention adapter through ``AsyncConnection.run_sync``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, text

from fuel_analytics.adapters.sqlalchemy.tables import readings
from fuel_analytics.domain.retention import (
    CATCH_ALL,
    MONTHS_AHEAD,
    add_months,
    month_start,
    partition_name,
)

TABLE = "readings"
SAFE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)  # MySQL's smallest DATETIME


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    below: datetime | None  # None: MAXVALUE


def is_mysql(conn: Connection) -> bool:
    return conn.dialect.name in ("mysql", "mariadb")


def partitions(conn: Connection) -> list[Partition]:
    """The partitions of readings in order; empty when the table is not partitioned."""
    rows = conn.execute(
        text(
            "SELECT PARTITION_NAME, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table "
            "AND PARTITION_NAME IS NOT NULL ORDER BY PARTITION_ORDINAL_POSITION"
        ),
        {"table": TABLE},
    )
    return [Partition(str(name), _bound(str(description))) for name, description in rows]


def _bound(description: str) -> datetime | None:
    """'2026-12-01 00:00:00' (quoted, as information_schema shows it) or MAXVALUE."""
    value = description.strip().strip("'\"")
    if value.upper() == "MAXVALUE":
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def quoted(name: str) -> str:
    if SAFE_NAME.fullmatch(name) is None:
        raise ValueError(f"unexpected partition name {name!r}")
    return f"`{name}`"


def months_with_readings(conn: Connection) -> list[datetime]:
    """The first day of every month that holds readings: one index seek on ts per month
    (not a scan of the table)."""
    months: list[datetime] = []
    after = EARLIEST
    while True:
        first = conn.execute(select(func.min(readings.c.ts)).where(readings.c.ts >= after))
        found = first.scalar()
        if found is None:
            return months
        months.append(month_start(found))
        after = add_months(months[-1], 1)


def initial_bounds(data_months: Iterable[datetime], now: datetime) -> list[datetime]:
    """A partition for every month holding readings and for this month and the next
    ``MONTHS_AHEAD`` (a month without readings in between shares the next one's)."""
    ahead = {add_months(month_start(now), n) for n in range(1, MONTHS_AHEAD + 2)}
    return sorted({add_months(m, 1) for m in data_months} | ahead)


def definitions(bounds: Sequence[datetime], catch_all: str = CATCH_ALL) -> str:
    parts = [
        f"PARTITION {quoted(partition_name(b))} VALUES LESS THAN ('{b:%Y-%m-%d %H:%M:%S}')"
        for b in bounds
    ]
    parts.append(f"PARTITION {quoted(catch_all)} VALUES LESS THAN (MAXVALUE)")
    return "(" + ", ".join(parts) + ")"


def partition_by_month(conn: Connection, now: datetime) -> None:
    """Partition the (unpartitioned) readings table: copies the table once."""
    bounds = initial_bounds(months_with_readings(conn), now)
    conn.exec_driver_sql(
        f"ALTER TABLE {TABLE} PARTITION BY RANGE COLUMNS(ts) {definitions(bounds)}"
    )


def remove_partitioning(conn: Connection) -> None:
    conn.exec_driver_sql(f"ALTER TABLE {TABLE} REMOVE PARTITIONING")


def add_months_before(
    conn: Connection, existing: Sequence[Partition], bounds: Sequence[datetime]
) -> None:
    """Split these month bounds off the catch-all partition (or append them and a
    catch-all when there is none)."""
    last = existing[-1] if existing else None
    if last is not None and last.below is None:
        conn.exec_driver_sql(
            f"ALTER TABLE {TABLE} REORGANIZE PARTITION {quoted(last.name)} INTO "
            f"{definitions(bounds, last.name)}"
        )
    else:
        conn.exec_driver_sql(f"ALTER TABLE {TABLE} ADD PARTITION {definitions(bounds)}")


def drop(conn: Connection, names: Sequence[str]) -> None:
    conn.exec_driver_sql(f"ALTER TABLE {TABLE} DROP PARTITION {', '.join(map(quoted, names))}")


def count_in(conn: Connection, name: str) -> int:
    found = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {TABLE} PARTITION ({quoted(name)})")
    return int(found.scalar_one())
