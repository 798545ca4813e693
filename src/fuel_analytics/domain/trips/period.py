"""Utilization of a period from the daily fuel rollups (one row per truck and UTC day), so a
fleet's month needs no raw readings. The daily rows carry the same interval measures as
:func:`utilization` computes from readings (engine-on, moving and idle hours per day)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fuel_analytics.domain.fuel.model import DailyFuel
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips.model import Utilization
from fuel_analytics.domain.trips.rules import TripRules

HOUR = 3600.0


def available_hours(period_start: datetime, period_end: datetime, rules: TripRules) -> float:
    """The period's hours times the share of the day and of the week on duty."""
    hours = max(0.0, (period_end - period_start).total_seconds()) / HOUR
    return hours * rules.available_hours_per_day / 24.0 * rules.available_days_per_week / 7.0


def utilization_of_days(
    truck_id: TruckId,
    days: Sequence[DailyFuel],
    period_start: datetime,
    period_end: datetime,
    rules: TripRules,
) -> Utilization:
    """``days`` are the truck's daily rows inside the (whole-day) period; none: the truck
    sent nothing and sat idle all period."""
    engine = sum(d.engine_on_hours for d in days)
    driving = sum(d.moving_hours for d in days)
    idle = sum(d.idle_hours for d in days)
    available = available_hours(period_start, period_end, rules)
    active = tuple(
        sorted(d.day for d in days if d.moving_hours * HOUR >= rules.active_day_min_driving_s)
    )
    return Utilization(
        truck_id=truck_id,
        period_start=period_start,
        period_end=period_end,
        engine_on_h=round(engine, 3),
        driving_h=round(driving, 3),
        idle_h=round(idle, 3),
        available_h=round(available, 3),
        engine_pct=round(engine / available * 100.0, 2) if available > 0 else None,
        driving_pct=round(driving / available * 100.0, 2) if available > 0 else None,
        active_days=len(active),
        active_dates=active,
        idle_all_period=driving == 0.0,
    )
