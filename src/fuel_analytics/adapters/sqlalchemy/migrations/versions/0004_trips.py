"""Trips, recomputed with the other derived results.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

MySQL: fuel event evidence becomes MEDIUMTEXT (TEXT stops at 64 KB), as trip stops are.
Existing databases: every truck-day with a daily fuel row is marked stale, so the background
recompute (or the first read of a period) finds the trips of the readings already stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from fuel_analytics.adapters.sqlalchemy.types import UtcDateTime, key_string, long_text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MARK_BATCH = 5_000


def upgrade() -> None:
    op.create_table(
        "trips",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("start", UtcDateTime, primary_key=True),
        sa.Column("trip_id", key_string(48), nullable=False, unique=True),
        sa.Column("end", UtcDateTime, nullable=False),
        sa.Column("start_lat", sa.Double, nullable=True),
        sa.Column("start_lon", sa.Double, nullable=True),
        sa.Column("end_lat", sa.Double, nullable=True),
        sa.Column("end_lon", sa.Double, nullable=True),
        sa.Column("distance_mi", sa.Double, nullable=True),
        sa.Column("distance_source", sa.String(16), nullable=False),
        sa.Column("fuel_gal", sa.Double, nullable=True),
        sa.Column("fuel_source", sa.String(16), nullable=False),
        sa.Column("mpg", sa.Double, nullable=True),
        sa.Column("driving_s", sa.Double, nullable=False),
        sa.Column("idle_s", sa.Double, nullable=False),
        sa.Column("max_speed_mph", sa.Double, nullable=True),
        sa.Column("speeding_s", sa.Double, nullable=False),
        sa.Column("harsh_accel", sa.Integer, nullable=False),
        sa.Column("harsh_brake", sa.Integer, nullable=False),
        sa.Column("driver_id", key_string(64), nullable=True),
        sa.Column("stops", long_text(), nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
    )
    op.create_index("ix_trips_start", "trips", ["start", "trip_id"])
    op.create_index("ix_trips_driver_start", "trips", ["driver_id", "start"])
    if op.get_bind().dialect.name in ("mysql", "mariadb"):  # TEXT stops at 64 KB there
        op.alter_column(
            "fuel_events", "evidence", type_=long_text(), existing_type=sa.Text, nullable=False
        )
    _mark_stored_days_stale()


def _mark_stored_days_stale() -> None:
    bind = op.get_bind()
    daily = sa.table("fuel_daily", sa.column("truck_id"), sa.column("day", sa.Date))
    dirty = sa.table(
        "dirty_days",
        sa.column("truck_id"),
        sa.column("day", sa.Date),
        sa.column("version", sa.BigInteger),
        sa.column("marked_at", UtcDateTime),
    )
    marked = {
        (row.truck_id, row.day) for row in bind.execute(sa.select(dirty.c.truck_id, dirty.c.day))
    }
    now = datetime.now(UTC)
    rows = [
        {"truck_id": row.truck_id, "day": row.day, "version": 1, "marked_at": now}
        for row in bind.execute(sa.select(daily.c.truck_id, daily.c.day))
        if (row.truck_id, row.day) not in marked
    ]
    for i in range(0, len(rows), MARK_BATCH):
        bind.execute(sa.insert(dirty), rows[i : i + MARK_BATCH])


def downgrade() -> None:
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        op.alter_column(
            "fuel_events", "evidence", type_=sa.Text, existing_type=long_text(), nullable=False
        )
    op.drop_index("ix_trips_driver_start", table_name="trips")
    op.drop_index("ix_trips_start", table_name="trips")
    op.drop_table("trips")
