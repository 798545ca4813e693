"""Every setting, its environment variable and its default (the README lists the same)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from urllib.parse import quote_plus

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig
from fuel_analytics.domain.fuel import FuelRules
from fuel_analytics.domain.latest import StatusRules
from fuel_analytics.domain.retention import check_retention_days
from fuel_analytics.domain.telemetry import TelemetryRules
from fuel_analytics.domain.trips import TripRules
from fuel_analytics.services.derived import TRIP_RULE_NAMES
from fuel_analytics.services.exports import EXPORT_BATCH

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./fuel-analytics.db"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FUEL_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # Database: FUEL_DATABASE_URL wins; else DB_HOST & co. build a MySQL URL; else SQLite.
    database_url: str | None = None
    db_host: str | None = Field(None, validation_alias=_env("DB_HOST"))
    db_port: int = Field(3306, validation_alias=_env("DB_PORT"), ge=1, le=65535)
    db_user: str = Field("fuel", validation_alias=_env("DB_USER"))
    db_password: str = Field("", validation_alias=_env("DB_PASSWORD"))
    db_name: str = Field("fuel_analytics", validation_alias=_env("DB_NAME"))
    pool_min: int = Field(5, validation_alias=_env("ASYNC_POOL_MIN"), ge=1, le=500)
    pool_max: int = Field(20, validation_alias=_env("ASYNC_POOL_MAX"), ge=1, le=1000)
    pool_recycle_s: int = Field(3600, validation_alias=_env("POOL_RECYCLE"), ge=1)
    pool_timeout_s: float = Field(10.0, validation_alias=_env("POOL_TIMEOUT"), gt=0, le=300)
    db_read_timeout_s: float = Field(60.0, gt=0, le=3600)

    # HTTP server
    host: str = "127.0.0.1"
    port: int = Field(8001, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # JSON lines, or readable text; auto: text on a terminal, JSON otherwise
    log_format: Literal["auto", "json", "text"] = "auto"
    graceful_timeout_s: int = Field(30, ge=0)

    # Who may do what: API keys on (default) or off (every request allowed, a WARNING at start)
    auth: Literal["on", "off"] = "on"
    # per key, per process: a token bucket refilled at this rate (0 = no limit) up to the burst
    rate_limit_per_s: float = Field(50.0, ge=0)
    rate_limit_burst: int = Field(100, ge=1)

    # Ingestion
    max_body_bytes: int = Field(5_000_000, ge=1_000)
    max_batch: int = Field(10_000, ge=1)
    auto_register: bool = True
    naive_timestamps: Literal["utc", "reject"] = "utc"
    max_future_s: int = Field(300, ge=0)
    # Raw readings are kept this many days (0: forever; else >= MIN_RETENTION_DAYS); older
    # readings are refused at ingestion and removed by `fuel-analytics retention` by whole
    # months. Derived results (rollups, events, component buckets, trips) are kept forever.
    readings_retention_days: int = Field(0, ge=0, le=36_500)

    # Status rules (DOMAIN.md §3)
    offline_after_s: int = Field(900, ge=1)
    moving_above_mph: float = Field(2.0, ge=0)
    engine_on_rpm: float = Field(300.0, ge=0)
    engine_on_fuel_rate_gph: float = Field(0.2, ge=0)
    low_fuel_pct: float = Field(20.0, ge=0, le=100)

    # Fuel analytics (DOMAIN.md §3-§5): overrides of any FuelRules threshold by name, as JSON,
    # e.g. FUEL_THRESHOLDS='{"refuel_min_pct": 10}'; trucks override them again in the registry.
    thresholds: dict[str, float] = Field(default_factory=dict)
    price_per_gal: float = Field(3.85, gt=0, le=100)
    # background recompute of derived results: seconds between passes (0 = off; reads still
    # recompute what they need first)
    recompute_interval_s: float = Field(2.0, ge=0)
    recompute_batch: int = Field(200, ge=1, le=10_000)
    # Trips, behaviour and utilization (DOMAIN.md §3): overrides of any TripRules threshold by
    # name, as JSON, e.g. FUEL_TRIP_THRESHOLDS='{"speeding_above_mph": 65}'. Names the fuel
    # rules share (segment_gap_s, ...) follow FUEL_THRESHOLDS unless overridden here.
    trip_thresholds: dict[str, float] = Field(default_factory=dict)

    # Freshness bound of the per-process caches (services/fresh.py): the fleet's registry and
    # latest state (live sensors, truck list, fleet summary), fleet KPIs per period, truck fuel
    # reports, API key lookups. Every answer reflects a read that started at most this long
    # before the request; 0 reads for every request. At most 1 s: the promise is "visible
    # within 1 s".
    cache_max_age_s: float = Field(0.5, ge=0, le=1.0)

    # Exports: readings per keyset page (a round trip each; memory and event-loop time per
    # page grow with it)
    export_page_rows: int = Field(EXPORT_BATCH, ge=50, le=20_000)

    # Demo fleet loaded by `fuel-analytics demo` (make run)
    demo_trucks: int = Field(25, ge=1, le=5000)
    demo_days: int = Field(14, ge=1, le=366)
    demo_seed: int = 42

    @field_validator("readings_retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        return check_retention_days(days)

    @model_validator(mode="after")
    def _pool_bounds(self) -> Settings:
        if self.pool_max < self.pool_min:
            raise ValueError("ASYNC_POOL_MAX must be >= ASYNC_POOL_MIN")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.db_host:
            user = quote_plus(self.db_user)
            password = quote_plus(self.db_password)
            auth = f"{user}:{password}" if self.db_password else user
            return (
                f"mysql+asyncmy://{auth}@{self.db_host}:{self.db_port}/{self.db_name}"
                "?charset=utf8mb4"
            )
        return DEFAULT_SQLITE_URL

    @property
    def pool(self) -> PoolConfig:
        return PoolConfig(
            size=self.pool_min,
            max=self.pool_max,
            timeout_s=self.pool_timeout_s,
            recycle_s=self.pool_recycle_s,
            connect_timeout_s=self.pool_timeout_s,
            read_timeout_s=self.db_read_timeout_s,
        )

    @property
    def telemetry_rules(self) -> TelemetryRules:
        return TelemetryRules(
            max_future=timedelta(seconds=self.max_future_s),
            max_age=timedelta(days=self.readings_retention_days)
            if self.readings_retention_days
            else None,
            naive_timestamps=self.naive_timestamps,
        )

    @property
    def fuel_rules(self) -> FuelRules:
        base = FuelRules(status=self.status_rules, fuel_price_per_gal=self.price_per_gal)
        return base.with_overrides(self.thresholds)

    @property
    def trip_rules(self) -> TripRules:
        shared = {k: v for k, v in self.thresholds.items() if k in TRIP_RULE_NAMES}
        return TripRules(status=self.status_rules).with_overrides(
            {**shared, **self.trip_thresholds}
        )

    @property
    def status_rules(self) -> StatusRules:
        return StatusRules(
            offline_after=timedelta(seconds=self.offline_after_s),
            moving_above_mph=self.moving_above_mph,
            engine_on_rpm=self.engine_on_rpm,
            engine_on_fuel_rate_gph=self.engine_on_fuel_rate_gph,
            low_fuel_pct=self.low_fuel_pct,
        )
