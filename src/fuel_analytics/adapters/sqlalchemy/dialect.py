"""The few statements whose spelling differs between SQLite and MySQL."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Insert, Table, insert, literal_column
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


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
