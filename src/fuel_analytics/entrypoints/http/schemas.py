"""Typed request and response models: the OpenAPI document is generated from these."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from fuel_analytics.domain.model import (
    FleetSnapshot,
    IngestResult,
    SensorSnapshot,
    Truck,
    TruckStatus,
)
from fuel_analytics.domain.telemetry import SPECS
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.services.health import HealthReport
from fuel_analytics.services.live import TruckListing


def _utc(value: datetime) -> datetime:
    """A timestamp without an offset is read as UTC (DOMAIN.md units)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+00:01: before year 1 in UTC
        raise ValueError("out of the representable range once converted to UTC") from None


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def encode_cursor(ts: datetime, key: str) -> str:
    """A page cursor: the last item's (time, id), opaque to clients."""
    return base64.urlsafe_b64encode(f"{ts.isoformat()}|{key}".encode()).decode()


def decode_cursor(text: str) -> tuple[datetime, str]:
    try:
        ts, key = base64.urlsafe_b64decode(text.encode()).decode().split("|", 1)
        after: datetime | None = datetime.fromisoformat(ts)
    except (ValueError, UnicodeDecodeError):
        after = None
    if after is None or after.tzinfo is None:
        raise ProblemError(422, "cursor is not one this service gave", field="cursor")
    return after, key


# ---- queries -------------------------------------------------------------------------------


class PageQuery(Model):
    offset: int = Field(0, ge=0, le=1_000_000, description="rows to skip")
    limit: int = Field(50, ge=1, le=500, description="rows per page (max 500)")


class TruckListQuery(PageQuery):
    status: TruckStatus | None = Field(None, description="only trucks with this status")


class PeriodQuery(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: UtcDatetime | None = Field(None, alias="from", description="period start (RFC 3339)")
    to: UtcDatetime | None = Field(None, description="period end, exclusive (RFC 3339)")


# ---- requests ------------------------------------------------------------------------------


class ReadingIn(BaseModel):
    """One reading (documentation of the contract; rows are validated one by one)."""

    model_config = ConfigDict(extra="forbid")
    truck_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    ts: datetime
    fuel_level_pct: float | None = Field(None, ge=0, le=100)
    fuel_rate_gph: float | None = Field(None, ge=0, le=60)
    total_fuel_gal: float | None = Field(None, ge=0)
    total_idle_fuel_gal: float | None = Field(None, ge=0)
    speed_mph: float | None = Field(None, ge=0, le=130)
    rpm: float | None = Field(None, ge=0, le=4000)
    odometer_mi: float | None = Field(None, ge=0)
    engine_hours: float | None = Field(None, ge=0)
    idle_hours: float | None = Field(None, ge=0)
    engine_load_pct: float | None = Field(None, ge=0, le=100)
    coolant_temp_f: float | None = Field(None, ge=-60, le=400)
    oil_temp_f: float | None = Field(None, ge=-60, le=400)
    trans_temp_f: float | None = Field(None, ge=-60, le=400)
    intake_air_temp_f: float | None = Field(None, ge=-60, le=400)
    ambient_temp_f: float | None = Field(None, ge=-60, le=400)
    oil_pressure_psi: float | None = Field(None, ge=0, le=150)
    boost_pressure_psi: float | None = Field(None, ge=0, le=150)
    battery_voltage: float | None = Field(None, ge=0, le=36)
    def_level_pct: float | None = Field(None, ge=0, le=100)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    dtc_codes: list[str] | None = Field(None, max_length=64)
    driver_id: str | None = Field(None, min_length=1, max_length=64)
    harsh_accel: bool | None = None
    harsh_brake: bool | None = None


class TelemetryBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    readings: list[ReadingIn]


class TruckIn(Model):
    """A registry entry as sent with PUT (truck_id comes from the path)."""

    carrier_id: str | None = Field(None, min_length=1, max_length=64)
    vin: str | None = Field(None, min_length=1, max_length=17)
    year: int | None = Field(None, ge=1950, le=2100)
    make: str | None = Field(None, min_length=1, max_length=64)
    model: str | None = Field(None, min_length=1, max_length=64)
    tank_capacity_gal: float = Field(200.0, gt=0, le=2000)
    baseline_mpg: float = Field(6.5, gt=0, le=30)
    def_tank_gal: float = Field(15.0, gt=0, le=200)
    fuel_price_per_gal: float | None = Field(None, gt=0, le=100)
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="per-truck overrides of detection thresholds"
    )


