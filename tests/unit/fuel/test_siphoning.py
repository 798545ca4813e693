"""Slow siphoning over consecutive days (DOMAIN.md §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fuel_analytics.domain.fuel import (
    DailyFuel,
    FuelEventKind,
    Source,
    analyze_truck,
    detect_siphoning,
    summarize_period,
)
from fuel_analytics.domain.model import TruckId
from tests.unit.fuel import RULES, T0, Drive, truck

DAYS = 7


def week(siphon_days: set[int], seed: int = 9, gallons: float = 9.0) -> tuple[DailyFuel, ...]:
    d = Drive(seed=seed, level=90.0)
    for n in range(DAYS):
        day = T0 + timedelta(days=n)
        d.sleep_until(day + timedelta(hours=2))
        if n in siphon_days:
            d.siphon(gallons, 120, step_s=600)
        d.sleep_until(day + timedelta(hours=13))  # 07:00 local
        d.shift(miles=400.0)
    d.sleep_until(T0 + timedelta(days=DAYS, hours=3))
    analysis = analyze_truck(
        truck(), d.readings, start=T0, end=T0 + timedelta(days=DAYS), rules=RULES
    )
    assert len(analysis.days) == DAYS
    assert FuelEventKind.THEFT_SUSPECTED not in {e.kind for e in analysis.events}
    return analysis.days


def test_four_nights_of_siphoning_are_one_event() -> None:
    days = week({1, 2, 3, 4})
    (event,) = detect_siphoning(truck(), days, RULES)
    assert event.kind is FuelEventKind.SIPHONING
    assert event.start == T0 + timedelta(days=1)
    assert event.end == T0 + timedelta(days=5)
    assert event.gallons == pytest.approx(4 * 9.0, abs=4.0)
    assert "4 consecutive days" in event.reason
    period = summarize_period(truck(), days, [event], RULES)
    assert period.siphon_gal == event.gallons


@pytest.mark.parametrize("seed", [9, 10, 11])
def test_a_normal_truck_is_not_siphoned(seed: int) -> None:
    days = week(set(), seed=seed)
    assert detect_siphoning(truck(), days, RULES) == []
    for day in days:
        assert day.unexplained_gal is not None
        assert abs(day.unexplained_gal) < 3.0  # the daily balance closes


def test_two_nights_are_not_enough() -> None:
    assert detect_siphoning(truck(), week({2, 3}), RULES) == []


def row(n: int, level_use: float | None, miles: float = 260.0) -> DailyFuel:
    start = T0 + timedelta(days=n)
    return DailyFuel(
        truck_id=TruckId("T1"),
        day=start.date(),
        start=start,
        end=start + timedelta(days=1),
        readings=500,
        distance_mi=miles,
        distance_source=Source.ODOMETER,
        fuel_used_gal=40.0,
        fuel_source=Source.ECU_COUNTER,
        moving_distance_mi=miles,
        moving_fuel_gal=40.0,
        moving_hours=miles / 60,
        idle_hours=2.5,
        engine_on_hours=miles / 60 + 2.5,
        idle_fuel_gal=2.0,
        idle_fuel_source=Source.ESTIMATED,
        refuel_count=0,
        refuel_gal=0.0,
        drop_gal=0.0,
        start_level_pct=80.0,
        end_level_pct=60.0,
        level_use_gal=level_use,
        unexplained_gal=None,
        data_quality_issues=0,
    )


def test_the_rule_on_daily_rows() -> None:
    normal = 260.0 / 6.5 + 2.0  # 42 gal explained by distance / baseline and idle
    lossy = normal + 5.0  # 5 gal > 2 % of 200 gal
    days = [row(0, normal), row(1, lossy), row(2, lossy), row(3, lossy), row(4, normal)]
    (event,) = detect_siphoning(truck(), days, RULES)
    assert event.gallons == pytest.approx(15.0)
    assert event.start == T0 + timedelta(days=1)
    assert event.end == T0 + timedelta(days=4)
    # under 10 gal in all: nothing
    small = [row(n, normal + 3.5) for n in range(3)]
    assert detect_siphoning(truck(), small, RULES) == []
    # a missing day breaks the run; a day without levels too
    assert detect_siphoning(truck(), [row(0, lossy), row(1, lossy), row(3, lossy)], RULES) == []
    broken = [row(0, lossy), row(1, lossy), row(2, None), row(3, lossy)]
    assert detect_siphoning(truck(), broken, RULES) == []
    # order does not matter
    assert detect_siphoning(truck(), list(reversed(days)), RULES) == [event]


def test_a_larger_tank_needs_a_larger_daily_loss() -> None:
    normal = 260.0 / 6.5 + 2.0
    days = [row(n, normal + 5.0) for n in range(4)]
    assert detect_siphoning(truck(capacity=300.0), days, RULES) == []  # 5 < 6 gal
    big = [replace(d, level_use_gal=normal + 7.0) for d in days]
    assert len(detect_siphoning(truck(capacity=300.0), big, RULES)) == 1
