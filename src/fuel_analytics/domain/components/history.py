"""From a component history to its health: which points feed the trend and which the SPC.

Readings are minutes apart and strongly autocorrelated (a coolant temperature follows the
duty cycle for hours), so the Nelson rules, which assume independent points, would fire on
every truck if they ran on raw readings. They run on *daily means* instead:

- recent: the daily means of the last ``spc_recent_days`` (15) days up to ``now``;
- baseline: the daily means of the ``spc_baseline_days`` (30) days before those;
- flat line: on the raw values of the last ``flat_window`` (24 h): a stuck sensor repeats
  the exact same raw value, which a mean would hide.

The level and the trend use the daily means of the last 30 days (:mod:`.health`). Daily
means of fewer than ``min_day_samples`` samples are left out of the SPC points, as they
are out of the trend. Readings later than ``now`` are ignored, and the input order never
matters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from fuel_analytics.domain.components.buckets import (
    DAY,
    Bucket,
    aggregate_samples,
    bucket_start,
    samples,
)
from fuel_analytics.domain.components.health import DEFAULT_HEALTH, ComponentHealth, HealthRules
from fuel_analytics.domain.components.health import assess as assess_component
from fuel_analytics.domain.components.rules import (
    DEFAULT_CONDITIONS,
    ComponentMonitor,
    ConditionRules,
)
from fuel_analytics.domain.model import Reading, TruckId


def history_days(rules: HealthRules = DEFAULT_HEALTH) -> int:
    """How many days of daily buckets an assessment reads (trend and SPC windows)."""
    return max(rules.trend.window_days, rules.spc_recent_days + rules.spc_baseline_days)


def spc_windows(
    daily: Sequence[Bucket], now: datetime, rules: HealthRules = DEFAULT_HEALTH
) -> tuple[list[float], list[float]]:
    """The recent and baseline daily means (each in time order) for the SPC."""
    today = bucket_start(now, DAY)
    recent_from = today - (rules.spc_recent_days - 1) * DAY
    baseline_from = recent_from - rules.spc_baseline_days * DAY
    usable = sorted(
        (b for b in daily if b.count >= max(1, rules.min_day_samples) and b.start <= now),
        key=lambda b: b.start,
    )
    recent = [b.mean for b in usable if b.start >= recent_from]
    baseline = [b.mean for b in usable if baseline_from <= b.start < recent_from]
    return recent, baseline


def assess_history(
    truck_id: TruckId,
    monitor: ComponentMonitor,
    daily: Sequence[Bucket],
    recent_raw: Sequence[float],
    latest_value: float | None,
    latest_ts: datetime | None,
    now: datetime,
    rules: HealthRules = DEFAULT_HEALTH,
) -> ComponentHealth:
    """Assess from stored daily buckets (``history_days`` of them) and the raw values of the
    last ``flat_window`` in time order (for the flat-line check)."""
    recent, baseline = spc_windows(daily, now, rules)
    return assess_component(
        truck_id,
        monitor,
        daily,
        recent,
        baseline,
        latest_value,
        latest_ts,
        now,
        flat_values=recent_raw,
        rules=rules,
    )


def assess_readings(
    truck_id: TruckId,
    monitor: ComponentMonitor,
    readings: Iterable[Reading],
    now: datetime,
    rules: HealthRules = DEFAULT_HEALTH,
    conditions: ConditionRules = DEFAULT_CONDITIONS,
) -> ComponentHealth:
    """Assess straight from one truck's raw readings (those up to ``now`` count)."""
    series = [(ts, value) for ts, value in samples(monitor, readings, conditions) if ts <= now]
    oldest = bucket_start(now, DAY) - history_days(rules) * DAY
    daily = aggregate_samples(monitor.key, ((t, v) for t, v in series if t >= oldest), DAY)
    flat_from = now - rules.flat_window
    recent_raw = [value for ts, value in series if ts > flat_from]
    latest_ts, latest_value = series[-1] if series else (None, None)
    return assess_history(truck_id, monitor, daily, recent_raw, latest_value, latest_ts, now, rules)
