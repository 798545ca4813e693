"""Nelson rules 1, 2, 5, 7 and the flat-line check against the truck's own baseline."""

from __future__ import annotations

import random

import pytest

from fuel_analytics.domain.components import NelsonRule, spc

# a baseline with mean 0 and sample standard deviation 1, exactly
BASELINE = [-1.5, -0.5, 0.5, 1.5, -1.5, -0.5, 0.5, 1.5]
SIGMA = (sum(v * v for v in BASELINE) / (len(BASELINE) - 1)) ** 0.5
QUIET = [0.4 * SIGMA * (-1) ** i for i in range(6)]  # alternating, inside 1 sigma, too short

R1, R2, R5, R7, FLAT = (
    NelsonRule.RULE_1,
    NelsonRule.RULE_2,
    NelsonRule.RULE_5,
    NelsonRule.RULE_7,
    NelsonRule.FLAT_LINE,
)


def test_quiet_points_fire_nothing() -> None:
    result = spc(QUIET, BASELINE)
    assert result.fired == ()
    assert result.baseline_mean == pytest.approx(0.0)
    assert result.baseline_sigma == pytest.approx(SIGMA)


def test_rule_1_one_point_beyond_three_sigma() -> None:
    assert spc([*QUIET, 3.01 * SIGMA], BASELINE).fired == (R1,)
    assert spc([*QUIET, 2.99 * SIGMA], BASELINE).fired == ()
    low = spc([*QUIET, -3.5 * SIGMA], BASELINE)
    assert (low.fired, low.below, low.above) == ((R1,), (R1,), ())


def test_rule_2_nine_in_a_row_on_one_side() -> None:
    above = [0.1 * SIGMA] * 4 + [0.2 * SIGMA] * 5
    assert spc(above, BASELINE).fired == (R2,)
    assert spc(above, BASELINE).above == (R2,)
    assert spc(above[:8], BASELINE).fired == ()
    broken = [*above[:4], 0.0, *above[4:]]  # a point on the mean breaks the run
    assert spc(broken, BASELINE).fired == ()


def test_rule_5_two_of_three_beyond_two_sigma_on_one_side() -> None:
    assert spc([*QUIET, 2.5 * SIGMA, 0.0, 2.2 * SIGMA], BASELINE).fired == (R5,)
    # one above and one below is not one side
    assert spc([*QUIET, 2.5 * SIGMA, 0.0, -2.2 * SIGMA], BASELINE).fired == ()
    assert spc([*QUIET, 2.5 * SIGMA, 0.0, 0.0, 2.2 * SIGMA], BASELINE).fired == ()


def test_rule_7_fifteen_in_a_row_within_one_sigma() -> None:
    hugging = [0.5 * SIGMA * (-1) ** i + 0.01 * i for i in range(15)]
    assert spc(hugging, BASELINE).fired == (R7,)
    assert spc(hugging[:14], BASELINE).fired == ()


def test_flat_line_on_fifteen_identical_values_without_a_baseline() -> None:
    result = spc([7.5] * 15, [])
    assert result.fired == (FLAT,)
    assert result.flat_line
    assert result.longest_flat_run == 15
    assert result.baseline_mean is None
    assert spc([7.5] * 14, []).fired == ()
    assert spc([1.0, *[7.5] * 14, 1.0], []).fired == ()
    # the flat-line check may run on other (raw) values than the rules
    assert spc(QUIET, BASELINE, flat_values=[3.0] * 20).fired == (FLAT,)


def test_a_stuck_sensor_inside_one_sigma_fires_rule_7_and_flat_line() -> None:
    assert spc([0.2] * 20, BASELINE).fired == (R2, R7, FLAT)


def test_white_noise_from_the_same_process_fires_nothing() -> None:
    rng = random.Random(20260105)
    baseline = [rng.gauss(50.0, 2.0) for _ in range(30)]
    for _ in range(20):
        recent = [rng.gauss(50.0, 2.0) for _ in range(15)]
        result = spc(recent, baseline)
        assert NelsonRule.FLAT_LINE not in result.fired
        assert NelsonRule.RULE_7 not in result.fired
    recent = [rng.gauss(50.0, 2.0) for _ in range(15)]
    assert spc(recent, baseline).fired == (), spc(recent, baseline).detail


def test_a_baseline_with_zero_sigma_does_not_divide_by_zero() -> None:
    result = spc([10.0, 10.5, 11.0, 9.0, 25.0], [10.0] * 10)
    assert result.baseline_sigma == 0.0
    assert R1 not in result.fired
    assert R5 not in result.fired
    assert R7 not in result.fired
    assert "sigma = 0" in result.detail
    # rule 2 needs only the mean
    assert spc([10.5] * 4 + [11.0] * 5, [10.0] * 10).fired == (R2,)
    # with a floor the zones exist again
    floored = spc([10.0, 10.0, 13.5], [10.0] * 10, min_sigma=1.0)
    assert floored.fired == (R1,)
    assert floored.zone_sigma == 1.0


def test_a_short_baseline_gives_no_zones() -> None:
    result = spc([100.0] * 3, [1.0, 2.0, 3.0, 4.0])
    assert result.fired == ()
    assert result.baseline_mean is None
    assert "no baseline" in result.detail
