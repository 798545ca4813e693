"""The reason of a component's status, in words a maintenance planner reads first.

e.g. ``coolant_temp_f rising 1.8 °F/day (R² 0.93): warning 210 °F in 4.2 days, critical
225 °F in 12.5 days``, or ``battery_voltage (engine off) daily mean 11.93 V (2026-02-28) is
past critical 12 V; trend falling 0.018 V/day (R² 1.00)``.
"""

from __future__ import annotations

from typing import Final

from fuel_analytics.domain.components.buckets import Bucket
from fuel_analytics.domain.components.rules import ComponentMonitor, Condition, Side
from fuel_analytics.domain.components.spc import RULE_TEXT, NelsonRule, SpcResult
from fuel_analytics.domain.components.trend import Trend

_CONDITION_WORDS: Final = {
    Condition.ANY: "",
    Condition.ENGINE_RUNNING: "engine running",
    Condition.ENGINE_OFF: "engine off",
    Condition.UNDER_LOAD: "under load",
}


def _num(value: float) -> str:
    text = f"{value:.1f}" if abs(value) >= 100 else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rate(value: float) -> str:
    size = abs(value)
    if size < 5e-4:
        return "0"
    return f"{size:.1f}" if size >= 10 else f"{size:.2g}"


def _label(monitor: ComponentMonitor) -> str:
    words = _CONDITION_WORDS[monitor.condition]
    if monitor.key != monitor.sensor and words:
        return f"{monitor.sensor} ({words})"
    return monitor.sensor


def describe(
    monitor: ComponentMonitor,
    level_bucket: Bucket | None,
    trend: Trend | None,
    dtw: float | None,
    dtc: float | None,
    spc_result: SpcResult | None,
    *,
    spc_counts: bool,
    window_days: int,
    min_days: int,
    level: float | None = None,
) -> str:
    """The reason in words; ``spc_counts``: whether the SPC result raised the status."""
    label, unit = _label(monitor), monitor.unit
    warn, crit = f"{_num(monitor.warn)} {unit}", f"{_num(monitor.crit)} {unit}"
    if level_bucket is None:
        return (
            f"no {label} readings in the last {window_days} days (warning {warn}, critical {crit})"
        )
    day = level_bucket.start.date().isoformat()
    measure = "daily mean"
    if level is None or level == level_bucket.mean:
        level = level_bucket.mean
    else:
        measure, day = "trend level", "now"
    parts: list[str] = []
    if monitor.reached(level, monitor.crit):
        parts.append(f"{label} {measure} {_num(level)} {unit} ({day}) is past critical {crit}")
    elif monitor.reached(level, monitor.warn):
        parts.append(f"{label} {measure} {_num(level)} {unit} ({day}) is past warning {warn}")
    if trend is None:
        needs = f"a trend needs {min_days} days of data"
        parts.append(f"{label} at {_num(level)} {unit}; {needs}" if not parts else needs)
    else:
        slope = trend.slope_per_day
        fit = f"{_rate(slope)} {unit}/day (R² {trend.r2:.2f})"
        subject = label if not parts else "trend"
        if trend.stable and dtw is None and dtc is None:
            sign = "+" if slope > 0 else "-" if slope < 0 else ""
            signed = f"{sign if _rate(slope) != '0' else ''}{_rate(slope)} {unit}/day"
            if parts:
                parts.append(f"trend stable ({signed}, R² {trend.r2:.2f})")
            else:
                parts.append(
                    f"{label} stable at {_num(level)} {unit} ({signed}, R² {trend.r2:.2f});"
                    f" warning {warn}"
                )
        else:
            moving = "rising" if slope > 0 else "falling"
            ahead = [
                f"{name} {limit} in {days:.1f} days"
                for name, limit, days in (("warning", warn, dtw), ("critical", crit, dtc))
                if days is not None and days > 0
            ]
            if ahead:
                parts.append(f"{subject} {moving} {fit}: {', '.join(ahead)}")
            elif monitor.toward_bad(slope):
                parts.append(f"{subject} {moving} {fit}")
            else:
                parts.append(f"{subject} {moving} {fit}, away from the warning {warn}")
    if spc_counts and spc_result is not None:
        parts.append(_spc_words(monitor, spc_result))
    return "; ".join(parts)


def _spc_words(monitor: ComponentMonitor, result: SpcResult) -> str:
    bad = result.above if monitor.bad_side is Side.HIGH else result.below
    where = "above" if monitor.bad_side is Side.HIGH else "below"
    seen = [f"{RULE_TEXT[rule]} ({where})" for rule in bad]
    if NelsonRule.RULE_7 in result.fired:
        seen.append(RULE_TEXT[NelsonRule.RULE_7])
    if result.flat_line:
        seen.append(f"{result.longest_flat_run} identical values in a row (stuck sensor?)")
    if result.baseline_mean is None:
        return f"SPC: {', '.join(seen)}"
    base = f"{_num(result.baseline_mean)} {monitor.unit}"
    return f"SPC against its baseline {base}: {', '.join(seen)}"
