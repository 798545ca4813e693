"""A version per truck of its derived results.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

The recompute bumps a truck's version after replacing any of its rollups, so a cache of
per-truck period summaries (the fleet summary's KPIs) re-reads only the trucks whose
version moved instead of every daily row and event of the period.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fuel_analytics.adapters.sqlalchemy.types import key_string

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "derived_versions",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("derived_versions")
