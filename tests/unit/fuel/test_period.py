"""A period's MPG, band, idle, events and cost (DOMAIN.md §3, §7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fuel_analytics.domain.fuel import (
    DailyFuel,
    FuelEvent,
    FuelEventKind,
    MpgBand,
    Source,
    analyze_truck,
    mpg_band,
    summarize_period,
)
from fuel_analytics.domain.model import TruckId
from tests.unit.fuel import RULES, T0, Drive, truck


def daily(index: int, miles: float | None, gallons: float | None, **values: object) -> DailyFuel:
    start = T0 + timedelta(days=index)
    row = DailyFuel(
        truck_id=TruckId("T1"),
        day=start.date(),
        start=start,
        end=start + timedelta(days=1),
        readings=1000,
        distance_mi=miles,
        distance_source=Source.ODOMETER if miles is not None else Source.NONE,
        fuel_used_gal=gallons,
        fuel_source=Source.ECU_COUNTER if gallons is not None else Source.NONE,
        moving_distance_mi=miles or 0.0,
        moving_fuel_gal=gallons or 0.0,
        moving_hours=(miles or 0.0) / 60,
        idle_hours=0.0,
        engine_on_hours=(miles or 0.0) / 60,
        idle_fuel_gal=0.0,
        idle_fuel_source=Source.NONE,
        refuel_count=0,
        refuel_gal=0.0,
        drop_gal=0.0,
        start_level_pct=None,
        end_level_pct=None,
        level_use_gal=None,
        unexplained_gal=None,
        data_quality_issues=0,
    )
    return replace(row, **values)  # type: ignore[arg-type]


def event(kind: FuelEventKind, gallons: float) -> FuelEvent:
    return FuelEvent(
        truck_id=TruckId("T1"),
        kind=kind,
        start=T0,
        end=T0,
        level_before_pct=50.0,
        level_after_pct=50.0 - gallons / 2,
        gallons=gallons,
        lat=None,
        lon=None,
        confidence=0.9,
        evidence=(),
        reason="test",
    )


def test_mpg_is_total_distance_over_total_fuel_not_a_mean_of_ratios() -> None:
    days = [daily(0, 100.0, 10.0), daily(1, 500.0, 100.0)]  # 10 and 5 mpg
    period = summarize_period(truck(baseline=6.0), days, [], RULES)
    assert period.mpg == pytest.approx(600 / 110, abs=1e-3)
    assert period.mpg != pytest.approx(7.5, abs=0.1)
    assert period.distance_mi == 600
    assert period.fuel_used_gal == 110


def test_mpg_end_to_end_weights_by_distance() -> None:
    d = Drive(seed=1)
    d.park(5)
    d.drive(20, mph=60, mpg=10.0)  # 20 mi, 2 gal
    d.idle(10)
    d.drive(200, mph=60, mpg=5.0)  # 200 mi, 40 gal
    days = analyze_truck(
        truck(), d.readings, start=T0, end=T0 + timedelta(days=1), rules=RULES
    ).days
    period = summarize_period(truck(), days, [], RULES)
    assert period.mpg == pytest.approx(220 / 42, rel=0.01)


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        ([daily(0, 9.9, 2.0)], "distance < 10 mi"),
        ([daily(0, 30.0, 0.5)], "fuel < 1 gal"),
        ([], "distance < 10 mi"),
    ],
)
def test_mpg_is_null_with_a_reason(days: list[DailyFuel], reason: str) -> None:
    period = summarize_period(truck(), days, [], RULES)
    assert period.mpg is None
    assert period.mpg_band is None
    assert period.mpg_reason is not None
    assert period.mpg_reason.startswith(reason)


def test_no_data_is_none_with_a_reason_never_zero() -> None:
    period = summarize_period(truck(), [daily(0, None, None)], [], RULES)
    assert period.distance_mi is None
    assert period.distance_reason
    assert period.fuel_used_gal is None
    assert period.fuel_reason
    assert period.cost_per_mile is None
    assert period.cost_reason
    assert period.fuel_cost is None


@pytest.mark.parametrize(
    ("deviation", "band"),
    [
        (5.0, MpgBand.GOOD),
        (0.0, MpgBand.GOOD),
        (-0.01, MpgBand.NORMAL),
        (-12.5, MpgBand.NORMAL),
        (-12.51, MpgBand.WARNING),
        (-25.0, MpgBand.WARNING),
        (-25.01, MpgBand.CRITICAL),
    ],
)
def test_band_thresholds(deviation: float, band: MpgBand) -> None:
    assert mpg_band(deviation, RULES) is band


def test_band_against_the_trucks_baseline() -> None:
    days = [daily(0, 500.0, 100.0)]  # 5 mpg
    assert summarize_period(truck(baseline=5.0), days, [], RULES).mpg_band is MpgBand.GOOD
    period = summarize_period(truck(baseline=6.0), days, [], RULES)  # -16.7 %
    assert period.mpg_deviation_pct == pytest.approx(-16.667, abs=1e-3)
    assert period.mpg_band is MpgBand.WARNING
    assert summarize_period(truck(baseline=8.0), days, [], RULES).mpg_band is MpgBand.CRITICAL


@pytest.mark.parametrize(("miles", "gallons"), [(100.0, 5.0), (100.0, 60.0)])
def test_a_suspicious_mpg_is_flagged_not_dropped(miles: float, gallons: float) -> None:
    period = summarize_period(truck(), [daily(0, miles, gallons)], [], RULES)
    assert period.mpg == pytest.approx(miles / gallons, abs=1e-3)
    assert period.mpg_suspect is True
    fine = summarize_period(truck(), [daily(0, 100.0, 15.0)], [], RULES)
    assert fine.mpg_suspect is False


def test_idle_share_and_cost() -> None:
    days = [
        daily(0, 100.0, 20.0, idle_hours=2.0, engine_on_hours=8.0, idle_fuel_gal=1.6),
        daily(1, 100.0, 20.0, idle_hours=1.0, engine_on_hours=4.0, idle_fuel_gal=0.8),
    ]
    period = summarize_period(truck(), days, [], RULES, price_per_gal=4.0)
    assert period.idle_hours == 3.0
    assert period.idle_pct == pytest.approx(25.0)
    assert period.idle_cost == pytest.approx(2.4 * 4.0)


def test_cost_per_mile_and_the_price_source() -> None:
    days = [daily(0, 400.0, 60.0)]
    period = summarize_period(truck(), days, [], RULES)
    assert period.price_per_gal == 3.85
    assert period.fuel_cost == pytest.approx(60 * 3.85)
    assert period.cost_per_mile == pytest.approx(60 * 3.85 / 400, abs=1e-3)
    priced = replace(truck(), fuel_price_per_gal=4.5)
    assert summarize_period(priced, days, [], RULES).price_per_gal == 4.5
    assert summarize_period(priced, days, [], RULES, price_per_gal=3.0).price_per_gal == 3.0
    short = summarize_period(truck(), [daily(0, 5.0, 2.0)], [], RULES)
    assert short.cost_per_mile is None
    assert short.cost_reason


def test_events_are_counted_by_kind() -> None:
    found = [
        event(FuelEventKind.REFUEL, 120.0),
        event(FuelEventKind.REFUEL, 80.0),
        event(FuelEventKind.THEFT_SUSPECTED, 40.0),
        event(FuelEventKind.SENSOR_GLITCH, 50.0),
        event(FuelEventKind.SIPHONING, 14.0),
    ]
    period = summarize_period(truck(), [daily(0, 100.0, 15.0)], found, RULES)
    assert period.refuel_count == 2
    assert period.refuel_gal == 200.0
    assert period.theft_gal == 40.0
    assert period.siphon_gal == 14.0
    assert period.drops_by_kind[FuelEventKind.THEFT_SUSPECTED] == 1
    assert period.drops_by_kind[FuelEventKind.SENSOR_GLITCH] == 1
    assert period.drops_by_kind[FuelEventKind.SENSOR_NOISE] == 0
    assert FuelEventKind.REFUEL not in period.drops_by_kind


def test_the_dominant_source_is_named() -> None:
    days = [daily(0, 100.0, 15.0), daily(1, 10.0, 2.0, fuel_source=Source.RATE_INTEGRAL)]
    period = summarize_period(truck(), days, [], RULES)
    assert period.fuel_source is Source.ECU_COUNTER
    assert "RATE_INTEGRAL" in period.fuel_source_note
