"""Properties over random duty cycles: trips never overlap, stops lie inside their trip,
the trips add up to the period's driving distance, and input order never matters."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.trips import TripRules, detect_trips, trip_spans
from fuel_analytics.domain.trips.signals import measure
from tests.unit.trips import TRUCK, Builder

RULES = TripRules()

phases = st.lists(
    st.tuples(st.integers(1, 25), st.sampled_from([0.0, 0.0, 25.0, 55.0, 72.0]), st.booleans()),
    min_size=1,
    max_size=14,
)


def build(plan: list[tuple[int, float, bool]], step: float) -> Builder:
    b = Builder(step_s=step)
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
