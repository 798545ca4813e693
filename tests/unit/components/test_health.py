"""The status of one component, and its reason in words."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.components import (
    DAY,
    ComponentHealth,
    ComponentMonitor,
    HealthStatus,
    assess,
    assess_readings,
    monitor_named,
)
from fuel_analytics.domain.model import Reading
from tests.unit.components import START, T1, daily, running

COOLANT = monitor_named("coolant_temp_f")
BATTERY_OFF = monitor_named("battery_voltage.engine_off")
OIL = monitor_named("oil_pressure_psi")
DEF = monitor_named("def_level_pct")
OK, LOW, MEDIUM, HIGH, CRITICAL = (
    HealthStatus.OK,
    HealthStatus.LOW,
    HealthStatus.MEDIUM,
    HealthStatus.HIGH,
    HealthStatus.CRITICAL,
)


def from_means(monitor: ComponentMonitor, means: list[float]) -> ComponentHealth:
    """Assess full daily means, at noon of the last day."""
    buckets = daily(monitor, means)
    now = buckets[-1].start + timedelta(hours=12)
    return assess(T1, monitor, buckets, [], [], means[-1], now, now)


def test_the_status_ladder_is_ordered() -> None:
    assert [s.rank for s in (OK, LOW, MEDIUM, HIGH, CRITICAL)] == [0, 1, 2, 3, 4]


def test_a_constant_series_is_ok_with_no_days_to_failure() -> None:
    health = from_means(COOLANT, [195.0] * 30)
    assert health.status is OK
    assert health.trend is not None
    assert health.trend.slope_per_day == 0.0
    assert health.trend.stable
    assert health.days_to_warning is None
    assert health.days_to_critical is None
    assert health.reason.startswith("coolant_temp_f stable at 195 °F")
    assert not health.degrading


@pytest.mark.parametrize(
    ("slope", "days_left", "status"),
    [
        (0.5, 2.0, CRITICAL),
        (0.5, 3.0, CRITICAL),
        (0.5, 5.0, HIGH),
        (0.5, 7.0, HIGH),
        (0.5, 20.0, MEDIUM),
        (0.5, 60.0, LOW),
        (0.5, 400.0, LOW),  # beyond the horizon but degrading (0.5 > 0.1 psi/day)
        (0.05, 200.0, OK),  # stable (0.05 <= 0.1 psi/day) and far away
    ],
)
def test_days_to_critical_set_the_status(
    slope: float, days_left: float, status: HealthStatus
) -> None:
    # oil pressure falling; warning = critical = 20 psi so only the critical days count
    monitor = dataclasses.replace(OIL, warn=20.0)
    last = 20.0 + slope * days_left
    health = from_means(monitor, [last + slope * (29 - i) for i in range(30)])
    assert health.status is status, health.reason
    expected = min(days_left, 365.0)
    assert health.days_to_critical == pytest.approx(expected, rel=1e-6)


def test_medium_and_low_apply_to_the_warning_too() -> None:
    # warning in 20 days, critical in 70: MEDIUM on the warning
    means = [25.0 + 0.1 * 20 + 0.1 * (29 - i) for i in range(30)]
    health = from_means(OIL, means)
    assert health.days_to_warning == pytest.approx(20.0)
    assert health.days_to_critical == pytest.approx(70.0)
    assert health.status is MEDIUM
    assert "warning 25 psi in 20.0 days, critical 20 psi in 70.0 days" in health.reason


def test_coolant_rising_one_degree_a_day_escalates_in_time() -> None:
    # 195 °F rising 1 °F/day crosses 225 °F on day 30
    readings = running(40 * 1440, lambda day: 195.0 + day)
    statuses: dict[float, HealthStatus] = {}
    for half_days in range(10, 60):
        now = START + timedelta(hours=12 * half_days)
        health = assess_readings(T1, COOLANT, readings, now)
        statuses[30.0 - half_days / 2] = health.status  # days before crossing
    high_early = [left for left, s in statuses.items() if s is HIGH and left >= 7]
    assert high_early, statuses
    critical = [left for left, s in statuses.items() if s is CRITICAL]
    assert critical, statuses
    assert max(critical) <= 3.0 + 0.5, statuses  # not CRITICAL before ~3 days are left
    assert all(statuses[left] is CRITICAL for left in statuses if left <= 2.5)
    assert all(s.rank <= MEDIUM.rank for left, s in statuses.items() if left > 16)


def test_battery_weakening_while_parked() -> None:
    # resting voltage falls 0.02 V/day from 12.65 V: 12.4 V on day 12.5, 12.0 V on day 32.5
    readings = [
        Reading(
            truck_id=T1,
            ts=START + timedelta(minutes=m),
            rpm=0.0,
            battery_voltage=round(12.65 - 0.02 * m / 1440, 3),
        )
        for m in range(0, 25 * 1440, 15)
    ]
    health = assess_readings(T1, BATTERY_OFF, readings, START + 25 * DAY)
    assert health.status is HIGH  # past the 12.4 V warning, critical 12.0 V in ~7.5 days
    assert health.trend is not None
    assert health.trend.slope_per_day == pytest.approx(-0.02, rel=0.01)
    assert health.days_to_critical == pytest.approx(7.5, abs=0.5)
    assert "battery_voltage (engine off)" in health.reason
    assert "past warning 12.4 V" in health.reason
    # the same voltages while the engine runs are the charging monitor's, not this one's
    charging = [dataclasses.replace(r, rpm=1400.0) for r in readings]
    assert assess_readings(T1, BATTERY_OFF, charging, START + 25 * DAY).level is None


@settings(max_examples=60, deadline=None)
@given(
    slope=st.floats(min_value=0.0, max_value=5.0),
    start=st.floats(min_value=150.0, max_value=205.0),
    noise=st.lists(st.floats(min_value=-1.0, max_value=1.0), min_size=30, max_size=30),
)
def test_a_series_moving_away_from_the_bad_side_is_never_urgent(
    slope: float, start: float, noise: list[float]
) -> None:
    means = [start - slope * i + noise[i] for i in range(30)]
    health = from_means(COOLANT, means)
    assert health.status in {OK, LOW}, health.reason
    # and the mirror image on a LOW-bad sensor
    volts = [12.45 + 0.01 * slope * i + 0.01 * noise[i] for i in range(30)]
    health = from_means(BATTERY_OFF, volts)
    assert health.status in {OK, LOW}, health.reason


def test_one_spike_does_not_make_a_truck_critical() -> None:
    readings = running(20 * 1440, lambda day: 195.0)
    spike_at = START + timedelta(days=19, hours=10)
    readings.append(Reading(truck_id=T1, ts=spike_at, rpm=1400.0, coolant_temp_f=260.0))
    health = assess_readings(T1, COOLANT, readings, spike_at + timedelta(minutes=5))
    assert health.latest_value == 260.0
    assert health.status in {OK, LOW}
    assert health.level is not None
    assert health.level < 197.0


def test_a_day_just_begun_does_not_stand_for_the_day() -> None:
    readings = running(20 * 1440, lambda day: 195.0)
    after_midnight = START + 20 * DAY
    readings += running(30, lambda day: 240.0, start=after_midnight)  # 3 hot samples after midnight
    health = assess_readings(T1, COOLANT, readings, after_midnight + timedelta(minutes=30))
    assert health.level == pytest.approx(195.0)
    assert health.level_day == START + 19 * DAY
    assert health.status in {OK, LOW}


def test_no_data_is_ok_and_says_so() -> None:
    now = START + 40 * DAY
    old = daily(COOLANT, [230.0] * 5)  # ended more than 30 days before now
    health = assess(T1, COOLANT, old, [], [], None, None, now)
    assert health.status is OK
    assert health.reason.startswith("no coolant_temp_f readings in the last 30 days")
    assert health.trend is None
    assert health.level is None


def test_a_trend_needs_five_days_but_the_level_counts_from_day_one() -> None:
    health = from_means(COOLANT, [226.0, 227.0])
    assert health.status is CRITICAL
    assert health.trend is None
    assert "past critical 225 °F" in health.reason
    assert "a trend needs 5 days of data" in health.reason


def test_spc_rules_1_2_5_are_reported_but_leave_the_status_to_the_ladder() -> None:
    means = [195.0] * 30
    baseline = [194.0, 196.0] * 15
    hotter = [196.0 + 0.1 * i for i in range(9)]
    now = START + 29 * DAY + timedelta(hours=12)
    health = assess(T1, COOLANT, daily(COOLANT, means), hotter, baseline, 195.0, now, now)
    assert health.spc is not None
    assert health.spc.above
    assert "SPC against its baseline 195 °F" in health.reason
    assert health.status is OK
    cooler = [194.0 - 0.1 * i for i in range(9)]
    health = assess(T1, COOLANT, daily(COOLANT, means), cooler, baseline, 195.0, now, now)
    assert health.spc is not None
    assert health.spc.below
    assert health.status is OK


def test_a_stuck_sensor_is_low() -> None:
    rng = random.Random(5)
    readings = running(20 * 1440, lambda day: round(195.0 + rng.gauss(0, 1.0), 1))
    stuck_from = START + timedelta(days=19, hours=20)
    readings = [
        dataclasses.replace(r, coolant_temp_f=201.3) if r.ts >= stuck_from else r for r in readings
    ]
    health = assess_readings(T1, COOLANT, readings, START + 20 * DAY)
    assert health.status is LOW
    assert health.spc is not None
    assert health.spc.flat_line
    assert "identical values in a row (stuck sensor?)" in health.reason


def test_def_is_a_consumable_no_spc_and_not_degrading() -> None:
    sawtooth = [60.0 - 5.0 * (i % 8) for i in range(30)]
    health = from_means(DEF, sawtooth)
    assert health.spc is None
    assert not health.degrading
    assert health.status is OK
    assert from_means(DEF, [30.0 - i for i in range(30)]).status is CRITICAL  # 1 % left


def test_the_reason_reads_like_the_example() -> None:
    means = [180.0 + 1.8 * i for i in range(20)]  # 214.2 °F on the last day
    health = from_means(COOLANT, [m - 10 for m in means])  # 204.2: warning ahead
    assert health.reason == (
        "coolant_temp_f rising 1.8 °F/day (R² 1.00): warning 210 °F in 3.2 days,"
        " critical 225 °F in 11.6 days"
    )
    assert health.status is MEDIUM  # warning within 30 days
