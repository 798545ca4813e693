"""Trips, stops and driving behaviour (DOMAIN.md §3): pure functions over readings."""

from fuel_analytics.domain.trips.detect import detect_trips, speeding_events, trip_spans
from fuel_analytics.domain.trips.model import (
    BehaviourScore,
    ScorePart,
    SpeedingEvent,
    Stop,
    Trip,
    Utilization,
)
from fuel_analytics.domain.trips.rules import TripRules
from fuel_analytics.domain.trips.score import behaviour_score, linear_score
from fuel_analytics.domain.trips.utilization import peer_group, percentile_rank, utilization

__all__ = [
    "BehaviourScore",
    "ScorePart",
    "SpeedingEvent",
    "Stop",
    "Trip",
    "TripRules",
    "Utilization",
    "behaviour_score",
    "detect_trips",
    "linear_score",
    "peer_group",
    "percentile_rank",
    "speeding_events",
    "trip_spans",
    "utilization",
]
