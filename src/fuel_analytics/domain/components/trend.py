"""The trend of a component's daily means, and the days until it crosses a threshold.

Trend: an ordinary least-squares line through the daily means of the last ``window_days``
days (counted back from the newest daily bucket), x in days. It needs ``min_days`` daily
means (5), else there is no trend (``None``). ``r2`` is the coefficient of determination;
it is 0 when the daily means do not vary at all (there is nothing to explain, and the slope
is exactly 0).

Stable: ``|slope| <= 0.5 % of the monitor's warning threshold per day`` (DOMAIN.md §6), e.g.
±1.05 °F/day for coolant (warning 210 °F), ±0.062 V/day for a resting battery (12.4 V).
A line with R² below ``min_r2`` (0.5) is stable too: daily means that wander without a
direction are not a trend. A stable trend is not "degrading".

Days to a threshold (:func:`days_to`): 0 when the latest value has already reached it;
otherwise ``distance / |slope|`` when the slope heads toward the bad side, capped at
``horizon_days`` (365). A stable trend still projects a crossing that falls inside the
horizon (a slow creep toward a near threshold is what predictive maintenance is for), but
a stable trend whose crossing lies beyond the horizon reports ``None`` rather than the
capped 365: a flat, noisy series would otherwise show "critical in 365 days" half the time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from fuel_analytics.domain.components.buckets import DAY, Bucket
from fuel_analytics.domain.components.rules import ComponentMonitor, Side


@dataclass(frozen=True, slots=True)
class TrendRules:
    window_days: int = 30
    min_days: int = 5
    stable_pct_per_day: float = 0.5
    horizon_days: float = 365.0
    # a line explaining less than this share of the daily means' variance is noise, not a
    # trend: it counts as stable (it never makes a component "degrading")
    min_r2: float = 0.5


DEFAULT_TREND: Final = TrendRules()


@dataclass(frozen=True, slots=True)
class Trend:
    """A least-squares line through daily means: slope in the monitor's unit per day.

    ``level`` is the line's value on the newest day; ``deadband_per_day`` the stable band.
    """

    slope_per_day: float
    r2: float
    days: int
    stable: bool
    first_day: datetime
    last_day: datetime
    level: float
    deadband_per_day: float


def _daily_means(daily: Sequence[Bucket]) -> list[tuple[datetime, float]]:
    """One mean per day start; two buckets with the same start are merged by count."""
    sums: dict[datetime, list[tuple[float, int]]] = {}
    for bucket in daily:
        if bucket.count > 0:
            sums.setdefault(bucket.start, []).append((bucket.mean, bucket.count))
    out: list[tuple[datetime, float]] = []
    for start in sorted(sums):
        parts = sorted(sums[start])
        if len(parts) == 1:
            out.append((start, parts[0][0]))
        else:
            total = sum(count for _, count in parts)
            out.append((start, math.fsum(mean * count for mean, count in parts) / total))
    return out


def trend(
    daily: Sequence[Bucket], monitor: ComponentMonitor, rules: TrendRules = DEFAULT_TREND
) -> Trend | None:
    """The trend of the last ``rules.window_days`` daily means; ``None`` below ``min_days``."""
    points = _daily_means(daily)
    if not points:
        return None
    last = points[-1][0]
    window = rules.window_days * DAY
    points = [(start, mean) for start, mean in points if last - start < window]
    n = len(points)
    if n < max(2, rules.min_days):
        return None
    xs = [(start - last) / DAY for start, _ in points]
    ys = [mean for _, mean in points]
    deadband = abs(monitor.warn) * rules.stable_pct_per_day / 100.0
    if min(ys) == max(ys):
        slope, r2, level = 0.0, 0.0, ys[0]
    else:
        mx, my = math.fsum(xs) / n, math.fsum(ys) / n
        sxx = math.fsum((x - mx) ** 2 for x in xs)
        sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
        syy = math.fsum((y - my) ** 2 for y in ys)
        slope = sxy / sxx
        r2 = min(1.0, max(0.0, sxy * sxy / (sxx * syy))) if syy > 0 else 0.0
        level = my + slope * (0.0 - mx)
    return Trend(
        slope_per_day=slope,
        r2=r2,
        days=n,
        stable=abs(slope) <= deadband or r2 < rules.min_r2,
        first_day=points[0][0],
        last_day=last,
        level=level,
        deadband_per_day=deadband,
    )


def days_to(
    threshold: float,
    latest: float,
    trend: Trend | None,
    side: Side,
    horizon_days: float = DEFAULT_TREND.horizon_days,
) -> float | None:
    """Days from ``latest`` until the trend reaches ``threshold`` on the bad ``side``.

    0 when ``latest`` is already at or past it; ``None`` when there is no trend or it does
    not head toward the bad side; at most ``horizon_days`` (see the module doc).
    """
    distance = threshold - latest if side is Side.HIGH else latest - threshold
    if distance <= 0:
        return 0.0
    if trend is None:
        return None
    speed = trend.slope_per_day if side is Side.HIGH else -trend.slope_per_day
    if speed <= 0:
        return None
    days = distance / speed
    if days > horizon_days:
        return None if trend.stable else float(horizon_days)
    return days
