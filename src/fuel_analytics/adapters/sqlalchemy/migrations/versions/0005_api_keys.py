"""API keys and the audit log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Keys are stored as the SHA-256 of their secret, never the secret. The audit log records
admin actions and ingestion batches (who = key id, when, what, how many rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fuel_analytics.adapters.sqlalchemy.types import UtcDateTime, key_string

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", key_string(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("scopes", sa.String(64), nullable=False),
        sa.Column("carrier_id", key_string(64), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_api_keys_carrier_id", "api_keys", ["carrier_id"])
    op.create_table(
        "audit_log",
        sa.Column(
            "entry_id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("key_id", key_string(32), nullable=True),
        sa.Column("carrier_id", key_string(64), nullable=True),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("target", sa.String(255), nullable=True),
        sa.Column("row_count", sa.Integer, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_carrier", "audit_log", ["carrier_id", "entry_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_carrier", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_api_keys_carrier_id", table_name="api_keys")
    op.drop_table("api_keys")
