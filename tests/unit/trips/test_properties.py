"""Properties over random duty cycles: trips never overlap, stops lie inside their trip,
the trips add up to the period's driving distance and fuel (with an odometer and a fuel
counter, or from speed, GPS and the fuel rate), and input order never matters."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.fuel import FuelRules, analyze_truck
from fuel_analytics.domain.trips import TripRules, detect_trips, trip_spans
from fuel_analytics.domain.trips.signals import measure
from tests.unit.trips import ROAD_MILES_PER_DEG, T0, TRUCK, Builder

RULES = TripRules()

phases = st.lists(
    st.tuples(st.integers(1, 25), st.sampled_from([0.0, 0.0, 25.0, 55.0, 72.0]), st.booleans()),
    min_size=1,
    max_size=14,
)


def build(
    plan: list[tuple[int, float, bool]],
    step: float,
    *,
    miles_per_deg: float = 1000.0,
    counters: bool = True,
) -> Builder:
    b = Builder(
        step_s=step, miles_per_deg=miles_per_deg, with_odometer=counters, with_counter=counters
    )
    for minutes, speed, engine in plan:
        b.phase(minutes * 60, speed, engine)
    return b


@settings(max_examples=120, deadline=None)
@given(plan=phases, step=st.sampled_from([30.0, 60.0, 120.0]))
def test_trips_never_overlap_and_hold_their_stops(
    plan: list[tuple[int, float, bool]], step: float
) -> None:
    trips = detect_trips(TRUCK, build(plan, step).readings, RULES)
    for before, after in itertools.pairwise(trips):
        assert before.end < after.start
    for trip in trips:
        assert trip.start <= trip.end
        assert trip.driving_s + trip.idle_s <= trip.duration_s + 1e-6
        for stop in trip.stops:
            assert trip.start < stop.start < stop.end <= trip.end
            assert stop.duration_s < RULES.trip_end_stop_s
        starts = [s.start for s in trip.stops]
        assert starts == sorted(starts)


@settings(max_examples=120, deadline=None)
@given(plan=phases, step=st.sampled_from([30.0, 60.0, 120.0]))
def test_trips_add_up_to_the_distance_driven(
    plan: list[tuple[int, float, bool]], step: float
) -> None:
    b = build(plan, step)
    trips = detect_trips(TRUCK, b.readings, RULES)
    driven = b.odometer - 1000.0  # the odometer only moves next to a moving reading
    assert sum(t.distance_mi or 0.0 for t in trips) == pytest.approx(driven, abs=1e-3 * 8)
    measured = measure(TRUCK, b.readings, RULES)
    moving = sum(
        d for d, m in zip(measured.intervals.distance, measured.intervals.moving, strict=True) if m
    )
    assert moving <= driven + 1e-6
    spans = trip_spans(measured, RULES)
    assert len(spans) == len(trips)


@settings(max_examples=60, deadline=None)
@given(plan=phases, seed=st.integers(0, 1000))
def test_input_order_never_matters(plan: list[tuple[int, float, bool]], seed: int) -> None:
    rows = build(plan, 60.0).readings
    shuffled = rows + rows[: len(rows) // 3]
    random.Random(seed).shuffle(shuffled)
    assert detect_trips(TRUCK, shuffled, RULES) == detect_trips(TRUCK, rows, RULES)


@settings(max_examples=120, deadline=None)
@given(
    plan=phases,
    step=st.sampled_from([30.0, 60.0, 120.0]),
    counters=st.booleans(),
    engine_off_stops=st.booleans(),
)
def test_trips_add_up_to_the_period_distance_and_fuel(
    plan: list[tuple[int, float, bool]], step: float, counters: bool, engine_off_stops: bool
) -> None:
    """With counters: the odometer and the ECU counter. Without: the speed integral (GPS
    apportioning it along a road 1.25 x the straight line) and the fuel-rate integral."""
    if engine_off_stops:
        plan = [(minutes, speed, speed > 0) for minutes, speed, _ in plan]
    b = build(plan, step, miles_per_deg=ROAD_MILES_PER_DEG, counters=counters)
    trips = detect_trips(TRUCK, b.readings, RULES)
    days = analyze_truck(
        TRUCK,
        b.readings,
        start=T0 - timedelta(days=1),
        end=T0 + timedelta(days=2),
        rules=FuelRules(),
    ).days
    # distance: every mile is driven next to a moving reading, so inside a trip
    period_mi = sum(d.distance_mi or 0.0 for d in days)
    trips_mi = sum(t.distance_mi or 0.0 for t in trips)
    assert trips_mi == pytest.approx(period_mi, abs=1e-3 * (len(trips) + 1))
    assert trips_mi == pytest.approx(b.odometer - 1000.0, abs=1e-3 * (len(trips) + 1))
    # fuel: the trips hold all of it but what idled outside them (none with the engine off)
    period_gal = sum(d.fuel_used_gal or 0.0 for d in days)
    trips_gal = sum(t.fuel_gal or 0.0 for t in trips)
    slack = 1e-3 * (len(trips) + 1)
    assert trips_gal <= period_gal + slack
    if engine_off_stops:
        assert trips_gal == pytest.approx(period_gal, abs=slack)
    driving_gal = sum(
        (a.speed_mph + b_.speed_mph) / 2.0 / 6.5 * (b_.ts - a.ts).total_seconds() / 3600.0
        for a, b_ in itertools.pairwise(b.readings)
        if a.speed_mph is not None and b_.speed_mph is not None
    )
    assert trips_gal >= driving_gal - slack
