"""The health of one component of one truck: a status, and the reason in words.

How the status is decided (DOMAIN.md §6), from the daily means of the last 30 days:

- the *level* is the latest daily mean (the newest day with at least ``min_day_samples``
  samples, so a day that has just begun does not stand for the day). "Past warning" and
  "past critical" are judged on that level, never on a single reading: one noisy sample
  does not make a truck CRITICAL, a day spent beyond the threshold does;
- days to warning / critical are projected from the level along the trend
  (:mod:`.trend`), less the time elapsed since the middle of that day;
- CRITICAL: past critical, or critical within ``critical_days`` (3);
- HIGH: past warning, or critical within ``high_days`` (7);
- MEDIUM: warning or critical within ``medium_days`` (30);
- LOW: warning or critical within ``low_days`` (90), or degrading (the trend heads toward
  the bad side and is not stable), or an SPC signal: rule 1, 2 or 5 on the bad side of
  the baseline, rule 7, or a flat line. A one-sided rule that fired on the safe side (a
  cooler engine, a higher voltage) stays visible in ``spc`` but does not raise the status;
- SPC zones use ``max(sigma, sigma_floor_pct of the warning-critical band)`` (10 %: 1.5 °F
  for coolant, 0.06 V for the charging voltage), so that a baseline of near-identical
  daily means does not turn a hundredth of a volt into a signal;
- a consumable (DEF level) runs no SPC and is never "degrading": it is used up and refilled
  by design; its level and days to the thresholds still count;
- OK otherwise, including when there is no data (the reason says so).

Days-to thresholds for MEDIUM and LOW apply to the nearer threshold (the warning, until it
is passed); HIGH within 7 days and CRITICAL within 3 days apply to the critical threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from fuel_analytics.domain.components.buckets import DAY, Bucket, bucket_start
from fuel_analytics.domain.components.reason import describe
from fuel_analytics.domain.components.rules import ComponentMonitor, Side
from fuel_analytics.domain.components.spc import (
    DEFAULT_SPC,
    NelsonRule,
    SpcResult,
    SpcRules,
    spc,
)
from fuel_analytics.domain.components.trend import DEFAULT_TREND, Trend, TrendRules, days_to
from fuel_analytics.domain.components.trend import trend as fit_trend
from fuel_analytics.domain.model import TruckId


class HealthStatus(StrEnum):
    """Ordered by urgency: ``rank`` 0 (OK) to 4 (CRITICAL)."""

    OK = "OK"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return list(HealthStatus).index(self)


@dataclass(frozen=True, slots=True)
class HealthRules:
    """The status ladder and the windows, DOMAIN.md §6 defaults."""

    critical_days: float = 3.0
    high_days: float = 7.0
    medium_days: float = 30.0
    low_days: float = 90.0
    min_day_samples: int = 12
    sigma_floor_pct: float = 10.0
    trend: TrendRules = field(default_factory=TrendRules)
    spc: SpcRules = field(default_factory=SpcRules)
    spc_recent_days: int = 15
    spc_baseline_days: int = 30
    flat_window: timedelta = timedelta(hours=24)


DEFAULT_HEALTH: Final = HealthRules(trend=DEFAULT_TREND, spc=DEFAULT_SPC)


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    """One monitor of one truck, assessed at ``now``.

    ``latest_value``/``latest_ts``: the newest raw reading; ``level``/``level_day``: the
    daily mean the status is judged on; ``baseline``: the SPC baseline mean.
    """

    truck_id: TruckId
    monitor_key: str
    sensor: str
    component: str
    unit: str
    status: HealthStatus
    latest_value: float | None
    latest_ts: datetime | None
    baseline: float | None
    trend: Trend | None
    days_to_warning: float | None
    days_to_critical: float | None
    spc: SpcResult | None
    reason: str
    level: float | None = None
    level_day: datetime | None = None
    warning: float | None = None
    critical: float | None = None
    bad_side: Side | None = None
    degrading: bool = False


def _level(daily: Sequence[Bucket], min_samples: int) -> Bucket | None:
    if not daily:
        return None
    full = [b for b in daily if b.count >= min_samples]
    return max(full or daily, key=lambda b: b.start)


def _elapsed_days(level_day: datetime, now: datetime) -> float:
    return max(0.0, (now - (level_day + DAY / 2)) / DAY)


def _ahead(days: float | None, elapsed: float, horizon: float) -> float | None:
    if days is None or days == 0 or days >= horizon:
        return days
    return max(0.0, days - elapsed)


def _within(days: float | None, limit: float) -> bool:
    return days is not None and days <= limit


def spc_reportable(monitor: ComponentMonitor, result: SpcResult | None) -> bool:
    """True when the SPC result belongs in the reason: rule 1, 2 or 5 on the bad side, rule 7
    or a flat line."""
    if result is None:
        return False
    bad = result.above if monitor.bad_side is Side.HIGH else result.below
    return bool(bad) or NelsonRule.RULE_7 in result.fired or result.flat_line


def spc_signal(monitor: ComponentMonitor, result: SpcResult | None) -> bool:
    """True when the SPC result counts for the status: a stuck sensor (rule 7 or a flat line).

    Rules 1, 2 and 5 are reported (``spc.fired`` and the reason) but do not move the status:
    DOMAIN.md's ladder is days-to-threshold and degrading, and on the simulated fleet they
    fired on 5 % of healthy monitors (ambient and duty changes move daily means)."""
    if result is None:
        return False
    return NelsonRule.RULE_7 in result.fired or result.flat_line


def degrading(monitor: ComponentMonitor, trend: Trend | None) -> bool:
    """The trend heads toward the bad side beyond the stable band (never for a consumable)."""
    return (
        trend is not None
        and not monitor.consumable
        and not trend.stable
        and monitor.toward_bad(trend.slope_per_day)
    )


def decide(
    monitor: ComponentMonitor,
    level: float | None,
    trend: Trend | None,
    days_to_warning: float | None,
    days_to_critical: float | None,
    spc_result: SpcResult | None,
    rules: HealthRules = DEFAULT_HEALTH,
) -> HealthStatus:
    """The status ladder of the module doc."""
    past_crit = level is not None and monitor.reached(level, monitor.crit)
    past_warn = level is not None and monitor.reached(level, monitor.warn)
    if monitor.consumable:
        # used up and refilled: only its level matters (its projection is informational)
        if past_crit:
            return HealthStatus.CRITICAL
        return HealthStatus.HIGH if past_warn else HealthStatus.OK
    nearest = days_to_critical if days_to_warning is None else days_to_warning
    if past_crit or _within(days_to_critical, rules.critical_days):
        return HealthStatus.CRITICAL
    if past_warn or _within(days_to_critical, rules.high_days):
        return HealthStatus.HIGH
    if _within(nearest, rules.medium_days):
        return HealthStatus.MEDIUM
    if (
        _within(nearest, rules.low_days)
        or degrading(monitor, trend)
        or spc_signal(monitor, spc_result)
    ):
        return HealthStatus.LOW
    return HealthStatus.OK


def assess(
    truck_id: TruckId,
    monitor: ComponentMonitor,
    daily: Sequence[Bucket],
    recent_values: Sequence[float],
    baseline_values: Sequence[float],
    latest_value: float | None,
    latest_ts: datetime | None,
    now: datetime,
    *,
    flat_values: Sequence[float] | None = None,
    rules: HealthRules = DEFAULT_HEALTH,
) -> ComponentHealth:
    """Assess one monitor from its daily buckets and its SPC inputs.

    ``daily``: the monitor's daily buckets (any order; those of the ``trend.window_days``
    days up to ``now`` are used). ``recent_values``/``baseline_values``: the SPC points in
    time order and the truck's own baseline. ``flat_values``: the raw values the flat-line
    check runs on (default ``recent_values``). No SPC runs for a consumable (DEF level).
    """
    today = bucket_start(now, DAY)
    oldest = today - (rules.trend.window_days - 1) * DAY
    window = [b for b in daily if oldest <= b.start <= now and b.count > 0]
    # today's bucket holds only part of a duty cycle (a morning of idling, say): its mean
    # would swing the level and the fit, so only complete days count when there are any
    complete = [b for b in window if b.start + DAY <= now]
    window = complete or window
    full = [b for b in window if b.count >= rules.min_day_samples]
    level_bucket = _level(window, rules.min_day_samples)
    fitted = fit_trend(full or window, monitor, rules.trend)
    dtw = dtc = level = None
    if level_bucket is not None:
        horizon = rules.trend.horizon_days
        side = monitor.bad_side
        if (
            fitted is not None
            and not monitor.consumable
            and fitted.r2 >= rules.trend.min_r2
            and monitor.toward_bad(fitted.slope_per_day)
        ):
            # a real trend: judge on its line at `now`, far steadier than one day's mean
            # (a day's duty mix moves the mean by more than a week of wear)
            level = fitted.level + fitted.slope_per_day * _elapsed_days(fitted.last_day, now)
            elapsed = 0.0
        else:
            level = level_bucket.mean
            elapsed = _elapsed_days(level_bucket.start, now)
        # a line that explains little of the daily means projects nothing (past is still past)
        line = fitted if fitted is not None and fitted.r2 >= rules.trend.min_r2 else None
        dtw = _ahead(days_to(monitor.warn, level, line, side, horizon), elapsed, horizon)
        dtc = _ahead(days_to(monitor.crit, level, line, side, horizon), elapsed, horizon)
    spc_result = (
        None
        if monitor.consumable
        else spc(
            recent_values,
            baseline_values,
            rules.spc,
            flat_values=flat_values,
            min_sigma=monitor.band * rules.sigma_floor_pct / 100.0,
        )
    )
    status = decide(monitor, level, fitted, dtw, dtc, spc_result, rules)
    return ComponentHealth(
        truck_id=truck_id,
        monitor_key=monitor.key,
        sensor=monitor.sensor,
        component=monitor.component,
        unit=monitor.unit,
        status=status,
        latest_value=latest_value,
        latest_ts=latest_ts,
        baseline=spc_result.baseline_mean if spc_result else None,
        trend=fitted,
        days_to_warning=dtw,
        days_to_critical=dtc,
        spc=spc_result,
        reason=describe(
            monitor,
            level_bucket,
            fitted,
            dtw,
            dtc,
            spc_result,
            spc_counts=spc_reportable(monitor, spc_result),
            level=level,
            window_days=rules.trend.window_days,
            min_days=rules.trend.min_days,
        ),
        level=level,
        level_day=level_bucket.start if level_bucket else None,
        warning=monitor.warn,
        critical=monitor.crit,
        bad_side=monitor.bad_side,
        degrading=degrading(monitor, fitted),
    )
