from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips import TripRules, peer_group, percentile_rank, utilization
from tests.unit.trips import T0, TRUCK, Builder

RULES = TripRules()


def test_engine_and_driving_hours_against_a_24_7_period() -> None:
    # 08:00 parked 1 h, drive 2 h, idle 1 h, off for the rest of the day
    b = Builder().phase(3600, 0, engine=False).phase(7200, 55).phase(3600, 0).phase(3600, 0, False)
    start, end = T0 - timedelta(hours=8), T0 + timedelta(hours=16)
    result = utilization(TRUCK, b.readings, start, end, RULES)
    assert result.available_h == 24
    assert result.driving_h == pytest.approx(2.0, abs=0.02)
    assert result.engine_on_h == pytest.approx(3.0, abs=0.04)
    assert result.idle_h == pytest.approx(1.0, abs=0.04)
    assert result.driving_pct == pytest.approx(100 * 2 / 24, abs=0.1)
    assert result.active_days == 1
    assert result.active_dates == (date(2026, 1, 5),)
    assert not result.idle_all_period
    duty = RULES.with_overrides({"available_hours_per_day": 10, "available_days_per_week": 5})
    assert utilization(TRUCK, b.readings, start, end, duty).available_h == pytest.approx(
        24 * 10 / 24 * 5 / 7, abs=1e-3
    )


def test_hours_are_clipped_to_the_period_and_a_parked_truck_sat_idle() -> None:
    b = Builder().phase(3600, 0, engine=False).phase(7200, 55).phase(3600, 0, False)
    later = utilization(TRUCK, b.readings, T0 + timedelta(hours=2), T0 + timedelta(hours=6), RULES)
    assert later.driving_h == pytest.approx(1.0, abs=0.02)
    parked = utilization(TRUCK, b.readings[:50], T0, T0 + timedelta(hours=1), RULES)
    assert parked.idle_all_period
    assert parked.active_days == 0
    assert parked.driving_h == 0


def test_percentile_rank_counts_ties_half_and_knows_which_way_is_better() -> None:
    peers = [5.0, 6.0, 7.0, 8.0]
    assert percentile_rank(7.0, peers, higher_is_better=True) == 62.5
    assert percentile_rank(7.0, peers, higher_is_better=False) == 37.5
    assert percentile_rank(9.0, peers, higher_is_better=True) == 100
    assert percentile_rank(1.0, [], higher_is_better=True) == 100


def test_peer_group_is_make_model_and_years_within_three() -> None:
    fleet = [
        replace(TRUCK, truck_id=TruckId("A"), year=2024),
        replace(TRUCK, truck_id=TruckId("B"), year=2025),
        replace(TRUCK, truck_id=TruckId("C"), model="vnl ", year=2018),
        replace(TRUCK, truck_id=TruckId("D"), model="VNR", year=2021),
        replace(TRUCK, truck_id=TruckId("E"), year=None),
        TRUCK,
    ]
    assert [t.truck_id for t in peer_group(TRUCK, fleet)] == ["A", "C"]
    assert peer_group(replace(TRUCK, make=None), fleet) == []
