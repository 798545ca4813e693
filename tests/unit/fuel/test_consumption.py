"""Distance, fuel used and idle per day, each with its source (DOMAIN.md §3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fuel_analytics.domain.fuel import DailyFuel, Source, analyze_truck
from fuel_analytics.domain.model import Reading, TruckId
from tests.unit.fuel import RULES, T0, Drive, truck

END = T0 + timedelta(days=1)


def one_day(readings: list[Reading]) -> DailyFuel:
    analysis = analyze_truck(truck(), readings, start=T0, end=END, rules=RULES)
    assert len(analysis.days) == 1
    return analysis.days[0]


def at(minute: float, **values: object) -> Reading:
    return Reading(truck_id=TruckId("T1"), ts=T0 + timedelta(minutes=minute), **values)  # type: ignore[arg-type]


def test_distance_and_fuel_come_from_the_counters_first() -> None:
    d = Drive(seed=2)
    d.park(10)
    d.drive(120, mph=60, mpg=6.0)  # 120 mi, 20 gal
    day = one_day(d.readings)
    assert day.distance_source is Source.ODOMETER
    assert day.distance_mi == pytest.approx(120.0, abs=0.05)
    assert day.fuel_source is Source.ECU_COUNTER
    assert day.fuel_used_gal == pytest.approx(20.0, abs=0.01)
    assert day.moving_distance_mi / day.moving_fuel_gal == pytest.approx(6.0, rel=0.01)


def test_without_counters_speed_and_fuel_rate_are_integrated() -> None:
    d = Drive(seed=2, odometer=None, fuel_total=None)
    d.park(10)
    d.drive(120, mph=60, mpg=6.0)
    day = one_day(d.readings)
    assert day.distance_source is Source.SPEED_INTEGRAL
    assert day.fuel_source is Source.RATE_INTEGRAL
    # the first interval ramps from 0 to 60 mph (trapezoid): half a minute at 60 is lost
    assert day.distance_mi == pytest.approx(119.5, abs=0.01)
    assert day.fuel_used_gal == pytest.approx(19.92, abs=0.01)


def test_with_only_a_gauge_fuel_is_the_smoothed_fall_without_refuels() -> None:
    d = Drive(seed=4, odometer=None, fuel_total=None, rate=False, level=70.0)
    d.park(10)
    d.drive(240, mph=60, mpg=6.5)  # 36.9 gal
    d.idle(3)
    d.park(3)
    d.fill(95.0, 12)
    d.park(15)
    d.drive(180, mph=60, mpg=6.5)  # 27.7 gal
    day = one_day(d.readings)
    assert day.fuel_source is Source.LEVEL
    assert day.refuel_count == 1
    assert day.fuel_used_gal == pytest.approx(64.6 + 0.04, abs=3.0)


def test_fuel_used_is_never_negative() -> None:
    d = Drive(seed=5, odometer=None, fuel_total=None, rate=False)
    d.park(60)
    d.fill(62.0, 10)  # a creep up too small to be a refuel
    d.park(60)
    day = one_day(d.readings)
    assert day.fuel_used_gal is not None
    assert day.fuel_used_gal >= 0.0


def test_gaps_longer_than_30_min_integrate_nothing() -> None:
    def segments(gap_min: float) -> list[Reading]:
        first = [
            at(m, speed_mph=60.0, odometer_mi=1000.0 + m, fuel_rate_gph=20.0) for m in range(11)
        ]
        later = [
            at(
                10 + gap_min + m,
                speed_mph=60.0,
                odometer_mi=1010.0 + gap_min + m,
                fuel_rate_gph=20.0,
            )
            for m in range(11)
        ]
        return first + later

    day = one_day(segments(31))
    assert day.distance_mi == pytest.approx(20.0, abs=1e-3)
    assert day.fuel_used_gal == pytest.approx(2 * 20.0 * 10 / 60, abs=1e-3)
    assert day.moving_hours == pytest.approx(20 / 60, abs=1e-3)
    assert one_day(segments(29)).distance_mi == pytest.approx(
        49.0, abs=1e-3
    )  # one segment: counted
    # speed alone integrates over gaps of 5 min at most
    speeds = [at(m, speed_mph=60.0) for m in (0, 1, 2, 8, 9)]
    assert one_day(speeds).distance_mi == pytest.approx(3.0, abs=1e-3)


def test_an_odometer_jump_faster_than_90_mph_is_discarded_and_counted() -> None:
    values = [100.0, 101.0, 102.0, 152.0, 153.0, 154.0]
    readings = [at(m, odometer_mi=v, speed_mph=60.0) for m, v in enumerate(values)]
    day = one_day(readings)
    assert day.data_quality_issues == 1
    assert day.distance_mi == pytest.approx(5.0, abs=1e-3)  # the bad minute falls back to speed
    backwards = [at(m, odometer_mi=v, speed_mph=60.0) for m, v in enumerate([100.0, 101.0, 99.0])]
    day = one_day(backwards)
    assert day.data_quality_issues == 1
    assert day.distance_mi == pytest.approx(2.0, abs=1e-3)
    # 1.4 mi in a minute is 84 mph: kept
    assert one_day([at(0, odometer_mi=10.0), at(1, odometer_mi=11.4)]).data_quality_issues == 0


def test_a_negative_fuel_counter_delta_is_ignored() -> None:
    readings = [
        at(0, total_fuel_gal=500.0, speed_mph=60.0, fuel_rate_gph=10.0),
        at(1, total_fuel_gal=500.2, speed_mph=60.0, fuel_rate_gph=10.0),
        at(2, total_fuel_gal=10.0, speed_mph=60.0, fuel_rate_gph=10.0),  # ECU swapped
        at(3, total_fuel_gal=10.2, speed_mph=60.0, fuel_rate_gph=10.0),
    ]
    day = one_day(readings)
    assert day.data_quality_issues == 1
    assert day.fuel_used_gal == pytest.approx(0.2 + 10.0 / 60 + 0.2, abs=1e-3)


@pytest.mark.parametrize(
    ("idle_counter", "rate", "source", "gallons"),
    [
        (500.0, True, Source.ECU_COUNTER, 1.1),
        (None, True, Source.RATE_INTEGRAL, 1.1),
        (None, False, Source.ESTIMATED, 0.8),
    ],
)
def test_idle_fuel_sources_and_the_estimated_flag(
    idle_counter: float | None, rate: bool, source: Source, gallons: float
) -> None:
    d = Drive(seed=1, idle_fuel_total=idle_counter, fuel_total=None, rate=rate)
    d.park(5)
    d.idle(60, gph=1.1)
    d.park(5)
    day = one_day(d.readings)
    assert day.idle_hours == pytest.approx(1.0, abs=1e-3)
    assert day.engine_on_hours == pytest.approx(1.0, abs=1e-3)
    assert day.idle_fuel_source is source
    assert day.idle_fuel_gal == pytest.approx(gallons, abs=1e-6)


def test_idle_and_engine_hours_follow_the_live_status_rules() -> None:
    readings = [
        at(0, speed_mph=0.0, rpm=650.0),  # IDLE
        at(10, speed_mph=1.5, rpm=700.0),  # still IDLE: 2 mph is not moving
        at(20, speed_mph=30.0),  # MOVING
        at(30, speed_mph=0.0, rpm=0.0, fuel_rate_gph=0.1),  # STOPPED
        at(40, speed_mph=0.0),
    ]
    day = one_day(readings)
    assert day.idle_hours == pytest.approx(20 / 60, abs=1e-3)
    assert day.moving_hours == pytest.approx(10 / 60, abs=1e-3)
    assert day.engine_on_hours == pytest.approx(30 / 60, abs=1e-3)
