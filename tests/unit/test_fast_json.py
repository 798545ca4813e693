"""The hand-built JSON of the hottest answers equals what their documented models produce."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from fuel_analytics.domain.latest import StatusRules, merge_latest, snapshot
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.entrypoints.http.schemas import SensorSnapshotOut
from fuel_analytics.simulation import FleetConfig, simulate_fleet
from tests.conftest import NOW, reading

FLEET = simulate_fleet(FleetConfig(trucks=4, days=1, seed=3, end=NOW))


@pytest.mark.parametrize("truck", FLEET.trucks, ids=lambda t: t.truck_id)
@pytest.mark.parametrize("cut", [1, 7, 100, 10_000])
@pytest.mark.parametrize("late_s", [0, 0.5, 3_600])
def test_sensors_json_equals_the_models(truck: Truck, cut: int, late_s: float) -> None:
    readings = list(FLEET.readings(truck.truck_id))[:cut]
    state = merge_latest(None, readings)
    assert state is not None
    now = state.ts + timedelta(seconds=late_s)
    snap = snapshot(truck, state, now=now, rules=StatusRules())
    fast = SensorSnapshotOut.encode(snap, now)
    model = SensorSnapshotOut.from_domain(snap, now).model_dump_json(by_alias=True).encode()
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
    snap = snapshot(truck, state, now=NOW, rules=StatusRules())
    fast = SensorSnapshotOut.encode(snap, NOW)
    assert fast == SensorSnapshotOut.from_domain(snap, NOW).model_dump_json(by_alias=True).encode()
    assert orjson.loads(fast)["location"] is None
