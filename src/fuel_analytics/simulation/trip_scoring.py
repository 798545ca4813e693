"""Trip detection against the simulator's ground truth: found, times within 2 minutes,
distance within 2 % (or the odometer's 0.1 mi step on very short trips)."""

from __future__ import annotations

from dataclasses import dataclass

from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips import Trip, TripRules, detect_trips
from fuel_analytics.simulation.fleet import SimulatedFleet
from fuel_analytics.simulation.truth import TruthTrip

TIME_SLACK_S = 120.0
DISTANCE_SLACK = 0.02
ODOMETER_RESOLUTION_MI = 0.1


def best_match(truth: TruthTrip, found: list[Trip]) -> Trip | None:
    overlapping = [t for t in found if t.start < truth.end and truth.start < t.end]
    return max(
        overlapping,
        key=lambda t: min(t.end, truth.end) - max(t.start, truth.start),
        default=None,
    )


def matches(truth: TruthTrip, trip: Trip | None, *, slack_mi: float) -> bool:
    if trip is None or trip.distance_mi is None:
        return False
    return (
        abs((trip.start - truth.start).total_seconds()) <= TIME_SLACK_S
        and abs((trip.end - truth.end).total_seconds()) <= TIME_SLACK_S
        and abs(trip.distance_mi - truth.distance_mi)
        <= max(DISTANCE_SLACK * truth.distance_mi, slack_mi)
    )


@dataclass(frozen=True, slots=True)
class TripEvaluation:
    truth_trips: int
    complete: int
    detected: int
    matched: int  # 2 % or the odometer step
    matched_strict: int  # 2 % only
    pairs: tuple[tuple[TruthTrip, Trip | None], ...]


def evaluate_trips(fleet: SimulatedFleet, rules: TripRules | None = None) -> TripEvaluation:
    rules = rules or TripRules()
    found: dict[TruckId, list[Trip]] = {
        t.truck_id: detect_trips(t, list(fleet.readings(t.truck_id)), rules) for t in fleet.trucks
    }
    complete = [t for t in fleet.truth.trips if t.complete]
    pairs = tuple((t, best_match(t, found[t.truck_id])) for t in complete)
    return TripEvaluation(
        truth_trips=len(fleet.truth.trips),
        complete=len(complete),
        detected=sum(map(len, found.values())),
        matched=sum(matches(t, m, slack_mi=ODOMETER_RESOLUTION_MI) for t, m in pairs),
        matched_strict=sum(matches(t, m, slack_mi=0.0) for t, m in pairs),
        pairs=pairs,
    )


def trip_report(ev: TripEvaluation) -> str:
    share = ev.matched / ev.complete if ev.complete else 0.0
    strict = ev.matched_strict / ev.complete if ev.complete else 0.0
    lines = [
        f"true trips: {ev.truth_trips} ({ev.complete} complete); detected: {ev.detected}",
        f"complete trips found with start/end within 2 min and distance within 2 % "
        f"(or 0.1 mi): {ev.matched}/{ev.complete} = {share:.1%}",
        f"the same with distance within 2 % only: {ev.matched_strict}/{ev.complete} = {strict:.1%}",
    ]
    for truth, trip in ev.pairs:
        if not matches(truth, trip, slack_mi=0.0):
            got = (
                "none"
                if trip is None
                else (f"{trip.start:%m-%d %H:%M}-{trip.end:%H:%M} {trip.distance_mi} mi")
            )
            lines.append(
                f"  {truth.truck_id} {truth.start:%m-%d %H:%M}-{truth.end:%H:%M} "
                f"{truth.distance_mi} mi -> {got}"
            )
    return "\n".join(lines)