# ---- responses -----------------------------------------------------------------------------


class RejectionOut(Model):
    index: int
    field: str | None
    reason: str


class IngestResultOut(Model):
    received: int
    accepted: int
    duplicates: int
    rejected: list[RejectionOut]

    @classmethod
    def from_domain(cls, result: IngestResult) -> IngestResultOut:
        return cls(
            received=result.received,
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=[
                RejectionOut(index=r.index, field=r.field, reason=r.reason) for r in result.rejected
            ],
        )


class TruckOut(Model):
    truck_id: str
    carrier_id: str | None
    vin: str | None
    year: int | None
    make: str | None
    model: str | None
    tank_capacity_gal: float
    baseline_mpg: float
    def_tank_gal: float
    fuel_price_per_gal: float | None
    thresholds: dict[str, float]

    @classmethod
    def from_domain(cls, truck: Truck) -> TruckOut:
        return cls(
            truck_id=truck.truck_id,
            carrier_id=truck.carrier_id,
            vin=truck.vin,
            year=truck.year,
            make=truck.make,
            model=truck.model,
            tank_capacity_gal=truck.tank_capacity_gal,
            baseline_mpg=truck.baseline_mpg,
            def_tank_gal=truck.def_tank_gal,
            fuel_price_per_gal=truck.fuel_price_per_gal,
            thresholds=dict(truck.thresholds),
        )


class TruckListItemOut(TruckOut):
    status: TruckStatus
    last_seen: datetime | None
    data_age_s: float | None
    fuel_level_pct: float | None

    @classmethod
    def from_listing(cls, listing: TruckListing) -> TruckListItemOut:
        snap = listing.snapshot
        return cls(
            **TruckOut.from_domain(listing.truck).model_dump(),
            status=snap.status if snap else TruckStatus.OFFLINE,
            last_seen=snap.state.ts if snap else None,
            data_age_s=round(snap.data_age_s, 3) if snap else None,
            fuel_level_pct=snap.state.value("fuel_level_pct") if snap else None,
        )


class TruckPageOut(Model):
    items: list[TruckListItemOut]
    total: int
    offset: int
    limit: int
    next_offset: int | None


class SensorOut(Model):
    name: str
    value: float | bool | str | list[str]
    unit: str | None
    ts: datetime
    age_s: float


class FuelOut(Model):
    level_pct: float | None
    gallons: float | None
    tank_capacity_gal: float


class LocationOut(Model):
    lat: float
    lon: float
    ts: datetime


class SensorSnapshotOut(Model):
    truck_id: str
    status: TruckStatus
    ts: datetime = Field(description="newest reading of any kind")
    data_age_s: float
    fuel: FuelOut
    location: LocationOut | None
    sensors: list[SensorOut]

    @classmethod
    def from_domain(cls, snap: SensorSnapshot, now: datetime) -> SensorSnapshotOut:
        sensors = []
        for name, sensor in sorted(snap.state.sensors.items()):
            value: Any = list(sensor.value) if isinstance(sensor.value, tuple) else sensor.value
            spec = SPECS.get(name)
            sensors.append(
                SensorOut(
                    name=name,
                    value=value,
                    unit=spec.unit if spec else None,
                    ts=sensor.ts,
                    age_s=round(max(0.0, (now - sensor.ts).total_seconds()), 3),
                )
            )
        lat, lon = snap.state.value("lat"), snap.state.value("lon")
        location = None
        if lat is not None and lon is not None:
            location = LocationOut(lat=lat, lon=lon, ts=snap.state.sensors["lat"].ts)
        return cls(
            truck_id=snap.truck.truck_id,
            status=snap.status,
            ts=snap.state.ts,
            data_age_s=round(snap.data_age_s, 3),
            fuel=FuelOut(
                level_pct=snap.state.value("fuel_level_pct"),
                gallons=snap.fuel_gal,
                tank_capacity_gal=snap.truck.tank_capacity_gal,
            ),
            location=location,
            sensors=sensors,
        )


