"""The fleet view: ranking across trucks and systemic components."""

from __future__ import annotations

import random

from fuel_analytics.domain.components import (
    ComponentHealth,
    HealthStatus,
    fleet_risk,
    monitor_named,
)
from fuel_analytics.domain.model import TruckId


def health(
    truck: str,
    key: str,
    status: HealthStatus,
    to_critical: float | None = None,
    to_warning: float | None = None,
) -> ComponentHealth:
    monitor = monitor_named(key)
    return ComponentHealth(
        truck_id=TruckId(truck),
        monitor_key=key,
        sensor=monitor.sensor,
        component=monitor.component,
        unit=monitor.unit,
        status=status,
        latest_value=None,
        latest_ts=None,
        baseline=None,
        trend=None,
        days_to_warning=to_warning,
        days_to_critical=to_critical,
        spc=None,
        reason="",
    )


FLEET = [
    health("T1", "coolant_temp_f", HealthStatus.HIGH, 6.0),
    health("T2", "coolant_temp_f", HealthStatus.CRITICAL, 0.0),
    health("T3", "coolant_temp_f", HealthStatus.HIGH, None),  # past warning, no trend
    health("T4", "coolant_temp_f", HealthStatus.MEDIUM, 25.0),
    health("T1", "oil_pressure_psi", HealthStatus.HIGH, 5.0),
    health("T1", "oil_temp_f", HealthStatus.CRITICAL, 2.0),  # lubrication again, same truck
    health("T2", "oil_temp_f", HealthStatus.HIGH, 4.0),
    health("T5", "def_level_pct", HealthStatus.OK),
    health("T5", "battery_voltage.engine_off", HealthStatus.LOW, 80.0, 40.0),
    health("T6", "battery_voltage.engine_off", HealthStatus.LOW, 80.0, 20.0),
    health("T7", "trans_temp_f", HealthStatus.LOW, 70.0, 60.0),  # sooner critical, later warning
]


def test_most_urgent_first() -> None:
    risk = fleet_risk(FLEET)
    order = [(h.truck_id, h.monitor_key) for h in risk.items]
    assert order == [
        ("T2", "coolant_temp_f"),  # CRITICAL, 0 days
        ("T1", "oil_temp_f"),  # CRITICAL, 2 days
        ("T2", "oil_temp_f"),  # HIGH, 4 days
        ("T1", "oil_pressure_psi"),  # HIGH, 5
        ("T1", "coolant_temp_f"),  # HIGH, 6
        ("T3", "coolant_temp_f"),  # HIGH, no days: last of the HIGHs
        ("T4", "coolant_temp_f"),  # MEDIUM
        ("T7", "trans_temp_f"),  # LOW, critical in 70 days
        ("T6", "battery_voltage.engine_off"),  # LOW, 80 days, warning in 20
        ("T5", "battery_voltage.engine_off"),  # LOW, 80 days, warning in 40
        ("T5", "def_level_pct"),  # OK
    ]
    shuffled = FLEET[:]
    random.Random(1).shuffle(shuffled)
    assert fleet_risk(shuffled) == risk
    assert len(fleet_risk(FLEET, min_status=HealthStatus.HIGH).items) == 6


def test_systemic_when_three_trucks_share_a_high_or_critical_component() -> None:
    risk = fleet_risk(FLEET)
    assert [(s.component, s.truck_count, s.trucks) for s in risk.systemic] == [
        ("cooling", 3, (TruckId("T1"), TruckId("T2"), TruckId("T3")))
    ]
    cooling = risk.systemic[0]
    assert cooling.worst is HealthStatus.CRITICAL
    assert cooling.monitor_keys == ("coolant_temp_f",)
    # lubrication is HIGH/CRITICAL on T1 (twice) and T2: two trucks, not systemic at 3
    lowered = fleet_risk(FLEET, systemic_min_trucks=2)
    lubrication = [s for s in lowered.systemic if s.component == "lubrication"]
    assert lubrication
    assert lubrication[0].truck_count == 2
    assert lubrication[0].monitor_keys == ("oil_pressure_psi", "oil_temp_f")


def test_a_medium_truck_does_not_make_a_component_systemic() -> None:
    two_high = [h for h in FLEET if h.truck_id != "T3"]
    assert fleet_risk(two_high).systemic == ()
