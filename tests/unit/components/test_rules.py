"""The thresholds table, per-truck overrides and which readings count for a monitor."""

from __future__ import annotations

import pytest

from fuel_analytics.domain.components import (
    DEFAULT_MONITORS,
    Condition,
    Side,
    monitor_named,
    monitored_value,
    monitors_for,
    threshold_keys,
    validate_thresholds,
)
from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading, Truck, TruckId
from tests.unit.components import START, T1


def reading(**values: object) -> Reading:
    return Reading(truck_id=T1, ts=START, **values)  # type: ignore[arg-type]


def test_the_nine_rows_of_the_domain_table() -> None:
    rows = {
        (m.key, m.sensor, m.warn, m.crit, m.bad_side, m.component, m.unit) for m in DEFAULT_MONITORS
    }
    assert rows == {
        ("oil_pressure_psi", "oil_pressure_psi", 25, 20, Side.LOW, "lubrication", "psi"),
        ("coolant_temp_f", "coolant_temp_f", 210, 225, Side.HIGH, "cooling", "°F"),
        ("oil_temp_f", "oil_temp_f", 250, 275, Side.HIGH, "lubrication", "°F"),
        ("trans_temp_f", "trans_temp_f", 200, 225, Side.HIGH, "transmission", "°F"),
        (
            "boost_pressure_psi",
            "boost_pressure_psi",
            15,
            10,
            Side.LOW,
            "turbo / intercooler",
            "psi",
        ),
        ("intake_air_temp_f", "intake_air_temp_f", 150, 180, Side.HIGH, "intercooler", "°F"),
        (
            "battery_voltage.engine_running",
            "battery_voltage",
            13.2,
            12.6,
            Side.LOW,
            "charging system",
            "V",
        ),
        ("battery_voltage.engine_off", "battery_voltage", 12.4, 12.0, Side.LOW, "battery", "V"),
        ("def_level_pct", "def_level_pct", 15, 5, Side.LOW, "DEF system", "%"),
    }
    conditions = {m.key: m.condition for m in DEFAULT_MONITORS}
    assert conditions["oil_pressure_psi"] is Condition.ENGINE_RUNNING
    assert conditions["boost_pressure_psi"] is Condition.UNDER_LOAD
    assert conditions["battery_voltage.engine_off"] is Condition.ENGINE_OFF
    assert conditions["def_level_pct"] is Condition.ANY
    assert len({m.key for m in DEFAULT_MONITORS}) == 9


def test_per_truck_overrides_replace_only_the_named_threshold() -> None:
    truck = Truck(
        truck_id=TruckId("T1"),
        thresholds={
            "coolant_temp_f.warn": 205.0,
            "battery_voltage.engine_off.crit": 11.9,
            "refuel.min_gal": 7.0,  # another detector's key: not ours, left alone
        },
    )
    monitors = {m.key: m for m in monitors_for(truck)}
    assert (monitors["coolant_temp_f"].warn, monitors["coolant_temp_f"].crit) == (205.0, 225.0)
    assert monitors["battery_voltage.engine_off"].crit == 11.9
    assert monitors["battery_voltage.engine_running"].crit == 12.6
    assert monitors_for(Truck(truck_id=TruckId("T2"))) == DEFAULT_MONITORS


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("coolant_temp_f.warning", 200.0),  # misspelt level
        ("battery_voltage.warn", 12.0),  # ambiguous: two battery monitors
        ("battery_voltage.engine_idle.warn", 12.0),  # no such monitor
        ("coolant_temp_f.warn", float("nan")),
        ("coolant_temp_f.crit", 200.0),  # critical below warning on a HIGH-bad sensor
        ("oil_pressure_psi.crit", 30.0),  # critical above warning on a LOW-bad sensor
    ],
)
def test_bad_overrides_are_rejected_with_the_key(key: str, value: float) -> None:
    with pytest.raises(InvalidField) as error:
        validate_thresholds({key: value})
    assert error.value.field is not None
    assert error.value.field.startswith("thresholds.")


def test_threshold_keys_list_every_override() -> None:
    keys = threshold_keys()
    assert len(keys) == 18
    assert "coolant_temp_f.warn" in keys
    assert "battery_voltage.engine_off.crit" in keys
    defaults = {
        f"{m.key}.{level}": getattr(m, level)
        for m in DEFAULT_MONITORS
        for level in ("warn", "crit")
    }
    assert set(defaults) == set(keys)
    validate_thresholds(defaults)  # every key, at its default: accepted


def test_monitor_named() -> None:
    assert monitor_named("coolant_temp_f").sensor == "coolant_temp_f"
    with pytest.raises(InvalidField):
        monitor_named("coolant")


def test_the_two_battery_monitors_pick_the_right_readings() -> None:
    on = monitor_named("battery_voltage.engine_running")
    off = monitor_named("battery_voltage.engine_off")
    cases = [
        (reading(battery_voltage=14.0, rpm=650.0), 14.0, None),
        (reading(battery_voltage=14.0, fuel_rate_gph=0.9), 14.0, None),  # rpm unknown
        (reading(battery_voltage=12.6, rpm=0.0), None, 12.6),
        (reading(battery_voltage=12.6, rpm=0.0, fuel_rate_gph=0.0), None, 12.6),
        (reading(battery_voltage=12.6, rpm=300.0), None, 12.6),  # rpm > 300 means running
        (reading(battery_voltage=12.6), None, None),  # neither known: says nothing
        (reading(rpm=0.0), None, None),  # no voltage
    ]
    for r, running, parked in cases:
        assert monitored_value(on, r) == running, r
        assert monitored_value(off, r) == parked, r


def test_boost_counts_only_under_load_and_coolant_only_while_running() -> None:
    boost = monitor_named("boost_pressure_psi")
    assert monitored_value(boost, reading(boost_pressure_psi=25.0, rpm=1400.0)) is None
    loaded = reading(boost_pressure_psi=25.0, rpm=1400.0, engine_load_pct=50.0)
    assert monitored_value(boost, loaded) == 25.0
    light = reading(boost_pressure_psi=3.0, rpm=1400.0, engine_load_pct=49.9)
    assert monitored_value(boost, light) is None
    coolant = monitor_named("coolant_temp_f")
    assert monitored_value(coolant, reading(coolant_temp_f=60.0, rpm=0.0)) is None
    assert monitored_value(coolant, reading(coolant_temp_f=190.0, rpm=1400.0)) == 190.0
    level = monitor_named("def_level_pct")
    assert monitored_value(level, reading(def_level_pct=40.0)) == 40.0