class TruckBriefOut(Model):
    truck_id: str
    status: TruckStatus
    fuel_level_pct: float | None
    fuel_gal: float | None
    data_age_s: float

    @classmethod
    def from_domain(cls, snap: SensorSnapshot) -> TruckBriefOut:
        return cls(
            truck_id=snap.truck.truck_id,
            status=snap.status,
            fuel_level_pct=snap.state.value("fuel_level_pct"),
            fuel_gal=snap.fuel_gal,
            data_age_s=round(snap.data_age_s, 3),
        )


class PeriodOut(Model):
    from_: datetime | None = Field(serialization_alias="from")
    to: datetime | None


class LiveFleetOut(Model):
    generated_at: datetime
    period: PeriodOut
    trucks: int
    by_status: dict[TruckStatus, int]
    fuel_on_hand_gal: float
    fuel_capacity_gal: float
    fuel_on_hand_pct: float | None
    low_fuel_threshold_pct: float
    low_fuel: list[TruckBriefOut]
    offline: list[TruckBriefOut]
    never_reported: list[str]
    newest_data_age_s: float | None

    @classmethod
    def from_domain(
        cls,
        fleet: FleetSnapshot,
        *,
        start: datetime | None,
        end: datetime | None,
        low_pct: float,
        **extra: Any,
    ) -> Self:
        cap = fleet.fuel_capacity_gal
        return cls(
            generated_at=fleet.generated_at,
            period=PeriodOut(from_=start, to=end),
            trucks=fleet.truck_count,
            by_status=dict(fleet.by_status),
            fuel_on_hand_gal=fleet.fuel_on_hand_gal,
            fuel_capacity_gal=cap,
            fuel_on_hand_pct=round(fleet.fuel_on_hand_gal / cap * 100, 2) if cap else None,
            low_fuel_threshold_pct=low_pct,
            low_fuel=[TruckBriefOut.from_domain(s) for s in fleet.low_fuel],
            offline=[TruckBriefOut.from_domain(s) for s in fleet.offline],
            never_reported=list(fleet.never_reported),
            newest_data_age_s=(
                None if fleet.newest_data_age_s is None else round(fleet.newest_data_age_s, 3)
            ),
            **extra,
        )


class PoolOut(Model):
    size: int
    checked_in: int
    checked_out: int
    overflow: int
    max: int


class DatabaseOut(Model):
    reachable: bool
    round_trip_ms: float | None
    schema_version: str | None
    expected_schema_version: str | None
    error: str | None


class HealthOut(Model):
    status: str = Field(description='"ok" or "unavailable"')
    version: str
    uptime_s: float
    database: DatabaseOut
    pool: PoolOut | None

    @classmethod
    def from_domain(cls, report: HealthReport) -> HealthOut:
        db = report.database
        return cls(
            status="ok" if report.healthy else "unavailable",
            version=report.version,
            uptime_s=report.uptime_s,
            database=DatabaseOut(
                reachable=db.reachable,
                round_trip_ms=db.round_trip_ms,
                schema_version=db.schema_version,
                expected_schema_version=db.expected_schema_version,
                error=db.error,
            ),
            pool=None
            if db.pool is None
            else PoolOut(
                size=db.pool.size,
                checked_in=db.pool.checked_in,
                checked_out=db.pool.checked_out,
                overflow=db.pool.overflow,
                max=db.pool.max,
            ),
        )


class ProblemOut(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None
