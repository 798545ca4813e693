"""SQLAlchemy Core tables. Migrations (alembic) create them; this is the code's view."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from fuel_analytics.adapters.sqlalchemy.types import UtcDateTime, key_string
from fuel_analytics.domain.telemetry import NUMERIC_FIELDS

metadata = MetaData()

trucks = Table(
    "trucks",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("carrier_id", key_string(64), nullable=True, index=True),
    Column("vin", String(17), nullable=True),
    Column("year", Integer, nullable=True),
    Column("make", String(64), nullable=True),
    Column("model", String(64), nullable=True),
    Column("tank_capacity_gal", Double, nullable=False),
    Column("baseline_mpg", Double, nullable=False),
    Column("def_tank_gal", Double, nullable=False),
    Column("fuel_price_per_gal", Double, nullable=True),
    Column("thresholds", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

readings = Table(
    "readings",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("ts", UtcDateTime, primary_key=True),
    *(Column(name, Double, nullable=True) for name in NUMERIC_FIELDS),
    Column("dtc_codes", String(1024), nullable=True),
    Column("driver_id", key_string(64), nullable=True),
    Column("harsh_accel", Boolean, nullable=True),
    Column("harsh_brake", Boolean, nullable=True),
    Index("ix_readings_ts", "ts"),
)

truck_latest = Table(
    "truck_latest",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("ts", UtcDateTime, nullable=True),
    # {"sensor": [value, "RFC 3339 ts"], ...}: each sensor's newest value and its sample time
    Column("sensors", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

dirty_days = Table(
    "dirty_days",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("marked_at", UtcDateTime, nullable=False),
    Index("ix_dirty_days_marked_at", "marked_at"),
)
