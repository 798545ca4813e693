"""A slope without a fit is noise: it never makes a component degrading."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fuel_analytics.domain.components import DEFAULT_MONITORS, Bucket, trend

OIL = next(m for m in DEFAULT_MONITORS if m.key == "oil_pressure_psi")
DAY0 = datetime(2026, 1, 1, tzinfo=UTC)


def daily(values: list[float]) -> list[Bucket]:
    return [
        Bucket(OIL.key, DAY0 + timedelta(days=i), 500, v, v - 5, v + 5, v + 4)
        for i, v in enumerate(values)
    ]


def test_a_noisy_slope_with_a_poor_fit_is_stable() -> None:
    rng = random.Random(3)
    values = [42.0 - 0.17 * i + rng.gauss(0, 1.2) for i in range(14)]
    fitted = trend(daily(values), OIL)
    assert fitted is not None
    assert fitted.r2 < 0.5
    assert abs(fitted.slope_per_day) > fitted.deadband_per_day
    assert fitted.stable


def test_a_clean_fall_is_not_stable() -> None:
    fitted = trend(daily([42.0 - 0.5 * i for i in range(14)]), OIL)
    assert fitted is not None
    assert fitted.r2 > 0.99
    assert not fitted.stable
