"""The few statements whose spelling differs between SQLite and MySQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import ColumnElement, Insert, Table, insert, literal_column
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from fuel_analytics.adapters.sqlalchemy.literals import insert_literal_rows


def insert_if_absent(conn: AsyncConnection, table: Table, key: str) -> Insert:
    """INSERT that leaves an existing row alone, without MySQL's duplicate-key warnings
    (each of which costs asyncmy a SHOW WARNINGS round trip)."""
    if conn.dialect.name == "sqlite":
        return insert(table).prefix_with("OR IGNORE")
    stmt = mysql.insert(table)
    return stmt.on_duplicate_key_update({key: stmt.inserted[key]})


def insert_or_bump(conn: AsyncConnection, table: Table, keys: list[str], counter: str) -> Insert:
    """INSERT, or on an existing key add one to ``counter`` and take the new other values.

    The increment is a literal: asyncmy's executemany rewrites INSERT ... VALUES into one
    multi-row statement and cannot carry bound parameters after the VALUES clause.
    """
    one: ColumnElement[int] = literal_column("1")
    others = [c.name for c in table.columns if c.name not in keys and c.name != counter]
    if conn.dialect.name == "sqlite":
        lite = sqlite.insert(table)
        return lite.on_conflict_do_update(
            index_elements=keys,
            set_={counter: table.c[counter] + one, **{n: lite.excluded[n] for n in others}},
        )
    my = mysql.insert(table)
    return my.on_duplicate_key_update(
        {counter: table.c[counter] + one, **{n: my.inserted[n] for n in others}}
    )


def insert_or_increment(
    conn: AsyncConnection, table: Table, keys: list[str], counter: str
) -> Insert:
    """INSERT, or on an existing key only add one to ``counter``: the other columns keep
    the values of the first insert (no secondary index entry moves)."""
    one: ColumnElement[int] = literal_column("1")
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_update(
            index_elements=keys, set_={counter: table.c[counter] + one}
        )
    return mysql.insert(table).on_duplicate_key_update({counter: table.c[counter] + one})


def upsert(conn: AsyncConnection, table: Table, keys: list[str]) -> Insert:
    """INSERT, or on an existing key take the new values of every other column. Run with
    many rows it is one multi-row statement on MySQL (asyncmy rewrites INSERT ... VALUES),
    where an executemany UPDATE is a round trip per row."""
    others = [c.name for c in table.columns if c.name not in keys]
    if conn.dialect.name == "sqlite":
        lite = sqlite.insert(table)
        return lite.on_conflict_do_update(
            index_elements=keys, set_={n: lite.excluded[n] for n in others}
        )
    my = mysql.insert(table)
    return my.on_duplicate_key_update({n: my.inserted[n] for n in others})


Processors = list[tuple[int, Any]]  # (column index, bind processor)
OnConflict = Literal["error", "ignore", "keep", "replace", "bump", "increment"]
_COMPILED: dict[tuple[Any, ...], tuple[str, Processors]] = {}


def _statement(
    conn: AsyncConnection, table: Table, on_conflict: OnConflict, keys: tuple[str, ...]
) -> Insert:
    if on_conflict == "error":
        return insert(table)
    if on_conflict == "ignore":  # MySQL warns of each skipped row: a SHOW WARNINGS round trip
        return insert(table).prefix_with("OR IGNORE" if conn.dialect.name == "sqlite" else "IGNORE")
    if on_conflict == "keep":
        return insert_if_absent(conn, table, keys[0])
    if on_conflict == "replace":
        return upsert(conn, table, list(keys))
    *key_names, counter = keys
    if on_conflict == "increment":
        return insert_or_increment(conn, table, key_names, counter)
    return insert_or_bump(conn, table, key_names, counter)


def _compiled(
    conn: AsyncConnection,
    table: Table,
    names: tuple[str, ...],
    on_conflict: OnConflict,
    keys: tuple[str, ...],
) -> tuple[str, Processors]:
    """The statement's SQL for this dialect (compiled once, by SQLAlchemy) and the bind
    processors of its columns, in ``names`` order."""
    dialect = conn.dialect
    key = (
        dialect.name,
        dialect.server_version_info,
        getattr(dialect, "is_mariadb", False),
        table.name,
        names,
        on_conflict,
        keys,
    )
    if key not in _COMPILED:
        compiled = _statement(conn, table, on_conflict, keys).compile(
            dialect=dialect, column_keys=list(names)
        )
        if compiled.positiontup is not None and list(compiled.positiontup) != list(names):
            raise AssertionError(f"{table.name}: parameters out of order")  # pragma: no cover
        processors = [
            (i, proc)
            for i, name in enumerate(names)
            if (proc := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
            is not None
        ]
        _COMPILED[key] = (compiled.string, processors)
    return _COMPILED[key]


async def insert_rows(
    conn: AsyncConnection,
    table: Table,
    names: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict: OnConflict = "error",
    keys: tuple[str, ...] = (),
) -> int:
    """A multi-row INSERT of value tuples (in ``names`` order); the number of rows it
    wrote (MySQL: an upsert's update counts too).

    ``on_conflict`` on an existing key: ``error`` (IntegrityError), ``ignore`` the row
    (INSERT IGNORE: its row count is the rows inserted), ``keep`` the stored row without a
    warning (``insert_if_absent``, on ``keys[0]``), ``replace`` its other columns
    (``upsert``), ``bump`` (``insert_or_bump``: ``keys`` are the key columns, then the
    counter) or ``increment`` its counter alone (``insert_or_increment``, ``keys`` alike).

    For ingestion's hot statements, where SQLAlchemy's per-execution compile and generic
    per-row parameter processing, and the driver's generic escaping, cost more than the
    database does for a 1,000-row batch: the SQL is compiled by SQLAlchemy once per
    dialect and statement shape; on MySQL the rows are written into multi-row statements
    by ``literals`` (typed, per column), on SQLite they go to the driver's executemany with
    only the columns whose type has a bind processor (UTC timestamps, dates) converted.
    """
    if not rows:
        return 0
    sql, processors = _compiled(conn, table, names, on_conflict, keys)
    if conn.dialect.name != "sqlite":
        return await insert_literal_rows(conn, table, names, sql, rows)
    # a batch's timestamps are few (its readings' instants, the transaction's): each
    # distinct value is converted once
    converted: list[tuple[int, Any, dict[Any, Any]]] = [(i, p, {}) for i, p in processors]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for index, proc, seen in converted:
            value = values[index]
            if value is not None:
                done = seen.get(value)
                if done is None:
                    done = seen[value] = proc(value)
                values[index] = done
        params.append(tuple(values))
    result = await conn.exec_driver_sql(sql, params)
    return int(result.rowcount)
