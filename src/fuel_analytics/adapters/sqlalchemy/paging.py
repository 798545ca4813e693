"""Keyset pages ordered by (time, id): the rows after a cursor, without OFFSET."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_


def keyset_page(
    statement: Select[Any],
    ts: ColumnElement[Any],
    key: ColumnElement[Any],
    after: tuple[datetime, str] | None,
    limit: int,
) -> Select[Any]:
    """``statement`` ordered by (ts, key), the rows after ``after``, at most ``limit``."""
    if after is not None:
        after_ts, after_key = after
        statement = statement.where(or_(ts > after_ts, and_(ts == after_ts, key > after_key)))
    return statement.order_by(ts, key).limit(limit)
