"""Properties: arrival order, duplicates, split windows, no negative fuel, gallons = Δ% x tank."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.fuel import FuelEventKind, TruckFuelAnalysis, analyze_truck
from fuel_analytics.domain.model import Reading, TruckId
from tests.unit.fuel import RULES, T0, Drive, truck

DAYS = 3


@cache
def scenario() -> tuple[Reading, ...]:
    """Three days with every kind of event, some of them across midnight UTC."""
    d = Drive(seed=21, level=85.0)
    d.sleep_until(T0 + timedelta(hours=5))
    d.park(10)
    d.siphon(40, 10)  # a theft at 23:10 local
    d.park(40)
    d.sleep_until(T0 + timedelta(hours=13))
    d.shift(miles=360.0, refuel_below=60.0)
    d.park(30)
    d.fake(d.level - 25.0)  # a glitch
    d.park(20)
    d.sleep_until(T0 + timedelta(days=1, hours=5))
    d.flap(180, step_s=300)
    d.sleep_until(T0 + timedelta(days=1, hours=13))
    d.shift(miles=420.0)
    d.drive(120)
    d.sleep_until(T0 + timedelta(days=1, hours=23, minutes=52))
    d.fill(95.0, 12)  # a refuel across midnight
    d.park(20)
    d.fake(0.0)  # a disconnect
    d.park(20)
    d.gap(45)  # offline
    d.sleep_until(T0 + timedelta(days=2, hours=13))
    d.shift(miles=300.0)
    d.sleep_until(T0 + timedelta(days=3, hours=12))
    return tuple(d.readings)


@cache
def whole() -> TruckFuelAnalysis:
    return analyze(list(scenario()), 0, DAYS)


def analyze(readings: list[Reading], first: int, last: int) -> TruckFuelAnalysis:
    return analyze_truck(
        truck(),
        readings,
        start=T0 + timedelta(days=first),
        end=T0 + timedelta(days=last),
        rules=RULES,
    )


def test_the_scenario_has_every_kind_of_event() -> None:
    kinds = {e.kind for e in whole().events}
    assert kinds >= {
        FuelEventKind.REFUEL,
        FuelEventKind.THEFT_SUSPECTED,
        FuelEventKind.SENSOR_GLITCH,
        FuelEventKind.SENSOR_NOISE,
        FuelEventKind.SENSOR_DISCONNECT,
    }
    assert len(whole().days) == DAYS


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), repeats=st.integers(0, 50))
def test_results_do_not_depend_on_arrival_order(seed: int, repeats: int) -> None:
    order = random.Random(seed)
    readings = list(scenario())
    readings += order.sample(readings, repeats)  # sent twice: stored once
    order.shuffle(readings)
    assert analyze(readings, 0, DAYS) == whole()


def test_a_conflicting_copy_at_the_same_ts_is_resolved_the_same_way_whatever_the_order() -> None:
    readings = list(scenario())
    other = replace(readings[100], fuel_level_pct=12.0)
    first = analyze([*readings, other], 0, DAYS)
    second = analyze([other, *readings], 0, DAYS)
    assert first == second


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_a_window_is_the_concatenation_of_its_parts(data: st.DataObject) -> None:
    cut = data.draw(st.integers(1, DAYS - 1), label="cut")
    first = data.draw(st.integers(0, cut - 1), label="first")
    last = data.draw(st.integers(cut + 1, DAYS), label="last")
    readings = list(scenario())
    left, right = analyze(readings, first, cut), analyze(readings, cut, last)
    both = analyze(readings, first, last)
    assert left.days + right.days == both.days
    assert left.events + right.events == both.events


def test_results_only_cover_the_window() -> None:
    middle = analyze(list(scenario()), 1, 2)
    assert [d.day for d in middle.days] == [(T0 + timedelta(days=1)).date()]
    assert all(T0 + timedelta(days=1) <= e.start < T0 + timedelta(days=2) for e in middle.events)


def test_a_window_inside_a_day_is_clipped() -> None:
    start, end = T0 + timedelta(hours=12), T0 + timedelta(hours=18)
    part = analyze_truck(truck(), list(scenario()), start=start, end=end, rules=RULES)
    (day,) = part.days
    assert (day.start, day.end) == (start, end)
    assert day.distance_mi is not None
    full = whole().days[0].distance_mi
    assert full is not None
    assert day.distance_mi < full


step = st.tuples(
    st.floats(0.2, 45.0),  # minutes since the previous reading
    st.one_of(st.none(), st.floats(0.0, 100.0)),  # gauge
    st.one_of(st.none(), st.floats(0.0, 80.0)),  # speed
    st.one_of(st.none(), st.floats(0.0, 60.0)),  # fuel rate
    st.one_of(st.none(), st.floats(-20.0, 5.0)),  # fuel counter step (may go back)
    st.one_of(st.none(), st.floats(-5.0, 3.0)),  # odometer step (may go back)
    st.one_of(st.none(), st.floats(0.0, 1200.0)),  # rpm
)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=150), capacity=st.sampled_from([80.0, 200.0, 300.0])
)
def test_fuel_and_distance_are_never_negative_and_gallons_match_levels(
    steps: list[
        tuple[
            float,
            float | None,
            float | None,
            float | None,
            float | None,
            float | None,
            float | None,
        ]
    ],
    capacity: float,
) -> None:
    ts = T0 + timedelta(hours=1)
    counter, odometer = 1000.0, 5000.0
    readings: list[Reading] = []
    for minutes, level, speed, rate, fuel_step, odo_step, rpm in steps:
        ts += timedelta(minutes=minutes)
        counter += fuel_step or 0.0
        odometer += odo_step or 0.0
        readings.append(
            Reading(
                truck_id=TruckId("T1"),
                ts=ts,
                fuel_level_pct=level,
                speed_mph=speed,
                fuel_rate_gph=rate,
                total_fuel_gal=None if fuel_step is None else counter,
                odometer_mi=None if odo_step is None else odometer,
                rpm=rpm,
            )
        )
    result = analyze_truck(
        truck(capacity=capacity), readings, start=T0, end=T0 + timedelta(days=3), rules=RULES
    )
    for day in result.days:
        assert day.fuel_used_gal is None or day.fuel_used_gal >= 0
        assert day.distance_mi is None or day.distance_mi >= 0
        assert day.moving_fuel_gal >= 0
        assert day.moving_distance_mi >= 0
        assert day.idle_fuel_gal >= 0
        assert day.idle_hours >= 0
        assert day.idle_hours <= day.engine_on_hours + 1e-9
    middle = T0 + timedelta(days=1)
    left = analyze_truck(truck(capacity=capacity), readings, start=T0, end=middle, rules=RULES)
    right = analyze_truck(
        truck(capacity=capacity), readings, start=middle, end=T0 + timedelta(days=3), rules=RULES
    )
    assert left.days + right.days == result.days
    assert left.events + right.events == result.events
    for event in result.events:
        assert event.gallons >= 0
        assert 0 <= event.confidence <= 1
        delta = abs(event.level_after_pct - event.level_before_pct)
        assert event.gallons == pytest.approx(delta / 100 * capacity, abs=0.01)
        assert event.start <= event.end
