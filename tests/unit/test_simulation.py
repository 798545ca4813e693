"""The demo-fleet simulator: valid, deterministic, realistic readings and an honest ground truth."""

from __future__ import annotations

import itertools
import random
import statistics
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from fuel_analytics.domain.model import Reading, TruckId
from fuel_analytics.domain.telemetry import parse_reading, reading_to_dict
from fuel_analytics.simulation import (
    INJECTED_KINDS,
    FleetConfig,
    SimulatedFleet,
    TruthEvent,
    shuffled_delivery,
    simulate_fleet,
)
from fuel_analytics.simulation.profiles import make_vin, vin_check_digit

END = datetime(2026, 1, 5, 14, 37, tzinfo=UTC)
SMALL = FleetConfig(trucks=5, days=3, seed=7, end=END)
COUNTERS = ("total_fuel_gal", "total_idle_fuel_gal", "odometer_mi", "engine_hours", "idle_hours")


@pytest.fixture(scope="module")
def fleet() -> SimulatedFleet:
    return simulate_fleet(SMALL)


@pytest.fixture(scope="module")
def by_truck(fleet: SimulatedFleet) -> dict[TruckId, list[Reading]]:
    return {t.truck_id: list(fleet.readings(t.truck_id)) for t in fleet.trucks}


@pytest.fixture(scope="module")
def default_fleet() -> SimulatedFleet:
    return simulate_fleet(FleetConfig(end=END))


def window(readings: list[Reading], start: datetime, end: datetime) -> list[Reading]:
    return [r for r in readings if start <= r.ts <= end]


def one(fleet: SimulatedFleet, kind: str) -> TruthEvent:
    events = fleet.truth.events_of(kind)
    assert events, f"the small fleet should carry a {kind}"
    return events[0]


# -- determinism and the telemetry contract -------------------------------------------------


def test_same_seed_same_fleet_and_readings(fleet: SimulatedFleet) -> None:
    again = simulate_fleet(SMALL)
    assert again.trucks == fleet.trucks
    assert again.truth == fleet.truth
    truck_id = fleet.trucks[2].truck_id
    assert list(again.readings(truck_id)) == list(fleet.readings(truck_id))


def test_another_seed_gives_another_fleet(fleet: SimulatedFleet) -> None:
    other = simulate_fleet(FleetConfig(trucks=5, days=3, seed=8, end=END))
    truck_id = fleet.trucks[0].truck_id
    assert [t.vin for t in other.trucks] != [t.vin for t in fleet.trucks]
    assert list(other.readings(truck_id))[:50] != list(fleet.readings(truck_id))[:50]


