"""Refuels (DOMAIN.md §4): smoothed rises while stopped, merged steps, ignored top-offs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fuel_analytics.domain.fuel import FuelEvent, FuelEventKind, analyze_truck
from fuel_analytics.domain.model import Reading
from tests.unit.fuel import RULES, T0, Drive, truck

END = T0 + timedelta(days=1)


def events(readings: list[Reading], capacity: float = 200.0) -> list[FuelEvent]:
    t = truck(capacity=capacity)
    return list(analyze_truck(t, readings, start=T0, end=END, rules=RULES).events)


def arrive(d: Drive) -> None:
    d.park(30)
    d.drive(60)
    d.idle(2)
    d.park(2)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_fill_reported_10_40_80_is_one_refuel(seed: int) -> None:
    d = Drive(seed=seed, level=10.0 + 60 / 6.5 / 2)  # 10 % on arrival
    arrive(d)
    d.fill(40.0, 6)
    d.park(4)  # the nozzle clicks off, the driver restarts it
    d.fill(80.0, 8)
    d.park(20)
    d.drive(30)
    found = events(d.readings)
    assert [e.kind for e in found] == [FuelEventKind.REFUEL]
    refuel = found[0]
    assert refuel.gallons == pytest.approx(0.70 * 200, abs=2.5)
    assert refuel.level_before_pct == pytest.approx(10.0, abs=1.2)
    assert refuel.level_after_pct == pytest.approx(80.0, abs=1.2)
    assert refuel.confidence >= 0.8
    assert refuel.lat == 32.8
    assert refuel.lon == -96.8
    assert refuel.evidence
    assert all(p.level_pct >= 0 for p in refuel.evidence)
    assert "rose" in refuel.reason


def test_rises_more_than_15_min_apart_are_two_refuels() -> None:
    d = Drive(seed=1, level=20.0)
    d.park(30)
    d.fill(50.0, 5)
    d.park(25)
    d.fill(80.0, 5)
    d.park(30)
    found = events(d.readings)
    assert [e.kind for e in found] == [FuelEventKind.REFUEL, FuelEventKind.REFUEL]


@pytest.mark.parametrize("capacity", [120.0, 300.0])
def test_gallons_are_the_level_change_times_the_tank(capacity: float) -> None:
    d = Drive(seed=7, level=25.0, capacity=capacity)
    d.park(30)
    d.fill(85.0, 10)
    d.park(30)
    (refuel,) = events(d.readings, capacity=capacity)
    assert refuel.gallons == pytest.approx(
        (refuel.level_after_pct - refuel.level_before_pct) / 100 * capacity, abs=0.01
    )
    assert refuel.gallons == pytest.approx(0.60 * capacity, rel=0.03)


def test_a_top_off_above_95_percent_is_ignored() -> None:
    d = Drive(seed=3, level=96.0, noise_pct=0.3)
    d.park(30)
    d.fill(99.0, 2)
    d.park(30)
    assert events(d.readings) == []


def test_the_top_off_rule_not_the_size_threshold_drops_a_splash() -> None:
    # a 100 gal tank counts rises from 8 gal: 9.5 gal ending above 95 % is still a top-off
    def splash(start: float) -> list[FuelEventKind]:
        d = Drive(seed=3, level=start, capacity=100.0, noise_pct=0.3)
        d.park(30)
        d.fill(start + 9.5, 2)
        d.park(30)
        return [e.kind for e in events(d.readings, capacity=100.0)]

    assert splash(87.0) == []
    assert splash(50.0) == [FuelEventKind.REFUEL]


def test_a_rise_that_begins_while_moving_is_not_a_refuel() -> None:
    d = Drive(seed=1, level=30.0)
    d.park(10)
    for _ in range(10):  # the gauge climbs 3 % a minute at 40 mph
        d.level += 3.0
        d.drive(1, mph=40.0)
    d.drive(30)
    assert [e for e in events(d.readings) if e.kind is FuelEventKind.REFUEL] == []


def test_a_slow_creep_below_the_threshold_is_nothing() -> None:
    d = Drive(seed=1, level=30.0)
    d.park(30)
    d.fill(36.0, 10)  # 12 gal < max(8 % of 200, 5 gal)
    d.park(30)
    assert events(d.readings) == []


def test_big_steps_between_five_minute_readings_are_one_refuel() -> None:
    d = Drive(seed=1, level=10.0, noise_pct=0.0, step_s=300)
    d.park(120)
    d.level = 40.0
    d.park(5)
    d.level = 80.0
    d.park(120)
    (refuel,) = events(d.readings)
    assert refuel.kind is FuelEventKind.REFUEL
    assert refuel.gallons == pytest.approx(0.70 * 200)
    assert refuel.start == T0 + timedelta(minutes=120)  # the last reading at 10 %
