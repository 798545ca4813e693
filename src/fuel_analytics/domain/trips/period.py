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
from fuel_analytics.domain.trips.utilization import hours_used

HOUR = 3600.0


def utilization_of_days(
    truck_id: TruckId,
    days: Sequence[DailyFuel],
    period_start: datetime,
    period_end: datetime,
    rules: TripRules,
) -> Utilization:
    """``days`` are the truck's daily rows inside the (whole-day) period; none: the truck
    sent nothing and sat idle all period."""
    active = tuple(
        sorted(d.day for d in days if d.moving_hours * HOUR >= rules.active_day_min_driving_s)
    )
    return hours_used(
        truck_id,
        period_start,
        period_end,
        sum(d.engine_on_hours for d in days),
        sum(d.moving_hours for d in days),
        sum(d.idle_hours for d in days),
        active,
        rules,
    )