def test_a_truck_regenerates_on_its_own(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    """Per-truck streams: a truck's readings do not depend on which trucks were generated first."""
    last = fleet.trucks[-1].truck_id
    assert list(fleet.readings(last)) == by_truck[last]
    together = list(fleet.iter_readings())
    assert [r for r in together if r.truck_id == last] == by_truck[last]
    assert [r.truck_id for r in together] == sorted(r.truck_id for r in together)
    with pytest.raises(KeyError):
        fleet.readings(TruckId("NOPE"))


def test_every_reading_passes_the_telemetry_contract(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    now = END + timedelta(minutes=1)
    for readings in by_truck.values():
        for reading in readings:
            assert parse_reading(reading_to_dict(reading), now=now) == reading
            assert fleet.config.start is not None
            assert fleet.config.start <= reading.ts <= END
            assert reading.ts.tzinfo is not None


def test_timestamps_strictly_increase_per_truck(by_truck: dict[TruckId, list[Reading]]) -> None:
    for readings in by_truck.values():
        assert len(readings) > 100
        assert all(a.ts < b.ts for a, b in itertools.pairwise(readings))


def test_counters_never_decrease(by_truck: dict[TruckId, list[Reading]]) -> None:
    for readings in by_truck.values():
        for name in COUNTERS:
            values = [getattr(r, name) for r in readings if getattr(r, name) is not None]
            assert all(a <= b for a, b in itertools.pairwise(values)), name


def test_engine_off_means_parked(by_truck: dict[TruckId, list[Reading]]) -> None:
    off = [r for rs in by_truck.values() for r in rs if r.rpm == 0]
    assert off
    for r in off:
        assert r.speed_mph == 0
        assert r.fuel_rate_gph == 0
        assert r.oil_pressure_psi == 0
    moving = [r for rs in by_truck.values() for r in rs if r.speed_mph and r.speed_mph > 2]
    assert moving
    assert all(r.rpm and r.rpm > 800 for r in moving)


def test_running_values_are_plausible(by_truck: dict[TruckId, list[Reading]]) -> None:
    readings = [r for rs in by_truck.values() for r in rs]
    idle = [r for r in readings if r.rpm and r.speed_mph == 0]
    assert all(590 <= (r.rpm or 0) <= 710 for r in idle)
    assert all(0.5 <= (r.fuel_rate_gph or 0) <= 1.25 for r in idle)
    highway = [r for r in readings if r.speed_mph and r.speed_mph > 55]
    assert any((r.speed_mph or 0) > 68 for r in highway)
    assert 4 < statistics.median((r.fuel_rate_gph or 0) for r in highway) < 14
    warm = [r.coolant_temp_f for r in readings if r.speed_mph and r.speed_mph > 40]
    assert 180 < statistics.median(v for v in warm if v is not None) < 205


def test_reading_count_is_exact(fleet: SimulatedFleet) -> None:
    assert fleet.reading_count() == sum(1 for _ in fleet.iter_readings())


def test_default_size_reading_count(default_fleet: SimulatedFleet) -> None:
    assert 120_000 < default_fleet.reading_count() < 400_000


def test_registry_looks_like_a_class_8_fleet(default_fleet: SimulatedFleet) -> None:
    trucks = default_fleet.trucks
    assert len({t.truck_id for t in trucks}) == 25
    assert 2 <= len({t.carrier_id for t in trucks}) <= 3
    assert all(5.5 <= t.baseline_mpg <= 8.1 for t in trucks)
    capacities = Counter(t.tank_capacity_gal for t in trucks)
    assert capacities.most_common(1)[0][0] == 200.0
    assert len(capacities) > 1
    groups = Counter((t.make, t.model) for t in trucks)
    assert all(n >= 3 for n in groups.values())
    for make, model in groups:
        years = [t.year or 0 for t in trucks if (t.make, t.model) == (make, model)]
        assert max(years) - min(years) <= 3
    assert all(t.vin and len(t.vin) == 17 for t in trucks)


def test_vin_check_digit() -> None:
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"  # the textbook example
    assert vin_check_digit("11111111111111111") == "1"
    vin = make_vin(random.Random(1), "1FU", 2020)
    assert vin[9] == "L"  # model year 2020
    assert vin[8] == vin_check_digit(vin)


# -- ground truth ----------------------------------------------------------------------------


def test_default_size_has_every_injected_kind(default_fleet: SimulatedFleet) -> None:
    kinds = Counter(e.kind for e in default_fleet.truth.events)
    for kind in INJECTED_KINDS:
        assert kinds[kind] >= 1, kind
    assert kinds["REFUEL"] >= 50
    healthy = [t for t in default_fleet.truth.per_truck.values() if t.scenarios == ("healthy",)]
    assert len(healthy) > 25 / 2


def test_without_injection_only_refuels() -> None:
    clean = simulate_fleet(FleetConfig(trucks=5, days=3, seed=7, end=END, inject_events=False))
    assert {e.kind for e in clean.truth.events} <= {"REFUEL", "TOPOFF"}
    assert clean.truth.events_of("REFUEL")
    assert all(t.scenarios == ("healthy",) for t in clean.truth.per_truck.values())


def test_refuel_gallons_match_the_level_jump(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    checked = 0
    for event in fleet.truth.events_of("REFUEL"):
        readings = by_truck[event.truck_id]
        cap = next(t.tank_capacity_gal for t in fleet.trucks if t.truck_id == event.truck_id)
        before = window(readings, event.start - timedelta(minutes=6), event.start)
        after = window(readings, event.end, event.end + timedelta(minutes=6))
        after = [r for r in after if r.speed_mph == 0]
        if len(before) < 2 or len(after) < 2:
            continue
        level_before = statistics.median(r.fuel_level_pct or 0 for r in before)
        level_after = statistics.median(r.fuel_level_pct or 0 for r in after)
        assert event.gallons is not None
        assert abs((level_after - level_before) / 100 * cap - event.gallons) < 0.05 * cap
        assert all(r.speed_mph == 0 for r in window(readings, event.start, event.end))
        checked += 1
    assert checked >= 3


def test_theft_is_parked_at_night_and_the_level_stays_low(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    event = one(fleet, "THEFT")
    truth = fleet.truth.per_truck[event.truck_id]
    assert event.gallons is not None
    assert 25 <= event.gallons <= 80
    assert timedelta(minutes=5) <= event.end - event.start <= timedelta(minutes=20)
    if event.detail["night"]:
        local = event.start + timedelta(hours=truth.utc_offset_hours)
        assert local.hour >= 22 or local.hour < 6
    readings = by_truck[event.truck_id]
    during = window(
        readings, event.start - timedelta(minutes=30), event.end + timedelta(minutes=15)
    )
    assert during
    assert all(r.speed_mph == 0 and r.rpm == 0 for r in during)
    before = window(readings, event.start - timedelta(hours=1), event.start)
    later = window(readings, event.end, event.end + timedelta(hours=1))
    drop = statistics.median(r.fuel_level_pct or 0 for r in before) - statistics.median(
        r.fuel_level_pct or 0 for r in later
    )
    assert drop > 10


def test_glitch_drops_and_recovers(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    for event in fleet.truth.events_of("SENSOR_GLITCH"):
        readings = by_truck[event.truck_id]
        inside = window(readings, event.start, event.end)
        assert len(inside) == event.detail["samples"]
        around = window(
            readings, event.start - timedelta(minutes=10), event.end + timedelta(minutes=10)
        )
        normal = statistics.median(r.fuel_level_pct or 0 for r in around if r not in inside)
        assert all(normal - (r.fuel_level_pct or 0) >= 15 for r in inside)
        after = [r for r in around if r.ts > event.end]
        assert after
        assert abs((after[0].fuel_level_pct or 0) - normal) < 5


def test_disconnect_reads_exactly_zero(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    event = one(fleet, "SENSOR_DISCONNECT")
    readings = by_truck[event.truck_id]
    inside = [
        r
        for e in fleet.truth.events_of("SENSOR_DISCONNECT", event.truck_id)
        for r in window(readings, e.start, e.end)
    ]
    assert inside
    assert all(r.fuel_level_pct == 0.0 for r in inside)
    assert sum(1 for r in readings if r.fuel_level_pct == 0.0) == len(inside)


def test_flapping_truck_is_noisy_but_never_robbed(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    event = one(fleet, "SENSOR_NOISE")
    levels = [
        r.fuel_level_pct or 0 for r in window(by_truck[event.truck_id], event.start, event.end)
    ]
    assert len(levels) >= 15
    assert statistics.stdev(levels) > 8
    assert not fleet.truth.events_of("THEFT", event.truck_id)
    assert "flapping_sensor" in fleet.truth.per_truck[event.truck_id].scenarios


def test_stuck_sensor_is_constant(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    event = one(fleet, "STUCK_SENSOR")
    assert event.end - event.start >= timedelta(hours=min(24, 0.5 * 24 * SMALL.days))
    inside = window(by_truck[event.truck_id], event.start, event.end)
    assert len({r.oil_temp_f for r in inside}) == 1
    assert any(r.rpm for r in inside)


def test_degradations_cross_their_thresholds(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    coolant = one(fleet, "COOLANT_CREEP")
    critical_at = coolant.detail["critical_at"]
    assert isinstance(critical_at, datetime)
    hot = [
        r.coolant_temp_f or 0
        for r in window(by_truck[coolant.truck_id], critical_at, END)
        if r.speed_mph and r.speed_mph > 40
    ]
    assert hot
    assert statistics.median(hot) > 222
    parked = [
        r.battery_voltage or 0 for r in by_truck[one(fleet, "BATTERY_WEAK").truck_id] if r.rpm == 0
    ]
    assert statistics.median(parked[:30]) > 12.4
    assert statistics.median(parked[-30:]) < 12.2
    oil = one(fleet, "OIL_PRESSURE_FALL")
    early = [r.oil_pressure_psi or 0 for r in by_truck[oil.truck_id][:400] if r.rpm]
    late = [r.oil_pressure_psi or 0 for r in by_truck[oil.truck_id][-400:] if r.rpm]
    assert statistics.median(early) - statistics.median(late) > 5
    low = one(fleet, "DEF_LOW")
    last = [r.def_level_pct or 0 for r in by_truck[low.truck_id][-10:]]
    assert statistics.median(last) < 10


def test_dtc_codes_come_and_go(
    fleet: SimulatedFleet, by_truck: dict[TruckId, list[Reading]]
) -> None:
    event = one(fleet, "DTC")
    code = event.detail["code"]
    readings = by_truck[event.truck_id]
    assert any(
        r.dtc_codes and code in r.dtc_codes for r in window(readings, event.start, event.end)
    )
    outside = [r for r in readings if r.ts < event.start or r.ts > event.end]
    others = [e for e in fleet.truth.events_of("DTC", event.truck_id) if e.detail["code"] == code]
    if len(others) == 1:
        assert not any(r.dtc_codes and code in r.dtc_codes for r in outside)


def test_trips_add_up_to_the_truck_distance(fleet: SimulatedFleet) -> None:
    for truck_id, truth in fleet.truth.per_truck.items():
        trips = [t for t in fleet.truth.trips if t.truck_id == truck_id]
        assert len(trips) == truth.trip_count
        assert sum(t.distance_mi for t in trips) == pytest.approx(truth.distance_mi, abs=0.5)
        assert all(t.start < t.end for t in trips)
        if truth.mpg is not None:
            assert 4.5 < truth.mpg < 9.5


# -- delivery --------------------------------------------------------------------------------


def numbered(n: int) -> Iterator[Reading]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(n):
        yield Reading(truck_id=TruckId("T-1"), ts=base + timedelta(seconds=60 * i))


def test_shuffled_delivery_is_a_permutation() -> None:
    original = list(numbered(5000))
    delivered = list(shuffled_delivery(original, seed=3))
    assert len(delivered) == len(original)
    assert sorted(delivered, key=lambda r: r.ts) == original
    assert delivered != original
    assert delivered == list(shuffled_delivery(original, seed=3))


def test_shuffled_delivery_holds_some_back_much_later() -> None:
    original = list(numbered(5000))
    position = {r.ts: i for i, r in enumerate(shuffled_delivery(original, seed=3, window=20))}
    delays = [position[r.ts] - i for i, r in enumerate(original)]
    assert max(delays) > 200
    assert sum(1 for d in delays if d > 40) > 0.02 * len(original)
    assert list(shuffled_delivery(original, seed=3, late_fraction=0.0, window=1)) == original


def test_shuffled_delivery_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="late_fraction"):
        list(shuffled_delivery([], seed=1, late_fraction=1.5))
    with pytest.raises(ValueError, match="window"):
        list(shuffled_delivery([], seed=1, window=0))


# -- configuration ---------------------------------------------------------------------------


def test_config_resolves_its_period() -> None:
    config = FleetConfig(days=2, end=END).resolved()
    assert config.start == END - timedelta(days=2)
    assert config.end == END
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert FleetConfig(days=3, start=start).period() == (start, start + timedelta(days=3))
    now = datetime(2026, 1, 1, 12, 30, 45, 123, tzinfo=UTC)
    assert FleetConfig().period(now)[1] == datetime(2026, 1, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"trucks": 0},
        {"days": 0},
        {"interval_s": (120, 60)},
        {"end": datetime(2026, 1, 1)},  # naive
    ],
)
def test_config_rejects_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        FleetConfig(**kwargs)  # type: ignore[arg-type]
