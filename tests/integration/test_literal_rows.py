"""Ingestion's multi-row statements write their values into the SQL text on MySQL
(adapters/sqlalchemy/literals.py): whatever a value holds comes back exactly as it went in,
with the session's sql_mode either way about backslashes, and nothing in a value is ever
read as SQL or as a placeholder. On SQLite the same calls go through the driver's
parameters: the same round trip must hold there too."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fuel_analytics.adapters.sqlalchemy.dialect import insert_rows
from fuel_analytics.adapters.sqlalchemy.literals import row_writer
from fuel_analytics.adapters.sqlalchemy.mapping import READING_COLUMNS
from fuel_analytics.adapters.sqlalchemy.tables import readings
from fuel_analytics.domain.telemetry import NUMERIC_FIELDS

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
NASTY = [
    "'",
    "''",
    "\\",
    "\\'",
    "'); DROP TABLE readings; --",
    '"',
    "%s",
    "%(truck_id)s",
    "%%",
    "\n\r\t\x1a",
    "\x00",
    "é—ß漢字🚚",
    "\\\\'\\",
    "a' OR '1'='1",
]


async def _round_trip(
    conn: AsyncConnection, rows: list[tuple[object, ...]]
) -> list[tuple[object, ...]]:
    await conn.execute(delete(readings).where(readings.c.truck_id.like("LIT%")))
    written = await insert_rows(conn, readings, READING_COLUMNS, rows)
    assert written == len(rows)
    found = await conn.execute(
        select(*(readings.c[name] for name in READING_COLUMNS))
        .where(readings.c.truck_id.like("LIT%"))
        .order_by(readings.c.truck_id, readings.c.ts)
    )
    return [tuple(row) for row in found]


def _row(i: int, driver: str, number: float | None = 1.5) -> tuple[object, ...]:
    values: list[object] = [f"LIT-{i:03d}", T0 + timedelta(seconds=i, microseconds=i)]
    values += [number] * len(NUMERIC_FIELDS)
    values += ["100-1;110-0", driver, True, False]
    return tuple(values)


@pytest.mark.parametrize("no_backslash_escapes", [False, True])
async def test_every_string_comes_back_as_it_went_in(
    db: AsyncEngine, no_backslash_escapes: bool
) -> None:
    rows = [_row(i, driver) for i, driver in enumerate(NASTY)]
    async with db.connect() as conn:
        mysql_mode = no_backslash_escapes and conn.dialect.name != "sqlite"
        if mysql_mode:  # SQLite has no such mode: there the same round trip runs again
            await conn.execute(
                text("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")
            )
            await conn.commit()
        try:
            async with conn.begin():
                back = await _round_trip(conn, rows)
                assert [r[READING_COLUMNS.index("driver_id")] for r in back] == NASTY
                assert await conn.scalar(select(readings.c.truck_id).limit(1)) is not None
        finally:
            if mysql_mode:
                await conn.execute(text("SET SESSION sql_mode = DEFAULT"))
                await conn.commit()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda f: f != 0 or math.copysign(1, f) > 0
        ),
        min_size=1,
        max_size=40,
    ),
    st.lists(
        st.text(min_size=1, max_size=64).filter(lambda s: "\x00" not in s), min_size=1, max_size=5
    ),
)
async def test_any_double_and_text_round_trips(
    engine: AsyncEngine, numbers: list[float], drivers: list[str]
) -> None:
    rows = [_row(i, drivers[i % len(drivers)], number) for i, number in enumerate(numbers)]
    async with engine.begin() as conn:
        try:
            back = await _round_trip(conn, rows)
        finally:
            await conn.execute(delete(readings).where(readings.c.truck_id.like("LIT%")))
    numeric = READING_COLUMNS.index(NUMERIC_FIELDS[0])
    assert [r[numeric] for r in back] == numbers
    assert [r[READING_COLUMNS.index("driver_id")] for r in back] == [r[-3] for r in rows]


def test_a_row_is_written_by_type() -> None:
    write = row_writer(readings, READING_COLUMNS, backslashes=True)
    plus_two = timezone(timedelta(hours=2))
    row = list(_row(0, "it's"))
    row[1] = datetime(2026, 1, 5, 16, 0, 0, 5, tzinfo=plus_two)  # converted to UTC
    row[2] = 7  # an int in a DOUBLE column
    row[3] = None
    text_ = write(row)
    assert text_.startswith("('LIT-000','2026-01-05 14:00:00.000005',7,null,1.5,")
    assert text_.endswith(",'100-1;110-0','it\\'s',1,0)")
    quotes_doubled = row_writer(readings, READING_COLUMNS, backslashes=False)
    assert quotes_doubled(row).endswith(",'100-1;110-0','it''s',1,0)")


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("fuel_level_pct", math.inf, ValueError),
        ("fuel_level_pct", math.nan, ValueError),
        ("fuel_level_pct", "1); DROP TABLE readings; --", ValueError),
        ("ts", datetime(2026, 1, 5), ValueError),  # naive: not a UTC instant
        ("driver_id", 5, TypeError),
        ("truck_id", b"T1", TypeError),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(column: str, value: object, error: type) -> None:
    write = row_writer(readings, READING_COLUMNS, backslashes=True)
    row = list(_row(0, "d"))
    row[READING_COLUMNS.index(column)] = value
    with pytest.raises(error):
        write(row)
