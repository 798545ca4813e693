"""The live state and status rules (DOMAIN.md §3)."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.latest import (
    StatusRules,
    merge_latest,
    newest_values,
    snapshot,
    truck_status,
)
from fuel_analytics.domain.model import (
    LatestState,
    Reading,
    SensorValue,
    Truck,
    TruckId,
    TruckStatus,
)
from tests.conftest import NOW, reading

RULES = StatusRules()


def state_of(*readings: Reading) -> LatestState:
    merged = merge_latest(None, readings)
    assert merged is not None
    return merged


def test_each_sensor_keeps_its_newest_value_and_time() -> None:
    state = state_of(
        reading(minute=0, fuel_level_pct=50.0, speed_mph=40.0),
        reading(minute=1, speed_mph=45.0),
    )
    assert state.ts == NOW + timedelta(minutes=1)
    assert state.sensors["speed_mph"].value == 45.0
    assert state.sensors["fuel_level_pct"].value == 50.0
    assert state.sensors["fuel_level_pct"].ts == NOW


def test_an_older_reading_arriving_late_does_not_overwrite() -> None:
    newer = state_of(reading(minute=5, speed_mph=10.0))
    merged = merge_latest(newer, [reading(minute=1, speed_mph=60.0, rpm=900.0)])
    assert merged is not None
    assert merged.ts == NOW + timedelta(minutes=5)
    assert merged.sensors["speed_mph"].value == 10.0
    assert merged.sensors["rpm"].value == 900.0  # no newer rpm was known


def test_status_rules() -> None:
    now = NOW + timedelta(minutes=1)
    assert (
        truck_status(state_of(reading(speed_mph=2.5)), now=now, rules=RULES) is TruckStatus.MOVING
    )
    assert (
        truck_status(state_of(reading(speed_mph=2.0, rpm=650.0)), now=now, rules=RULES)
        is TruckStatus.IDLE
    )
    assert (
        truck_status(state_of(reading(speed_mph=0.0, fuel_rate_gph=0.5)), now=now, rules=RULES)
        is TruckStatus.IDLE
    )
    assert (
        truck_status(
            state_of(reading(speed_mph=0.0, rpm=0.0, fuel_rate_gph=0.1)), now=now, rules=RULES
        )
        is TruckStatus.STOPPED
    )
    assert truck_status(state_of(reading()), now=now, rules=RULES) is TruckStatus.STOPPED
    late = NOW + timedelta(minutes=15, seconds=1)
    assert (
        truck_status(state_of(reading(speed_mph=50.0)), now=late, rules=RULES)
        is TruckStatus.OFFLINE
    )
    edge = NOW + timedelta(minutes=15)
    assert (
        truck_status(state_of(reading(speed_mph=50.0)), now=edge, rules=RULES) is TruckStatus.MOVING
    )


def test_a_speed_heard_of_long_ago_does_not_make_a_truck_moving() -> None:
    state = state_of(reading(minute=0, speed_mph=60.0), reading(minute=40, rpm=0.0))
    now = NOW + timedelta(minutes=41)
    assert truck_status(state, now=now, rules=RULES) is TruckStatus.STOPPED


def test_snapshot_fuel_gallons_use_the_trucks_tank() -> None:
    truck = Truck(truck_id=TruckId("T1"), tank_capacity_gal=150.0)
    snap = snapshot(truck, state_of(reading(fuel_level_pct=40.0)), now=NOW, rules=RULES)
    assert snap.fuel_gal == 60.0
    assert snap.data_age_s == 0.0


values = st.none() | st.floats(min_value=0, max_value=100, allow_nan=False)
readings_strategy = st.lists(
    st.builds(
        lambda minute, speed, level: reading(minute=minute, speed_mph=speed, fuel_level_pct=level),
        st.integers(0, 30),
        values,
        values,
    ),
    max_size=25,
)


@settings(max_examples=200)
@given(readings_strategy, st.randoms(use_true_random=False), st.integers(1, 5))
def test_merge_is_order_and_split_invariant(
    readings: list[Reading], rng: random.Random, parts: int
) -> None:
    expected = merge_latest(None, readings)
    shuffled = list(readings)
    rng.shuffle(shuffled)
    state: LatestState | None = None
    size = max(1, len(shuffled) // parts)
    for start in range(0, len(shuffled), size):
        state = merge_latest(state, shuffled[start : start + size])
    assert state == expected
    # merging what is already merged changes nothing (re-sent batches)
    assert merge_latest(state, readings) == expected


@settings(max_examples=200)
@given(readings_strategy)
def test_newest_values_are_the_merge_of_the_batch_alone(readings: list[Reading]) -> None:
    merged = merge_latest(None, readings)
    newest = newest_values(readings)
    if merged is None:
        assert newest == {}
        return
    assert {name: SensorValue(value, ts) for name, (value, ts) in newest.items()} == dict(
        merged.sensors
    )
