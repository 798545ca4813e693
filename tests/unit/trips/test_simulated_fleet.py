"""Trips found in the simulator's readings, scored against its ground truth."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips import Trip, TripRules, detect_trips
from fuel_analytics.simulation import FleetConfig, SimulatedFleet, simulate_fleet
from fuel_analytics.simulation.trip_scoring import (
    ODOMETER_RESOLUTION_MI,
    best_match,
    matches,
)


@cache
def fleet() -> tuple[SimulatedFleet, dict[TruckId, list[Trip]]]:
    sim = simulate_fleet(
        FleetConfig(trucks=4, days=3, seed=5, end=datetime(2026, 1, 20, tzinfo=UTC))
    )
    found = {
        t.truck_id: detect_trips(t, list(sim.readings(t.truck_id)), TripRules()) for t in sim.trucks
    }
    return sim, found


def test_complete_trips_are_found_with_their_times_and_distance() -> None:
    sim, found = fleet()
    complete = [t for t in sim.truth.trips if t.complete]
    assert len(complete) >= 20
    pairs = [(t, best_match(t, found[t.truck_id])) for t in complete]
    # within 2 %, or within the odometer's 0.1 mi resolution on very short trips
    good = sum(matches(t, m, slack_mi=ODOMETER_RESOLUTION_MI) for t, m in pairs)
    assert good / len(complete) >= 0.98
    strict = sum(matches(t, m, slack_mi=0.0) for t, m in pairs)  # 29 of 30 with seed 5
    assert strict / len(complete) >= 0.95
    for truth, trip in pairs:
        assert trip is not None
        assert trip.driver_id == truth.driver_id
        assert trip.complete
        assert len(trip.stops) == truth.stop_count
        assert trip.max_speed_mph is not None
        assert abs(trip.max_speed_mph - truth.max_speed_mph) <= 5
        assert trip.fuel_gal is not None
        assert abs(trip.fuel_gal - truth.fuel_gal) <= max(0.05 * truth.fuel_gal, 0.1)


def test_no_trip_is_invented_and_unfinished_ones_say_so() -> None:
    sim, found = fleet()
    assert sum(map(len, found.values())) == len(sim.truth.trips)
    for truth in sim.truth.trips:
        trip = best_match(truth, found[truth.truck_id])
        assert trip is not None
        assert trip.complete == truth.complete
