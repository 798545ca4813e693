"""Requests and responses of the trips, behaviour, utilization and benchmark endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.trips import BehaviourScore, SpeedingEvent, Stop, Trip, Utilization
from fuel_analytics.entrypoints.http.schemas import (
    Model,
    PeriodOut,
    PeriodQuery,
    decode_cursor,
    encode_cursor,
)
from fuel_analytics.services.fuel import Period
from fuel_analytics.services.trips import (
    Benchmark,
    FleetBehaviour,
    FleetUtilization,
    Percentile,
    SubjectScore,
)


def period_out(period: Period) -> PeriodOut:
    return PeriodOut(from_=period.start, to=period.end)


class TripsQuery(PeriodQuery):
    cursor: str | None = Field(None, max_length=200, description="from the previous page")
    limit: int = Field(100, ge=1, le=500)

    def after(self) -> tuple[datetime, str] | None:
        return None if self.cursor is None else decode_cursor(self.cursor)


class PlaceOut(Model):
    lat: float
    lon: float


def place(lat: float | None, lon: float | None) -> PlaceOut | None:
    return None if lat is None or lon is None else PlaceOut(lat=lat, lon=lon)


class StopOut(Model):
    start: datetime
    end: datetime
    duration_s: float
    place: PlaceOut | None

    @classmethod
    def from_domain(cls, s: Stop) -> StopOut:
        return cls(start=s.start, end=s.end, duration_s=s.duration_s, place=place(s.lat, s.lon))


class TripOut(Model):
    trip_id: str
    truck_id: str
    start: datetime
    end: datetime
    duration_s: float
    start_place: PlaceOut | None
    end_place: PlaceOut | None
    distance_mi: float | None = Field(description="null when no source measured it")
    distance_source: Source
    fuel_gal: float | None
    fuel_source: Source
    mpg: float | None = Field(description="null below the MPG minimums")
    driving_s: float
    idle_s: float
    max_speed_mph: float | None
    speeding_s: float = Field(description="time above the speeding threshold")
    harsh_accel: int
    harsh_brake: int
    driver_id: str | None
    complete: bool = Field(description="false when the readings end or break off mid-trip")
    stops: list[StopOut]

    @classmethod
    def from_domain(cls, t: Trip) -> TripOut:
        return cls(
            trip_id=t.trip_id, truck_id=t.truck_id, start=t.start, end=t.end,
            duration_s=t.duration_s, start_place=place(t.start_lat, t.start_lon),
            end_place=place(t.end_lat, t.end_lon), distance_mi=t.distance_mi,
            distance_source=t.distance_source, fuel_gal=t.fuel_gal, fuel_source=t.fuel_source,
            mpg=t.mpg, driving_s=t.driving_s, idle_s=t.idle_s, max_speed_mph=t.max_speed_mph,
            speeding_s=t.speeding_s, harsh_accel=t.harsh_accel, harsh_brake=t.harsh_brake,
            driver_id=t.driver_id, complete=t.complete,
            stops=[StopOut.from_domain(s) for s in t.stops],
        )  # fmt: skip


class TripPageOut(Model):
    truck_id: str
    period: PeriodOut
    items: list[TripOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


def trip_cursor(trip: Trip) -> str:
    return encode_cursor(trip.start, trip.trip_id)


class SpeedingEventOut(Model):
    start: datetime
    end: datetime
    duration_s: float
    max_speed_mph: float
    place: PlaceOut | None
    driver_id: str | None

    @classmethod
    def from_domain(cls, e: SpeedingEvent) -> SpeedingEventOut:
        return cls(
            start=e.start, end=e.end, duration_s=e.duration_s, max_speed_mph=e.max_speed_mph,
            place=place(e.lat, e.lon), driver_id=e.driver_id,
        )  # fmt: skip


class SpeedingEventsOut(Model):
    truck_id: str
    period: PeriodOut
    speeding_above_mph: float
    items: list[SpeedingEventOut]


class ScorePartOut(Model):
    name: str
    weight: float
    value: float | None = Field(description="null when the part could not be measured")
    score: float | None
    explanation: str


class ScoreOut(Model):
    subject: str
    kind: str = Field(description="truck or driver")
    period: PeriodOut
    score: float | None = Field(description="0-100; null when no part could be measured")
    parts: list[ScorePartOut]
    baseline_mpg: float | None
    distance_mi: float
    driving_h: float
    trip_count: int

    @classmethod
    def from_domain(cls, s: SubjectScore) -> ScoreOut:
        score: BehaviourScore = s.score
        return cls(
            subject=score.subject, kind=s.kind, period=period_out(s.period), score=score.score,
            parts=[
                ScorePartOut(
                    name=p.name, weight=p.weight, value=p.value, score=p.score,
                    explanation=p.explanation,
                )
                for p in score.parts
            ],
            baseline_mpg=s.baseline_mpg, distance_mi=score.distance_mi,
            driving_h=score.driving_h, trip_count=score.trip_count,
        )  # fmt: skip


class ScoreWithTripsOut(ScoreOut):
    trips: list[TripOut] = Field(description="the trips behind the score, oldest first")

    @classmethod
    def with_trips(cls, s: SubjectScore) -> ScoreWithTripsOut:
        base = ScoreOut.from_domain(s).model_dump()
        return cls(**base, trips=[TripOut.from_domain(t) for t in s.trips])


class FleetBehaviourOut(Model):
    period: PeriodOut
    best: list[ScoreOut] = Field(description="the best-scored drivers")
    worst: list[ScoreOut] = Field(description="the worst-scored drivers, worst first")
    drivers: list[ScoreOut] = Field(description="every driver, best first; unscored last")
    trucks: list[ScoreOut] = Field(description="every truck with trips, best first")

    @classmethod
    def from_domain(cls, f: FleetBehaviour) -> FleetBehaviourOut:
        return cls(
            period=period_out(f.period),
            best=[ScoreOut.from_domain(s) for s in f.best],
            worst=[ScoreOut.from_domain(s) for s in f.worst],
            drivers=[ScoreOut.from_domain(s) for s in f.drivers],
            trucks=[ScoreOut.from_domain(s) for s in f.trucks],
        )


class UtilizationOut(Model):
    truck_id: str
    engine_on_h: float
    driving_h: float
    idle_h: float
    available_h: float
    engine_pct: float | None
    driving_pct: float | None
    active_days: int
    active_dates: list[date]
    idle_all_period: bool

    @classmethod
    def from_domain(cls, u: Utilization) -> UtilizationOut:
        return cls(
            truck_id=u.truck_id, engine_on_h=u.engine_on_h, driving_h=u.driving_h,
            idle_h=u.idle_h, available_h=u.available_h, engine_pct=u.engine_pct,
            driving_pct=u.driving_pct, active_days=u.active_days,
            active_dates=list(u.active_dates), idle_all_period=u.idle_all_period,
        )  # fmt: skip


class FleetUtilizationOut(Model):
    period: PeriodOut
    engine_on_h: float
    driving_h: float
    idle_h: float
    available_h: float
    engine_pct: float | None
    driving_pct: float | None
    idle_all_period: list[str] = Field(description="trucks that did not drive at all")
    trucks: list[UtilizationOut]

    @classmethod
    def from_domain(cls, f: FleetUtilization) -> FleetUtilizationOut:
        return cls(
            period=period_out(f.period), engine_on_h=f.engine_on_h, driving_h=f.driving_h,
            idle_h=f.idle_h, available_h=f.available_h, engine_pct=f.engine_pct,
            driving_pct=f.driving_pct, idle_all_period=list(f.idle_all_period),
            trucks=[UtilizationOut.from_domain(u) for u in f.trucks],
        )  # fmt: skip


class PeerOut(Model):
    truck_id: str
    make: str | None
    model: str | None
    year: int | None


class PercentileOut(Model):
    measure: str
    value: float | None
    percentile: float | None = Field(
        description="0-100, higher is better: the share of measured peers it does better than"
    )
    peers_measured: int
    reason: str | None

    @classmethod
    def from_domain(cls, p: Percentile) -> PercentileOut:
        return cls(
            measure=p.measure, value=p.value, percentile=p.percentile,
            peers_measured=p.peers_measured, reason=p.reason,
        )  # fmt: skip


class BenchmarkOut(Model):
    truck_id: str
    period: PeriodOut
    peer_group: str = Field(description="how the peers were chosen")
    peers: list[PeerOut]
    measures: list[PercentileOut]

    @classmethod
    def from_domain(cls, b: Benchmark, year_window: int) -> BenchmarkOut:
        t = b.truck
        group = (
            f"{t.make} {t.model}, model years {t.year - year_window}-{t.year + year_window}"
            if t.make and t.model and t.year is not None
            else "none: the truck's make, model or year is not registered"
        )
        return cls(
            truck_id=t.truck_id,
            period=period_out(b.period),
            peer_group=group,
            peers=[
                PeerOut(truck_id=p.truck_id, make=p.make, model=p.model, year=p.year)
                for p in b.peers
            ],
            measures=[PercentileOut.from_domain(m) for m in b.measures],
        )
