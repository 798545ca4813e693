"""Trip detection against the simulator's ground truth: found, times within 2 minutes,
distance within 2 % (or the odometer's 0.1 mi step on very short trips).

Scored on the measurable true trips only: complete (not cut by the end of the period) and
not overlapping an offline window of the device (see :mod:`truth`). Trips inside a data
gap are counted apart: nothing was sent about them, so no detector can find them.
"""

from __future__ import annotations

from dataclasses import dataclass

from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.trips import Trip, TripRules, detect_trips
from fuel_analytics.simulation.fleet import SimulatedFleet
from fuel_analytics.simulation.truth import (
    OFFLINE_MARGIN_AFTER_S,
    OFFLINE_MARGIN_BEFORE_S,
    TruthTrip,
)

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
    complete: int  # measurable: complete, and the device online throughout
    detected: int
    matched: int  # 2 % or the odometer step
    matched_strict: int  # 2 % only
    pairs: tuple[tuple[TruthTrip, Trip | None], ...]
    unfinished: int = 0  # cut by the end of the period
    # complete, but overlapping an offline window: left out (with what detection made of them)
    offline: tuple[tuple[TruthTrip, Trip | None], ...] = ()


def evaluate_trips(fleet: SimulatedFleet, rules: TripRules | None = None) -> TripEvaluation:
    rules = rules or TripRules()
    found: dict[TruckId, list[Trip]] = {
        t.truck_id: detect_trips(t, list(fleet.readings(t.truck_id)), rules) for t in fleet.trucks
    }
    measurable = [t for t in fleet.truth.trips if t.measurable]
    pairs = tuple((t, best_match(t, found[t.truck_id])) for t in measurable)
    return TripEvaluation(
        truth_trips=len(fleet.truth.trips),
        complete=len(measurable),
        detected=sum(map(len, found.values())),
        matched=sum(matches(t, m, slack_mi=ODOMETER_RESOLUTION_MI) for t, m in pairs),
        matched_strict=sum(matches(t, m, slack_mi=0.0) for t, m in pairs),
        pairs=pairs,
        unfinished=sum(not t.complete for t in fleet.truth.trips),
        offline=tuple(
            (t, best_match(t, found[t.truck_id]))
            for t in fleet.truth.trips
            if t.complete and t.offline
        ),
    )


def _pair(truth: TruthTrip, trip: Trip | None) -> str:
    got = (
        "none"
        if trip is None
        else f"{trip.start:%m-%d %H:%M}-{trip.end:%H:%M} {trip.distance_mi} mi"
    )
    return (
        f"  {truth.truck_id} {truth.start:%m-%d %H:%M}-{truth.end:%H:%M} "
        f"{truth.distance_mi} mi -> {got}"
    )


def trip_report(ev: TripEvaluation) -> str:
    share = ev.matched / ev.complete if ev.complete else 0.0
    strict = ev.matched_strict / ev.complete if ev.complete else 0.0
    before, after = OFFLINE_MARGIN_BEFORE_S / 60, OFFLINE_MARGIN_AFTER_S / 60
    lines = [
        f"true trips: {ev.truth_trips}; detected: {ev.detected}",
        f"left out as not measurable: {ev.unfinished} cut by the end of the period, "
        f"{len(ev.offline)} overlapping an offline window of the device",
        f"  (the device was silent at some time from {before:g} min before the trip to "
        f"{after:g} min after it: nothing can know its start, end or distance)",
        f"measurable trips ({ev.complete}) found with start/end within 2 min and distance "
        f"within 2 % (or 0.1 mi): {ev.matched}/{ev.complete} = {share:.1%}",
        f"the same with distance within 2 % only: {ev.matched_strict}/{ev.complete} = {strict:.1%}",
    ]
    misses = [_pair(t, m) for t, m in ev.pairs if not matches(t, m, slack_mi=0.0)]
    if misses:
        lines += ["missed (2 % only):", *misses]
    if ev.offline:
        lines += ["left out, offline (truth -> what detection saw):"]
        lines += [_pair(t, m) for t, m in ev.offline]
    return "\n".join(lines)
