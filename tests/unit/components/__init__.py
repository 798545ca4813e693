"""Component health (DOMAIN.md §6): shared builders for the tests of this package."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fuel_analytics.domain.components import DAY, Bucket, ComponentMonitor
from fuel_analytics.domain.model import Reading, TruckId

T1 = TruckId("T1")
START = datetime(2026, 1, 1, tzinfo=UTC)


def daily(
    monitor: ComponentMonitor,
    means: list[float],
    *,
    start: datetime = START,
    count: int = 1440,
) -> list[Bucket]:
    """One full daily bucket per mean, day after day from ``start``."""
    return [
        Bucket(monitor.key, start + i * DAY, count, mean, mean, mean, mean)
        for i, mean in enumerate(means)
    ]


def running(
    minutes: int,
    value_at: Callable[[float], float],
    *,
    sensor: str = "coolant_temp_f",
    every: int = 10,
    start: datetime = START,
    **extra: object,
) -> list[Reading]:
    """Engine-running readings every ``every`` minutes; ``value_at(days since start)``."""
    return [
        Reading(
            truck_id=T1,
            ts=start + timedelta(minutes=m),
            rpm=1400.0,
            **{sensor: value_at(m / 1440.0)},  # type: ignore[arg-type]
            **extra,  # type: ignore[arg-type]
        )
        for m in range(0, minutes, every)
    ]
