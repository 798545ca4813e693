"""FuelRules: DOMAIN.md defaults and per-truck overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.fuel import FuelEventKind, FuelRules, analyze_truck, rules_for
from fuel_analytics.domain.latest import StatusRules
from tests.unit.fuel import RULES, T0, Drive, truck


def test_defaults_are_the_domain_md_ones() -> None:
    r = FuelRules()
    assert (r.segment_gap_s, r.speed_integration_max_gap_s, r.rate_integration_max_gap_s) == (
        1800,
        300,
        600,
    )
    assert (r.max_plausible_mph, r.mpg_min_distance_mi, r.mpg_min_fuel_gal) == (90, 10, 1)
    assert (r.mpg_suspect_low, r.mpg_suspect_high, r.idle_default_gph) == (2, 15, 0.8)
    assert (r.mpg_band_good_pct, r.mpg_band_normal_pct, r.mpg_band_warning_pct) == (0, -12.5, -25)
    assert (r.refuel_min_pct, r.refuel_min_gal, r.refuel_window_s, r.refuel_merge_s) == (
        8,
        5,
        3600,
        900,
    )
    assert (r.refuel_max_start_speed_mph, r.topoff_above_pct, r.topoff_max_gal) == (2, 95, 10)
    assert (r.drop_min_pct, r.drop_min_gal, r.drop_window_s, r.drop_tolerance_pct) == (
        10,
        15,
        1800,
        2,
    )
    assert (r.glitch_recover_pct, r.glitch_recover_s) == (5, 600)
    assert (r.noise_volatility_pct, r.noise_window, r.disconnect_jump_pct) == (8, 20, 40)
    assert (r.parked_max_mi, r.night_start_hour, r.night_end_hour, r.low_battery_v) == (
        0.5,
        22,
        6,
        11.5,
    )
    assert (r.siphon_day_pct, r.siphon_min_days, r.siphon_min_gal) == (2, 3, 10)
    assert r.smoothing_window == 5
    assert r.fuel_price_per_gal == 3.85
    assert (r.def_good_pct, r.def_low_pct, r.def_warning_pct, r.def_critical_pct) == (
        25,
        15,
        10,
        5,
    )
    assert r.def_refill_rise_pct == 2
    assert r.status == StatusRules()
    assert r.lookahead_s == 6.25 * 3600  # a disconnect known 6 h later, plus a merge
    assert r.lookbehind_s == 3 * 3600


def test_overrides_replace_fields_by_name() -> None:
    r = RULES.with_overrides({"refuel_min_pct": 12, "smoothing_window": 7.0, "engine_on_rpm": 500})
    assert r.refuel_min_pct == 12.0
    assert r.smoothing_window == 7
    assert isinstance(r.smoothing_window, int)
    assert r.status.engine_on_rpm == 500
    assert RULES.refuel_min_pct == 8  # the original is untouched
    assert RULES.with_overrides({}) is RULES


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"refuel_min_percent": 5.0}, "refuel_min_percent"),
        ({"status": 1.0}, "status"),
        ({"smoothing_window": 2.5}, "smoothing_window"),
        ({"smoothing_window": 0}, "smoothing_window"),
        ({"drop_min_gal": -1.0}, "drop_min_gal"),
        ({"drop_min_gal": float("nan")}, "drop_min_gal"),
        ({"night_start_hour": 25}, "night_start_hour"),
    ],
)
def test_bad_overrides_raise_invalid_field(overrides: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidField) as raised:
        RULES.with_overrides(overrides)
    assert raised.value.field == field


def test_negative_band_thresholds_are_allowed() -> None:
    assert RULES.with_overrides({"mpg_band_warning_pct": -30}).mpg_band_warning_pct == -30


def test_a_trucks_thresholds_apply() -> None:
    t = truck(thresholds={"drop_min_pct": 30.0})
    assert rules_for(t, RULES).drop_min_pct == 30.0
    with pytest.raises(InvalidField):
        rules_for(truck(thresholds={"no_such_threshold": 1.0}), RULES)


def test_analysis_uses_the_trucks_overrides() -> None:
    d = Drive(level=70.0, step_s=60)
    d.park(60)
    d.siphon(40, 10)  # 20 % of a 200 gal tank, parked
    d.park(90)
    end = T0 + timedelta(days=1)
    default = analyze_truck(truck(), d.readings, start=T0, end=end, rules=RULES)
    assert [e.kind for e in default.events] == [FuelEventKind.THEFT_SUSPECTED]
    strict = analyze_truck(
        truck(thresholds={"drop_min_pct": 30.0}), d.readings, start=T0, end=end, rules=RULES
    )
    assert strict.events == ()
    with pytest.raises(InvalidField):
        analyze_truck(truck(thresholds={"bogus": 1.0}), d.readings, start=T0, end=end, rules=RULES)
