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

from fuel_analytics.adapters.sqlalchemy.types import UtcDateTime, key_string, long_text
from fuel_analytics.domain.telemetry import NUMERIC_FIELDS

metadata = MetaData()
# BIGINT, but INTEGER on SQLite, where only an INTEGER PRIMARY KEY autoincrements
AUTO_ID = BigInteger().with_variant(Integer, "sqlite")

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

# one counter per truck, bumped after any of its derived results is replaced (migration 0007)
derived_versions = Table(
    "derived_versions",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("version", BigInteger, nullable=False),
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

DAILY_NUMBERS = (
    "distance_mi", "fuel_used_gal", "moving_distance_mi", "moving_fuel_gal", "moving_hours",
    "idle_hours", "engine_on_hours", "idle_fuel_gal", "refuel_gal", "drop_gal",
    "start_level_pct", "end_level_pct", "level_use_gal", "unexplained_gal", "def_start_pct",
    "def_end_pct",
)  # fmt: skip

fuel_daily = Table(
    "fuel_daily",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("readings", Integer, nullable=False),
    Column("distance_source", String(16), nullable=False),
    Column("fuel_source", String(16), nullable=False),
    Column("idle_fuel_source", String(16), nullable=False),
    Column("refuel_count", Integer, nullable=False),
    Column("data_quality_issues", Integer, nullable=False),
    *(Column(name, Double, nullable=True) for name in DAILY_NUMBERS),
    Index("ix_fuel_daily_day", "day"),
)

fuel_events = Table(
    "fuel_events",
    metadata,
    Column("event_id", key_string(96), primary_key=True),
    Column("truck_id", key_string(32), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("level_before_pct", Double, nullable=False),
    Column("level_after_pct", Double, nullable=False),
    Column("gallons", Double, nullable=False),
    Column("lat", Double, nullable=True),
    Column("lon", Double, nullable=True),
    Column("confidence", Double, nullable=False),
    Column("reason", Text, nullable=False),
    # [[ts, level_pct, smoothed_pct, speed_mph], ...]: the readings that made the event
    Column("evidence", long_text(), nullable=False),
    Index("ix_fuel_events_truck_start", "truck_id", "start"),
    Index("ix_fuel_events_start", "start", "event_id"),
)

component_buckets = Table(
    "component_buckets",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("monitor_key", String(48), primary_key=True),
    Column("resolution", String(8), primary_key=True),
    Column("start", UtcDateTime, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("mean", Double, nullable=False),
    Column("min", Double, nullable=False),
    Column("max", Double, nullable=False),
    Column("p95", Double, nullable=False),
)

trips = Table(
    "trips",
    metadata,
    Column("truck_id", key_string(32), primary_key=True),
    Column("start", UtcDateTime, primary_key=True),
    Column("trip_id", key_string(48), nullable=False, unique=True),
    Column("end", UtcDateTime, nullable=False),
    Column("start_lat", Double, nullable=True),
    Column("start_lon", Double, nullable=True),
    Column("end_lat", Double, nullable=True),
    Column("end_lon", Double, nullable=True),
    Column("distance_mi", Double, nullable=True),
    Column("distance_source", String(16), nullable=False),
    Column("fuel_gal", Double, nullable=True),
    Column("fuel_source", String(16), nullable=False),
    Column("mpg", Double, nullable=True),
    Column("driving_s", Double, nullable=False),
    Column("idle_s", Double, nullable=False),
    Column("max_speed_mph", Double, nullable=True),
    Column("speeding_s", Double, nullable=False),
    Column("harsh_accel", Integer, nullable=False),
    Column("harsh_brake", Integer, nullable=False),
    Column("driver_id", key_string(64), nullable=True),
    # [[start, end, lat, lon, duration_s], ...]: the stops inside the trip
    Column("stops", long_text(), nullable=False),
    Column("complete", Boolean, nullable=False),
    Index("ix_trips_start", "start", "trip_id"),
    Index("ix_trips_driver_start", "driver_id", "start"),
)

# API keys: the secret is never stored, only its SHA-256 (hex); scopes comma-separated
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", key_string(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("scopes", String(64), nullable=False),
    Column("carrier_id", key_string(64), nullable=True, index=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("entry_id", AUTO_ID, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("key_id", key_string(32), nullable=True),
    Column("carrier_id", key_string(64), nullable=True),
    Column("action", String(48), nullable=False),
    Column("target", String(255), nullable=True),
    Column("row_count", Integer, nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_carrier", "carrier_id", "entry_id"),
)
