"""30 days of 1-minute readings (43,200) stay well inside the 1.5 s budget.

Measured on the development machine at 0.4-0.7 s (shared, loaded CPU); the bound here is
loose so that a busy CI box does not flake, yet any quadratic slip fails it.
"""

from __future__ import annotations

import time
from datetime import timedelta

from fuel_analytics.domain.fuel import FuelEventKind, analyze_truck
from tests.unit.fuel import RULES, T0, Drive, truck

DAYS = 30


def test_a_month_of_minute_readings_is_fast() -> None:
    d = Drive(seed=5)
    for n in range(DAYS):
        d.park((T0 + timedelta(days=n, hours=6) - d.t).total_seconds() / 60)
        d.shift(miles=480.0)
    d.park((T0 + timedelta(days=DAYS) - d.t).total_seconds() / 60 - 1)
    readings = list(reversed(d.readings))
    assert len(readings) >= 43_000
    began = time.perf_counter()
    analysis = analyze_truck(
        truck(), readings, start=T0, end=T0 + timedelta(days=DAYS), rules=RULES
    )
    elapsed = time.perf_counter() - began
    assert len(analysis.days) == DAYS
    assert {e.kind for e in analysis.events} == {FuelEventKind.REFUEL}
    assert elapsed < 4.0, f"{elapsed:.2f} s for {len(readings)} readings"
