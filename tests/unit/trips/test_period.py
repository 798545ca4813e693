"""Utilization from the daily fuel rollups (what the fleet endpoint uses) equals utilization
from the raw readings (the domain's definition) over whole UTC days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fuel_analytics.domain.fuel import FuelRules, analyze_truck
from fuel_analytics.domain.model import Truck
from fuel_analytics.domain.trips import TripRules, utilization
from fuel_analytics.domain.trips.period import utilization_of_days
from fuel_analytics.domain.trips.utilization import available_hours
from fuel_analytics.simulation import FleetConfig, simulate_fleet

END = datetime(2026, 1, 20, tzinfo=UTC)
FLEET = simulate_fleet(FleetConfig(trucks=4, days=5, seed=11, end=END))


@pytest.mark.parametrize("truck", FLEET.trucks, ids=lambda t: t.truck_id)
def test_utilization_of_daily_rows_equals_utilization_of_readings(truck: Truck) -> None:
    rules = TripRules()
    readings = list(FLEET.readings(truck.truck_id))
    start = datetime.combine(readings[0].ts.date(), datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(readings[-1].ts.date(), datetime.min.time(), tzinfo=UTC)
    end += timedelta(days=1)
    days = analyze_truck(truck, readings, start=start, end=end, rules=FuelRules()).days
    from_days = utilization_of_days(truck.truck_id, days, start, end, rules)
    from_readings = utilization(truck, readings, start, end, rules)
    assert from_days.driving_h == pytest.approx(from_readings.driving_h, abs=0.01)
    assert from_days.engine_on_h == pytest.approx(from_readings.engine_on_h, abs=0.01)
    assert from_days.idle_h == pytest.approx(from_readings.idle_h, abs=0.01)
    assert from_days.available_h == from_readings.available_h
    assert from_days.active_dates == from_readings.active_dates
    assert from_days.idle_all_period == from_readings.idle_all_period
    assert from_days.driving_h > 1.0, "the simulated truck drives, else this proves nothing"


def test_a_truck_without_daily_rows_sat_idle_all_period() -> None:
    start = END - timedelta(days=2)
    result = utilization_of_days(FLEET.trucks[0].truck_id, [], start, END, TripRules())
    assert result.idle_all_period
    assert (result.engine_on_h, result.driving_h, result.active_days) == (0.0, 0.0, 0)
    assert result.available_h == 48.0
    assert result.driving_pct == 0.0


def test_available_hours_follow_the_duty_schedule() -> None:
    duty = TripRules().with_overrides({"available_hours_per_day": 10, "available_days_per_week": 5})
    assert available_hours(END - timedelta(days=7), END, duty) == pytest.approx(50.0)
