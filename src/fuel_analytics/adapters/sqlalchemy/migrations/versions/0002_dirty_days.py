"""Truck-days whose derived results are stale (marked in the ingest transaction).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fuel_analytics.adapters.sqlalchemy.types import UtcDateTime, key_string

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dirty_days",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("marked_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_dirty_days_marked_at", "dirty_days", ["marked_at"])


def downgrade() -> None:
    op.drop_index("ix_dirty_days_marked_at", table_name="dirty_days")
    op.drop_table("dirty_days")
