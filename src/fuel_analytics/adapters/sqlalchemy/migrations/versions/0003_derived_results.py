"""Derived results: daily fuel rollups, fuel events, component history buckets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fuel_analytics.adapters.sqlalchemy.types import UtcDateTime, key_string

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DAILY_NUMBERS = (
    "distance_mi", "fuel_used_gal", "moving_distance_mi", "moving_fuel_gal", "moving_hours",
    "idle_hours", "engine_on_hours", "idle_fuel_gal", "refuel_gal", "drop_gal",
    "start_level_pct", "end_level_pct", "level_use_gal", "unexplained_gal", "def_start_pct",
    "def_end_pct",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "fuel_daily",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("start", UtcDateTime, nullable=False),
        sa.Column("end", UtcDateTime, nullable=False),
        sa.Column("readings", sa.Integer, nullable=False),
        sa.Column("distance_source", sa.String(16), nullable=False),
        sa.Column("fuel_source", sa.String(16), nullable=False),
        sa.Column("idle_fuel_source", sa.String(16), nullable=False),
        sa.Column("refuel_count", sa.Integer, nullable=False),
        sa.Column("data_quality_issues", sa.Integer, nullable=False),
        *(sa.Column(name, sa.Double, nullable=True) for name in DAILY_NUMBERS),
    )
    op.create_index("ix_fuel_daily_day", "fuel_daily", ["day"])
    op.create_table(
        "fuel_events",
        sa.Column("event_id", key_string(96), primary_key=True),
        sa.Column("truck_id", key_string(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("start", UtcDateTime, nullable=False),
        sa.Column("end", UtcDateTime, nullable=False),
        sa.Column("level_before_pct", sa.Double, nullable=False),
        sa.Column("level_after_pct", sa.Double, nullable=False),
        sa.Column("gallons", sa.Double, nullable=False),
        sa.Column("lat", sa.Double, nullable=True),
        sa.Column("lon", sa.Double, nullable=True),
        sa.Column("confidence", sa.Double, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_fuel_events_truck_start", "fuel_events", ["truck_id", "start"])
    op.create_index("ix_fuel_events_start", "fuel_events", ["start", "event_id"])
    op.create_table(
        "component_buckets",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("monitor_key", sa.String(48), primary_key=True),
        sa.Column("resolution", sa.String(8), primary_key=True),
        sa.Column("start", UtcDateTime, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("mean", sa.Double, nullable=False),
        sa.Column("min", sa.Double, nullable=False),
        sa.Column("max", sa.Double, nullable=False),
        sa.Column("p95", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("component_buckets")
    op.drop_index("ix_fuel_events_start", table_name="fuel_events")
    op.drop_index("ix_fuel_events_truck_start", table_name="fuel_events")
    op.drop_table("fuel_events")
    op.drop_index("ix_fuel_daily_day", table_name="fuel_daily")
    op.drop_table("fuel_daily")
