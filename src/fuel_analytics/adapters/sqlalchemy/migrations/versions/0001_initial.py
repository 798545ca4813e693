"""Trucks registry, readings keyed by (truck_id, ts), latest state per truck.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fuel_analytics.adapters.sqlalchemy.types import UtcDateTime, key_string

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NUMERIC = (
    "fuel_level_pct", "fuel_rate_gph", "total_fuel_gal", "total_idle_fuel_gal", "speed_mph",
    "rpm", "odometer_mi", "engine_hours", "idle_hours", "engine_load_pct", "coolant_temp_f",
    "oil_temp_f", "trans_temp_f", "intake_air_temp_f", "ambient_temp_f", "oil_pressure_psi",
    "boost_pressure_psi", "battery_voltage", "def_level_pct", "lat", "lon",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "trucks",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("carrier_id", key_string(64), nullable=True),
        sa.Column("vin", sa.String(17), nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("make", sa.String(64), nullable=True),
        sa.Column("model", sa.String(64), nullable=True),
        sa.Column("tank_capacity_gal", sa.Double, nullable=False),
        sa.Column("baseline_mpg", sa.Double, nullable=False),
        sa.Column("def_tank_gal", sa.Double, nullable=False),
        sa.Column("fuel_price_per_gal", sa.Double, nullable=True),
        sa.Column("thresholds", sa.Text, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_trucks_carrier_id", "trucks", ["carrier_id"])
    op.create_table(
        "readings",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("ts", UtcDateTime, primary_key=True),
        *(sa.Column(name, sa.Double, nullable=True) for name in NUMERIC),
        sa.Column("dtc_codes", sa.String(1024), nullable=True),
        sa.Column("driver_id", key_string(64), nullable=True),
        sa.Column("harsh_accel", sa.Boolean, nullable=True),
        sa.Column("harsh_brake", sa.Boolean, nullable=True),
    )
    op.create_index("ix_readings_ts", "readings", ["ts"])
    op.create_table(
        "truck_latest",
        sa.Column("truck_id", key_string(32), primary_key=True),
        sa.Column("ts", UtcDateTime, nullable=True),
        sa.Column("sensors", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("truck_latest")
    op.drop_index("ix_readings_ts", table_name="readings")
    op.drop_table("readings")
    op.drop_index("ix_trucks_carrier_id", table_name="trucks")
    op.drop_table("trucks")
