"""The least-squares trend of daily means and the days until a threshold."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.components import Side, days_to, monitor_named, trend
from fuel_analytics.domain.components.trend import Trend
from tests.unit.components import daily

COOLANT = monitor_named("coolant_temp_f")
BATTERY_OFF = monitor_named("battery_voltage.engine_off")


def test_a_constant_series_is_flat_and_stable_with_no_crossing() -> None:
    fitted = trend(daily(COOLANT, [195.3] * 30), COOLANT)
    assert fitted is not None
    assert (fitted.slope_per_day, fitted.stable, fitted.days) == (0.0, True, 30)
    assert fitted.level == 195.3
    assert days_to(210.0, 195.3, fitted, Side.HIGH) is None
    assert days_to(225.0, 195.3, fitted, Side.HIGH) is None


def test_a_trend_needs_five_days() -> None:
    assert trend(daily(COOLANT, [190.0, 191.0, 192.0, 193.0]), COOLANT) is None
    fitted = trend(daily(COOLANT, [190.0, 191.0, 192.0, 193.0, 194.0]), COOLANT)
    assert fitted is not None
    assert fitted.slope_per_day == pytest.approx(1.0)
    assert fitted.r2 == pytest.approx(1.0)


def test_only_the_last_thirty_days_count() -> None:
    means = [150.0 + 5 * i for i in range(10)] + [200.0] * 30  # an old climb, then flat
    fitted = trend(daily(COOLANT, means), COOLANT)
    assert fitted is not None
    assert fitted.days == 30
    assert fitted.slope_per_day == 0.0


@pytest.mark.parametrize("n_days", [3.0, 10.0, 42.5, 200.0])
def test_a_linear_series_crossing_critical_in_n_days_predicts_n(n_days: float) -> None:
    slope = 0.8
    last = 225.0 - slope * n_days
    means = [last - slope * (29 - i) for i in range(30)]
    fitted = trend(daily(COOLANT, means), COOLANT)
    assert fitted is not None
    assert fitted.slope_per_day == pytest.approx(slope)
    assert days_to(225.0, means[-1], fitted, Side.HIGH) == pytest.approx(n_days)


def test_deadband_is_half_a_percent_of_the_warning_per_day() -> None:
    # coolant: 0.5 % of 210 °F = 1.05 °F/day
    slow = trend(daily(COOLANT, [190.0 + 1.0 * i for i in range(10)]), COOLANT)
    fast = trend(daily(COOLANT, [190.0 + 1.1 * i for i in range(10)]), COOLANT)
    assert slow is not None
    assert fast is not None
    assert slow.deadband_per_day == pytest.approx(1.05)
    assert slow.stable
    assert not fast.stable
    # a stable trend still projects a crossing that lies inside the horizon
    assert days_to(210.0, 199.0, slow, Side.HIGH) == pytest.approx(11.0)


def fake(slope: float, stable: bool = False) -> Trend:
    base = trend(daily(COOLANT, [200.0] * 5), COOLANT)
    assert base is not None
    return dataclasses.replace(base, slope_per_day=slope, stable=stable)


def test_days_to_rules() -> None:
    assert days_to(225.0, 226.0, None, Side.HIGH) == 0.0  # already past, with or without trend
    assert days_to(225.0, 225.0, None, Side.HIGH) == 0.0  # at the threshold counts as reached
    assert days_to(12.0, 11.9, fake(+0.1), Side.LOW) == 0.0
    assert days_to(225.0, 215.0, None, Side.HIGH) is None
    assert days_to(225.0, 215.0, fake(-1.0), Side.HIGH) is None  # heading away
    assert days_to(12.0, 12.5, fake(+0.01), Side.LOW) is None  # heading away
    assert days_to(12.0, 12.5, fake(-0.05), Side.LOW) == pytest.approx(10.0)
    assert days_to(225.0, 215.0, fake(0.001), Side.HIGH) == 365.0  # capped
    assert days_to(225.0, 215.0, fake(0.001, stable=True), Side.HIGH) is None  # noise


series = st.lists(
    st.floats(min_value=-50.0, max_value=50.0, allow_nan=False), min_size=5, max_size=30
)


@settings(max_examples=80, deadline=None)
@given(
    noise=series,
    slope=st.floats(min_value=-3.0, max_value=3.0),
    k=st.floats(min_value=0.01, max_value=100.0),
)
def test_scaling_values_and_thresholds_scales_the_slope_and_keeps_the_days(
    noise: list[float], slope: float, k: float
) -> None:
    means = [100.0 + slope * i + 0.1 * e for i, e in enumerate(noise)]
    scaled_monitor = dataclasses.replace(COOLANT, warn=COOLANT.warn * k, crit=COOLANT.crit * k)
    plain = trend(daily(COOLANT, means), COOLANT)
    scaled = trend(daily(scaled_monitor, [m * k for m in means]), scaled_monitor)
    assert plain is not None
    assert scaled is not None
    assert scaled.slope_per_day == pytest.approx(plain.slope_per_day * k, rel=1e-6, abs=1e-9)
    assert scaled.r2 == pytest.approx(plain.r2, abs=1e-6)
    assert scaled.stable == plain.stable or abs(abs(plain.slope_per_day) - 1.05) < 1e-6
    plain_days = days_to(COOLANT.crit, means[-1], plain, Side.HIGH)
    scaled_days = days_to(scaled_monitor.crit, means[-1] * k, scaled, Side.HIGH)
    if plain_days is None or scaled_days is None:
        assert plain_days == scaled_days or abs(plain_days or scaled_days or 0) > 364
    else:
        assert scaled_days == pytest.approx(plain_days, rel=1e-6)


def test_order_of_the_daily_buckets_does_not_matter() -> None:
    rng = random.Random(3)
    buckets = daily(BATTERY_OFF, [12.6 - 0.01 * i + rng.gauss(0, 0.02) for i in range(30)])
    shuffled = buckets[:]
    rng.shuffle(shuffled)
    assert trend(shuffled, BATTERY_OFF) == trend(buckets, BATTERY_OFF)
