"""Column types that behave the same on SQLite and MySQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (DATETIME(6) on MySQL), returns aware UTC.

    MySQL's DATETIME has no zone and drops microseconds without fsp; SQLite stores text.
    Converting at this one place keeps both dialects identical to the domain.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def key_string(length: int) -> TypeEngine[str]:
    """A VARCHAR compared byte for byte: truck "T1" and "t1" are two trucks on every
    database (MySQL's default utf8mb4 collations ignore case)."""
    return String(length).with_variant(
        mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb"
    )


def long_text() -> TypeEngine[str]:
    """TEXT, but MEDIUMTEXT (16 MB) on MySQL, whose TEXT stops at 64 KB: a city trip's
    stops or a long event's evidence can pass that."""
    return Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
