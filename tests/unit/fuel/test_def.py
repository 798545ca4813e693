"""DEF level band, consumption and range (DOMAIN.md §5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fuel_analytics.domain.fuel import DefBand, def_band, def_status
from tests.unit.fuel import RULES, T0, Drive, truck


@pytest.mark.parametrize(
    ("level", "band"),
    [
        (100.0, DefBand.GOOD),
        (25.0, DefBand.GOOD),
        (24.9, DefBand.LOW),
        (15.0, DefBand.LOW),
        (14.9, DefBand.WARNING),
        (10.0, DefBand.WARNING),
        (9.9, DefBand.CRITICAL),
        (5.0, DefBand.CRITICAL),
        (4.9, DefBand.EMERGENCY),
        (0.0, DefBand.EMERGENCY),
    ],
)
def test_bands(level: float, band: DefBand) -> None:
    assert def_band(level, RULES) is band


def two_days(def_start: float = 40.0, refill_at: float | None = None, **kw: object) -> Drive:
    d = Drive(seed=1, def_level=def_start, **kw)  # type: ignore[arg-type]
    for n in range(2):
        d.sleep_until(T0 + timedelta(days=n, hours=12))
        d.shift(miles=400.0)
        if refill_at is not None and n == 0:
            d.def_level = refill_at
            d.park(5)
    d.sleep_until(T0 + timedelta(days=2, hours=6))
    return d


def test_consumption_and_range_from_miles() -> None:
    d = two_days()
    status = def_status(truck(), d.readings, RULES)
    assert status.level_pct == pytest.approx(20.0, abs=0.1)
    assert status.band is DefBand.LOW
    assert status.gallons == pytest.approx(0.20 * 15.0, abs=0.02)
    assert status.pct_per_mile == pytest.approx(0.025, rel=0.05)
    assert status.mile_pairs >= 20
    assert status.miles_to_warning == pytest.approx(400.0, rel=0.06)
    assert status.miles_to_empty == pytest.approx(800.0, rel=0.06)
    assert status.miles_per_day is not None
    span_days = (d.readings[-1].ts - d.readings[0].ts).total_seconds() / 86400
    assert status.miles_per_day == pytest.approx(800.0 / span_days, rel=0.01)
    assert status.days_to_warning == pytest.approx(400.0 / status.miles_per_day, rel=0.06)
    assert status.days_to_warning is not None
    assert status.days_to_empty == pytest.approx(2 * status.days_to_warning, rel=0.01)
    assert status.prediction_reason is None


def test_the_trucks_def_tank_sets_the_gallons() -> None:
    status = def_status(replace(truck(), def_tank_gal=23.0), two_days().readings, RULES)
    assert status.gallons == pytest.approx(0.20 * 23.0, abs=0.03)
    assert status.gallons_to_warning == pytest.approx(0.10 * 23.0, abs=0.03)


def test_a_refill_is_skipped_not_counted_as_negative_use() -> None:
    status = def_status(truck(), two_days(refill_at=90.0).readings, RULES)
    assert status.level_pct == pytest.approx(80.0, abs=0.1)
    assert status.band is DefBand.GOOD
    assert status.pct_per_mile == pytest.approx(0.025, rel=0.05)


def test_without_an_odometer_engine_hours_predict_the_days() -> None:
    status = def_status(truck(), two_days(odometer=None).readings, RULES)
    assert status.pct_per_mile is None
    assert status.miles_to_warning is None
    assert status.pct_per_engine_hour == pytest.approx(0.025 * 60, rel=0.05)
    assert status.days_to_warning is not None
    assert status.days_to_warning > 0


def test_missing_data_is_none_with_a_reason() -> None:
    d = Drive(seed=1)
    d.drive(30)
    empty = def_status(truck(), d.readings, RULES)
    assert empty.level_pct is None
    assert empty.band is None
    assert empty.reason
    d = Drive(seed=1, def_level=30.0)
    d.park(30)
    parked = def_status(truck(), d.readings, RULES)
    assert parked.band is DefBand.GOOD
    assert parked.pct_per_mile is None
    assert parked.consumption_reason
    assert parked.days_to_empty is None
    assert parked.prediction_reason
