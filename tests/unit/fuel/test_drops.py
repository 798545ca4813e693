"""Drops and their classes (DOMAIN.md §4): glitch, noise, disconnect, theft."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fuel_analytics.domain.fuel import FuelEvent, FuelEventKind, analyze_truck, local_hour
from fuel_analytics.domain.model import Reading
from tests.unit.fuel import RULES, T0, Drive, truck

END = T0 + timedelta(days=1)
THEFT = FuelEventKind.THEFT_SUSPECTED


def events(readings: list[Reading], capacity: float = 200.0) -> list[FuelEvent]:
    t = truck(capacity=capacity)
    return list(analyze_truck(t, readings, start=T0, end=END, rules=RULES).events)


def kinds(readings: list[Reading]) -> list[FuelEventKind]:
    return [e.kind for e in events(readings)]


def parked_until(d: Drive, hour_utc: float, step_s: float = 600) -> None:
    """Parked and asleep (a reading every 10 min) until ``hour_utc``, then awake."""
    minutes = (T0 + timedelta(hours=hour_utc) - d.t).total_seconds() / 60
    d.park(minutes, step_s=step_s)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_parked_night_theft_that_stays_low_is_suspected(seed: int) -> None:
    d = Drive(seed=seed, level=80.0)
    parked_until(d, 7.0)  # 01:00 local at lon -96.8 (UTC-6)
    d.park(20)
    d.siphon(40, 12)
    d.park(40)
    parked_until(d, 12.0)
    found = events(d.readings)
    assert [e.kind for e in found] == [THEFT]
    theft = found[0]
    assert theft.gallons == pytest.approx(40, abs=3)
    assert theft.confidence > 0.7
    assert "parked" in theft.reason
    assert "night" in theft.reason
    assert T0 + timedelta(hours=7) <= theft.start <= T0 + timedelta(hours=7, minutes=25)


def test_the_same_drop_while_driving_with_matching_burn_is_nothing() -> None:
    d = Drive(seed=1, level=80.0)
    d.park(20)
    d.drive(60)
    d.drive(20, mph=60, mpg=0.5)  # 40 gal burned in 20 min, and the counter says so
    d.drive(60)
    assert d.level == pytest.approx(80.0 - 20.0 - 2 * 60 / 6.5 / 2, abs=0.01)
    assert kinds(d.readings) == []


@pytest.mark.parametrize(("counter", "expected"), [(True, []), (False, [THEFT])])
def test_a_stationary_fall_is_compared_with_what_the_engine_burned(
    counter: bool, expected: list[FuelEventKind]
) -> None:
    # a 100 gal tank: a drop is >= 15 gal; a PTO at 50 gph burns 25 gal in 30 min
    d = Drive(seed=1, level=80.0, capacity=100.0, fuel_total=40_000.0 if counter else None)
    d.rate = counter
    d.park(30)
    d.idle(30, gph=50.0)
    d.park(60)
    assert [e.kind for e in events(d.readings, capacity=100.0)] == expected


def test_a_drop_while_driving_is_never_a_theft() -> None:
    d = Drive(seed=1, level=80.0)
    d.park(20)
    d.drive(30)
    d.siphon(40, 12, moving_mph=50.0)
    d.drive(60)
    assert THEFT not in kinds(d.readings)


def test_confidence_is_lower_by_day_and_with_a_weak_battery() -> None:
    def theft_at(hour_utc: float, battery: float) -> FuelEvent:
        d = Drive(seed=2, level=80.0, battery=battery)
        parked_until(d, hour_utc)
        d.park(20)
        d.siphon(40, 12)
        d.park(40)
        (theft,) = events(d.readings)
        assert theft.kind is THEFT
        return theft

    night = theft_at(7.0, 12.6)
    day = theft_at(19.0, 12.6)  # 13:00 local
    weak = theft_at(7.0, 11.2)
    assert night.confidence > day.confidence > weak.confidence - 0.2
    assert weak.confidence < night.confidence
    assert "battery" in weak.reason


def test_a_bigger_theft_is_more_certain() -> None:
    def theft(gallons: float) -> FuelEvent:
        d = Drive(seed=2, level=90.0)
        parked_until(d, 19.0)
        d.park(20)
        d.siphon(gallons, 12)
        d.park(40)
        (found,) = events(d.readings)
        return found

    assert theft(60).confidence > theft(30).confidence


def test_one_sample_dip_that_recovers_is_a_glitch_not_theft() -> None:
    d = Drive(seed=3, level=70.0)
    d.park(30)
    d.fake(45.0)
    d.park(30)
    found = events(d.readings)
    assert [e.kind for e in found] == [FuelEventKind.SENSOR_GLITCH]
    assert found[0].level_after_pct == 45.0
    assert found[0].gallons == pytest.approx((found[0].level_before_pct - 45.0) * 2, abs=0.01)
    assert any(p.level_pct == 45.0 and p.smoothed_pct is None for p in found[0].evidence)


@pytest.mark.parametrize("samples", [2, 3, 4])
def test_a_dip_of_a_few_samples_back_within_10_min_is_a_glitch(samples: int) -> None:
    d = Drive(seed=3, level=70.0)
    d.park(30)
    for _ in range(samples):
        d.fake(40.0)
    d.park(30)
    assert kinds(d.readings) == [FuelEventKind.SENSOR_GLITCH]


def test_a_dip_back_only_after_10_min_is_not_a_glitch() -> None:
    d = Drive(seed=3, level=70.0)
    d.park(30)
    for _ in range(25):
        d.fake(40.0)
    d.park(30)
    assert FuelEventKind.SENSOR_GLITCH not in kinds(d.readings)
    assert THEFT not in kinds(d.readings)  # it came back: the gauge, not the tank


def test_a_sample_reading_exactly_0_then_back_is_a_disconnect() -> None:
    d = Drive(seed=3, level=60.0)
    d.park(30)
    d.fake(0.0)
    d.park(30)
    found = events(d.readings)
    assert [e.kind for e in found] == [FuelEventKind.SENSOR_DISCONNECT]
    assert "exactly 0" in found[0].reason


def test_a_long_disconnect_that_comes_back_is_one_event() -> None:
    d = Drive(seed=3, level=60.0)
    d.park(30)
    for _ in range(45):
        d.fake(0.0)
    d.park(30)
    assert kinds(d.readings) == [FuelEventKind.SENSOR_DISCONNECT]


def test_a_jump_of_40_percent_in_one_sample_and_back_is_a_disconnect() -> None:
    d = Drive(seed=3, level=80.0)
    d.park(30)
    d.fake(35.0)
    d.park(30)
    assert kinds(d.readings) == [FuelEventKind.SENSOR_DISCONNECT]


@pytest.mark.parametrize(
    ("seed", "level", "step_s"), [(1, 60.0, 60), (2, 90.0, 300), (3, 40.0, 600)]
)
def test_a_sensor_flapping_20_percent_for_6_hours_gives_no_theft(
    seed: int, level: float, step_s: float
) -> None:
    d = Drive(seed=seed, level=level)
    d.park(60)
    d.flap(360, amplitude=20.0, step_s=step_s)
    d.park(60)
    found = kinds(d.readings)
    assert THEFT not in found
    assert FuelEventKind.REFUEL not in found
    assert FuelEventKind.SENSOR_NOISE in found


def test_a_flapping_full_tank_gives_no_theft() -> None:
    d = Drive(seed=5, level=96.0)
    d.park(60, step_s=600)
    d.flap(360, amplitude=20.0, step_s=600)
    d.park(60, step_s=600)
    assert THEFT not in kinds(d.readings)


def test_local_time_is_utc_plus_lon_over_15() -> None:
    ts = (T0 + timedelta(hours=7)).timestamp()
    assert local_hour(ts, -96.8) == pytest.approx(1.0)  # round(-6.45) = -6
    assert local_hour(ts, None) == pytest.approx(7.0)
    assert local_hour(ts, 139.7) == pytest.approx(16.0)  # Tokyo, +9


def five_minute_night(levels: dict[int, float], hours: float = 12.0) -> list[Reading]:
    """A parked truck read every 5 min from 02:00 UTC (20:00 local), noise-free; ``levels``
    sets the gauge from a sample index on."""
    d = Drive(seed=1, level=76.0, noise_pct=0.0, step_s=300)
    d.sleep_until(T0 + timedelta(hours=2), step_s=300)
    for n in range(round(hours * 12)):
        d.level = levels.get(n, d.level)
        d.park(5)
    return d.readings


def test_a_large_one_sample_drop_that_stays_low_is_a_theft_not_noise() -> None:
    found = events(five_minute_night({60: 46.0}))  # 30 % (60 gal) between two readings
    assert [e.kind for e in found] == [THEFT]
    assert found[0].gallons == pytest.approx(60.0)


def test_a_46_percent_jump_that_comes_back_hours_later_is_a_disconnect() -> None:
    found = events(five_minute_night({24: 30.0, 90: 76.0}))
    assert [e.kind for e in found] == [FuelEventKind.SENSOR_DISCONNECT]
    assert found[0].end - found[0].start == timedelta(minutes=5 * 67)
    # whoever reads the night before the gauge came back sees a theft: the event changes
    # within the rules' look-ahead, so late readings must trigger a recompute that far back
    partial = [r for r in five_minute_night({24: 30.0, 90: 76.0}) if r.ts < T0 + timedelta(hours=8)]
    assert [e.kind for e in events(partial)] == [THEFT]
    assert RULES.lookahead_s >= 67 * 300
