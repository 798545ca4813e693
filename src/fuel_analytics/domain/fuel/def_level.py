"""Diesel exhaust fluid: level band, consumption and how long it lasts (DOMAIN.md §5).

Consumption is the median over consecutive pairs of readings (%/mile from the odometer,
%/engine-hour from the engine-hour counter). A gauge quantised to whole percents barely
moves from one minute to the next, so a pair runs from one reading to the first later one
at least ``def_pair_min_mi`` (or ``def_pair_min_engine_h``) further on; the next pair starts
where it ended. A pair across a refill (any rise over ``def_refill_rise_pct`` between two
consecutive readings) is skipped. Days come from the miles (or engine hours) per day over
the readings given, which must span ``def_rate_min_span_h``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fuel_analytics.domain.fuel.rules import FuelRules, rules_for
from fuel_analytics.domain.fuel.segments import seconds_of, unique_by_ts
from fuel_analytics.domain.fuel.smoothing import median
from fuel_analytics.domain.model import Reading, Truck, TruckId

HOURS_PER_DAY = 24.0


class DefBand(enum.StrEnum):
    GOOD = "GOOD"
    LOW = "LOW"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    EMERGENCY = "EMERGENCY"


@dataclass(frozen=True, slots=True)
class DefStatus:
    """The newest DEF level and what it means; ``None`` values come with a reason.

    "warning" is the WARNING threshold (``def_warning_pct``, 10 % by default).
    """

    truck_id: TruckId
    ts: datetime | None
    level_pct: float | None
    gallons: float | None
    tank_gal: float
    band: DefBand | None
    reason: str | None
    pct_per_mile: float | None
    pct_per_engine_hour: float | None
    mile_pairs: int
    hour_pairs: int
    consumption_reason: str | None
    miles_per_day: float | None
    engine_hours_per_day: float | None
    miles_to_warning: float | None
    miles_to_empty: float | None
    days_to_warning: float | None
    days_to_empty: float | None
    gallons_to_warning: float | None
    prediction_reason: str | None


def def_band(level_pct: float, rules: FuelRules) -> DefBand:
    if level_pct >= rules.def_good_pct:
        return DefBand.GOOD
    if level_pct >= rules.def_low_pct:
        return DefBand.LOW
    if level_pct >= rules.def_warning_pct:
        return DefBand.WARNING
    if level_pct >= rules.def_critical_pct:
        return DefBand.CRITICAL
    return DefBand.EMERGENCY


def _rates(
    levels: Sequence[float],
    usage: Sequence[float | None],
    min_step: float,
    refill_pct: float,
) -> list[float]:
    """%/unit of usage over consecutive pairs at least ``min_step`` of usage apart."""
    out: list[float] = []
    anchor = -1
    refilled = False
    for k, used in enumerate(usage):
        if k > 0 and levels[k] - levels[k - 1] > refill_pct:
            refilled = True
        if used is None:
            continue
        if anchor < 0 or refilled:
            anchor, refilled = k, False
            continue
        base = usage[anchor]
        assert base is not None
        step = used - base
        if step < 0:
            anchor = k
            continue
        if step >= min_step:
            out.append((levels[anchor] - levels[k]) / step)
            anchor = k
    return out


def _per_day(
    times: Sequence[float], usage: Sequence[float | None], min_span_h: float
) -> float | None:
    known = [(t, u) for t, u in zip(times, usage, strict=True) if u is not None]
    if len(known) < 2:
        return None
    (t0, u0), (t1, u1) = known[0], known[-1]
    span_h = (t1 - t0) / 3600.0
    if span_h < min_span_h or u1 < u0:
        return None
    return (u1 - u0) / (span_h / HOURS_PER_DAY)


def def_status(truck: Truck, readings: Sequence[Reading], rules: FuelRules) -> DefStatus:
    rules = rules_for(truck, rules)
    rows = [r for r in unique_by_ts(truck.truck_id, readings) if r.def_level_pct is not None]
    tank = truck.def_tank_gal
    levels = [r.def_level_pct for r in rows if r.def_level_pct is not None]
    if not rows:
        return DefStatus(
            truck_id=truck.truck_id, ts=None, level_pct=None, gallons=None, tank_gal=tank,
            band=None, reason="no DEF level reported", pct_per_mile=None,
            pct_per_engine_hour=None, mile_pairs=0, hour_pairs=0,
            consumption_reason="no DEF level reported", miles_per_day=None,
            engine_hours_per_day=None, miles_to_warning=None, miles_to_empty=None,
            days_to_warning=None, days_to_empty=None, gallons_to_warning=None,
            prediction_reason="no DEF level reported",
        )  # fmt: skip
    level = levels[-1]
    odometer = [r.odometer_mi for r in rows]
    hours = [r.engine_hours for r in rows]
    times = [seconds_of(r.ts) for r in rows]
    per_mile = _rates(levels, odometer, rules.def_pair_min_mi, rules.def_refill_rise_pct)
    per_hour = _rates(levels, hours, rules.def_pair_min_engine_h, rules.def_refill_rise_pct)
    pct_mile = median(per_mile) if per_mile else None
    pct_hour = median(per_hour) if per_hour else None
    consumption_reason = None
    if pct_mile is None and pct_hour is None:
        consumption_reason = (
            f"no pair of readings {rules.def_pair_min_mi:g} mi or "
            f"{rules.def_pair_min_engine_h:g} engine hours apart without a refill"
        )
    miles_day = _per_day(times, odometer, rules.def_rate_min_span_h)
    hours_day = _per_day(times, hours, rules.def_rate_min_span_h)

    to_warning = max(0.0, level - rules.def_warning_pct)
    miles_warning = miles_empty = days_warning = days_empty = None
    prediction_reason = None
    if pct_mile is not None and pct_mile > 0:
        miles_warning, miles_empty = to_warning / pct_mile, level / pct_mile
    pct_day: float | None = None
    if pct_mile is not None and pct_mile > 0 and miles_day is not None:
        pct_day = pct_mile * miles_day
    elif pct_hour is not None and pct_hour > 0 and hours_day is not None:
        pct_day = pct_hour * hours_day
    if pct_day is not None and pct_day > 0:
        days_warning, days_empty = to_warning / pct_day, level / pct_day
    if consumption_reason is not None:
        prediction_reason = consumption_reason
    elif (pct_mile or 0) <= 0 and (pct_hour or 0) <= 0:
        prediction_reason = "no measurable DEF consumption"
    elif days_empty is None:
        prediction_reason = (
            f"readings span less than {rules.def_rate_min_span_h:g} h: usage per day unknown"
        )
    return DefStatus(
        truck_id=truck.truck_id,
        ts=rows[-1].ts,
        level_pct=level,
        gallons=round(level / 100.0 * tank, 3),
        tank_gal=tank,
        band=def_band(level, rules),
        reason=None,
        pct_per_mile=_r(pct_mile),
        pct_per_engine_hour=_r(pct_hour),
        mile_pairs=len(per_mile),
        hour_pairs=len(per_hour),
        consumption_reason=consumption_reason,
        miles_per_day=_r(miles_day),
        engine_hours_per_day=_r(hours_day),
        miles_to_warning=_r(miles_warning),
        miles_to_empty=_r(miles_empty),
        days_to_warning=_r(days_warning),
        days_to_empty=_r(days_empty),
        gallons_to_warning=round(to_warning / 100.0 * tank, 3),
        prediction_reason=prediction_reason,
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
