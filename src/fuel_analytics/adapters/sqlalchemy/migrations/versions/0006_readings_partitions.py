"""Readings partitioned by calendar month (UTC), MySQL/MariaDB only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

``PARTITION BY RANGE COLUMNS(ts)``: a partition for every month that holds readings and
for this month and the next three, then ``pmax`` (MAXVALUE) for whatever comes later, so an
insert never fails. The primary key (truck_id, ts) holds ts, as MySQL requires of every
unique key of a partitioned table; readings has no other unique key and no foreign key.
``fuel-analytics retention`` adds the coming months and drops expired ones.

On a table with data the ALTER copies it once (reads go on; writes wait). SQLite: nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import op

from fuel_analytics.adapters.sqlalchemy.partitions import (
    is_mysql,
    partition_by_month,
    remove_partitioning,
)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if is_mysql(conn):
        partition_by_month(conn, datetime.now(UTC))


def downgrade() -> None:
    conn = op.get_bind()
    if is_mysql(conn):
        remove_partitioning(conn)
