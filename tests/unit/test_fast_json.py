"""The hand-built JSON of the hottest answers equals what their documented models produce."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuel_analytics.domain.latest import StatusRules, merge_latest, snapshot
from fuel_analytics.domain.model import LatestState, Truck, TruckId, TruckStatus
from fuel_analytics.entrypoints.http.schemas import SensorSnapshotOut
from fuel_analytics.entrypoints.http.sensors_answer import SensorsAnswer
from fuel_analytics.simulation import FleetConfig, simulate_fleet
from tests.conftest import NOW, reading

FLEET = simulate_fleet(FleetConfig(trucks=4, days=1, seed=3, end=NOW))
RULES = StatusRules()


def model_json(truck: Truck, state: LatestState, late: timedelta, rules: StatusRules) -> bytes:
    now = state.ts + late
    snap = snapshot(truck, state, now=now, rules=rules)
    return SensorSnapshotOut.from_domain(snap, now).model_dump_json(by_alias=True).encode()


@pytest.mark.parametrize("truck", FLEET.trucks, ids=lambda t: t.truck_id)
@pytest.mark.parametrize("cut", [1, 7, 100, 10_000])
@pytest.mark.parametrize("late_s", [0, 0.5, 3_600])
def test_sensors_json_equals_the_models(truck: Truck, cut: int, late_s: float) -> None:
    readings = list(FLEET.readings(truck.truck_id))[:cut]
    state = merge_latest(None, readings)
    assert state is not None
    late = timedelta(seconds=late_s)
    fast = SensorsAnswer(truck, state, RULES).render(state.ts + late)
    model = model_json(truck, state, late, RULES)
    assert orjson.loads(fast) == orjson.loads(model)
    assert fast == model  # the same bytes, not only the same values
    SensorSnapshotOut.model_validate_json(fast)  # and valid against the documented schema


def test_codes_and_a_missing_location_encode_alike() -> None:
    state = merge_latest(
        None,
        [reading(minute=0, dtc_codes=("P0087", "P2002"), fuel_level_pct=40.0, speed_mph=0.0)],
    )
    assert state is not None
    truck = Truck(TruckId("T-1"))
    fast = SensorsAnswer(truck, state, RULES).render(NOW)
    assert fast == model_json(truck, state, timedelta(0), RULES)
    assert orjson.loads(fast)["location"] is None


def test_percent_signs_in_the_data_are_kept() -> None:
    """The template is %-formatted: a '%' in an id or a code must come out as itself."""
    state = merge_latest(
        None, [reading(truck="T%s-1", minute=0, dtc_codes=("P%d", "%%"), speed_mph=5.0)]
    )
    assert state is not None
    truck = Truck(TruckId("T%s-1"))
    fast = SensorsAnswer(truck, state, RULES).render(NOW + timedelta(seconds=2))
    assert fast == model_json(truck, state, timedelta(seconds=2), RULES)
    assert orjson.loads(fast)["truck_id"] == "T%s-1"


# one template, asked at any moment: before its newest reading (ages clamp at 0), at the
# offline boundary to the microsecond, on millisecond rounding ties, years later
_STATES = [
    (truck, merge_latest(None, list(FLEET.readings(truck.truck_id))[:cut]))
    for truck in FLEET.trucks[:2]
    for cut in (1, 50)
] + [
    (  # sensors heard at different times: each age from its own timestamp
        Truck(TruckId("T1"), tank_capacity_gal=150.0),
        merge_latest(
            None,
            [
                reading(minute=0, fuel_level_pct=40.0, lat=41.5, lon=-87.25, rpm=650.0),
                reading(minute=1, speed_mph=0.0, coolant_temp_f=190.5),
                reading(minute=3, rpm=900.0, dtc_codes=("P0087",)),
            ],
        ),
    )
]
_LATE = st.one_of(
    st.integers(min_value=-5_000_000, max_value=10**14).map(lambda us: timedelta(microseconds=us)),
    st.integers(min_value=-3, max_value=3).map(
        lambda us: RULES.offline_after + timedelta(microseconds=us)
    ),
    st.integers(min_value=0, max_value=10**9).map(
        lambda ms: timedelta(microseconds=ms * 1000 + 500)
    ),
)


@given(which=st.sampled_from(range(len(_STATES))), late=_LATE)
def test_a_template_renders_what_the_models_give_at_any_moment(which: int, late: timedelta) -> None:
    truck, state = _STATES[which]
    assert state is not None
    fast = SensorsAnswer(truck, state, RULES).render(state.ts + late)
    assert fast == model_json(truck, state, late, RULES)


def test_sensors_heard_at_different_times() -> None:
    truck, state = _STATES[-1]
    assert state is not None
    document = orjson.loads(SensorsAnswer(truck, state, RULES).render(NOW + timedelta(minutes=4)))
    ages = {sensor["name"]: sensor["age_s"] for sensor in document["sensors"]}
    assert document["data_age_s"] == 60.0
    assert (ages["fuel_level_pct"], ages["speed_mph"], ages["rpm"]) == (240.0, 180.0, 60.0)


def test_offline_just_past_the_bound() -> None:
    truck, state = _STATES[1]
    assert state is not None
    answer = SensorsAnswer(truck, state, RULES)
    at_bound = orjson.loads(answer.render(state.ts + RULES.offline_after))
    past = orjson.loads(answer.render(state.ts + RULES.offline_after + timedelta(microseconds=1)))
    assert at_bound["status"] != TruckStatus.OFFLINE
    assert past["status"] == TruckStatus.OFFLINE
