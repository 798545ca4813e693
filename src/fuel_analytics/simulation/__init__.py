"""The demo-fleet simulator (DOMAIN.md §8): realistic readings plus the ground truth.

    fleet = simulate_fleet(FleetConfig(trucks=25, days=14, seed=42, end=end))
    for reading in shuffled_delivery(fleet.iter_readings(), seed=42):
        ...
    fleet.truth.events_of("THEFT")

Standard library and ``fuel_analytics.domain`` only.
"""

from fuel_analytics.simulation.delivery import shuffled_delivery
from fuel_analytics.simulation.fleet import FleetConfig, SimulatedFleet, simulate_fleet
from fuel_analytics.simulation.truth import (
    EVENT_KINDS,
    INJECTED_KINDS,
    GroundTruth,
    TruckTruth,
    TruthEvent,
    TruthTrip,
)

__all__ = [
    "EVENT_KINDS",
    "INJECTED_KINDS",
    "FleetConfig",
    "GroundTruth",
    "SimulatedFleet",
    "TruckTruth",
    "TruthEvent",
    "TruthTrip",
    "shuffled_delivery",
    "simulate_fleet",
]
