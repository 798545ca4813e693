from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips import Trip, TripRules, behaviour_score, linear_score
from tests.unit.trips import T0

RULES = TripRules()

TRIP = Trip(
    truck_id=TruckId("T1"),
    trip_id="T1.0",
    start=T0,
    end=T0 + timedelta(hours=5),
    start_lat=None,
    start_lon=None,
    end_lat=None,
    end_lon=None,
    distance_mi=260.0,
    distance_source=Source.ODOMETER,
    fuel_gal=40.0,
    fuel_source=Source.ECU_COUNTER,
    mpg=6.5,
    driving_s=4 * 3600.0,
    idle_s=3600.0,
    max_speed_mph=70.0,
    speeding_s=12 * 60.0,
    harsh_accel=1,
    harsh_brake=2,
    driver_id="D1",
    stops=(),
    complete=True,
)


def test_weights_sum_to_one_and_every_part_is_explained() -> None:
    result = behaviour_score("T1", [TRIP], 6.5, RULES)
    assert [p.name for p in result.parts] == ["mpg", "idle", "speeding", "harsh"]
    assert [p.weight for p in result.parts] == [0.40, 0.30, 0.15, 0.15]
    assert sum(p.weight for p in result.parts) == pytest.approx(1.0)
    for part in result.parts:
        assert part.explanation
        assert part.score is not None
        assert 0 <= part.score <= 100
    mpg, idle, speeding, harsh = result.parts
    assert (mpg.value, mpg.score) == (6.5, 100.0)
    assert idle.value == 20.0
    assert idle.score == 75.0
    assert speeding.value == 3.0
    assert speeding.score == 70.0
    assert harsh.value == pytest.approx(300 / 260, abs=1e-3)
    assert harsh.score == pytest.approx(76.9)
    expected = 0.4 * 100 + 0.3 * 75 + 0.15 * 70 + 0.15 * 76.9
    assert result.score == pytest.approx(expected, abs=0.1)
    assert result.distance_mi == 260
    assert result.driving_h == 4
    assert "6.50 MPG" in mpg.explanation
    assert "baseline" in mpg.explanation


def test_mpg_is_distance_weighted_and_scored_against_the_baseline() -> None:
    short = replace(TRIP, distance_mi=10.0, fuel_gal=5.0)  # 2 MPG on a short hop
    result = behaviour_score("D1", [TRIP, short], 6.5, RULES)
    assert result.parts[0].value == pytest.approx(270 / 45, abs=1e-3)
    poor = behaviour_score("T1", [replace(TRIP, fuel_gal=260 / 4.875)], 6.5, RULES)
    assert poor.parts[0].score == pytest.approx(50.0)  # -25 %


def test_parts_without_data_are_left_out_and_say_why() -> None:
    empty = replace(TRIP, distance_mi=None, fuel_gal=None, driving_s=100.0, idle_s=0.0)
    result = behaviour_score("T1", [empty], 6.5, RULES)
    assert result.score is None
    assert all(p.score is None and "not scored" in p.explanation for p in result.parts)
    only_idle = behaviour_score("T1", [empty], 6.5, RULES, idle_s=3600.0, engine_on_s=7200.0)
    assert only_idle.score == only_idle.parts[1].score == 0.0  # 50 % idle
    assert "over the period" in only_idle.parts[1].explanation


def test_linear_score_clamps_both_ways() -> None:
    assert linear_score(10, 0, -50) == 100
    assert linear_score(-10, 0, -50) == 80
    assert linear_score(-60, 0, -50) == 0
    assert linear_score(30, 10, 50) == 50
    assert linear_score(99, 10, 50) == 0
