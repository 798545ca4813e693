"""Detection quality against the simulator's ground truth: precision and recall per fuel
event kind, thefts on trucks that must have none, and MPG error per truck."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from fuel_analytics.domain.fuel import FuelEvent, FuelEventKind, PeriodFuel
from fuel_analytics.domain.model import TruckId
from fuel_analytics.simulation.truth import GroundTruth, TruthEvent

# detected kind -> the truth kind it should match
TRUTH_KIND: Mapping[FuelEventKind, str] = {
    FuelEventKind.REFUEL: "REFUEL",
    FuelEventKind.THEFT_SUSPECTED: "THEFT",
    FuelEventKind.SIPHONING: "SIPHONING",
    FuelEventKind.SENSOR_GLITCH: "SENSOR_GLITCH",
    FuelEventKind.SENSOR_NOISE: "SENSOR_NOISE",
    FuelEventKind.SENSOR_DISCONNECT: "SENSOR_DISCONNECT",
}
MATCH_SLACK = timedelta(minutes=30)
# siphoning is found from daily rollups: its start is the start of a UTC day
SLACK_BY_KIND: Mapping[FuelEventKind, timedelta] = {FuelEventKind.SIPHONING: timedelta(days=1)}
NO_THEFT_SCENARIOS = frozenset({"flapping_sensor", "glitch", "sensor_disconnect"})
MPG_MIN_MILES = 100.0


@dataclass(frozen=True, slots=True)
class KindScore:
    kind: FuelEventKind
    truth: int
    detected: int
    true_positives: int
    matched_truth: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.detected if self.detected else None

    @property
    def recall(self) -> float | None:
        return self.matched_truth / self.truth if self.truth else None


@dataclass(frozen=True, slots=True)
class MpgScore:
    truck_id: TruckId
    true_mpg: float
    measured_mpg: float | None
    distance_mi: float

    @property
    def error_pct(self) -> float | None:
        if self.measured_mpg is None:
            return None
        return (self.measured_mpg - self.true_mpg) / self.true_mpg * 100.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    kinds: tuple[KindScore, ...]
    thefts_on_clean_trucks: int
    clean_trucks: tuple[TruckId, ...]
    mpg: tuple[MpgScore, ...]

    def score(self, kind: FuelEventKind) -> KindScore:
        return next(k for k in self.kinds if k.kind == kind)

    @property
    def worst_mpg_error_pct(self) -> float | None:
        errors = [abs(m.error_pct) for m in self.mpg if m.error_pct is not None]
        return max(errors) if errors else None


def _overlaps(event: FuelEvent, truth: TruthEvent, slack: timedelta) -> bool:
    return (
        event.truck_id == truth.truck_id
        and event.start <= truth.end + slack
        and event.end >= truth.start - slack
    )


def _countable(truth: TruthEvent) -> bool:
    """Events cut by the period's end cannot settle: they are not held against recall."""
    return not truth.detail.get("truncated", False)


def score_events(truth: GroundTruth, detected: Iterable[FuelEvent]) -> tuple[KindScore, ...]:
    found = list(detected)
    scores = []
    for kind, truth_kind in TRUTH_KIND.items():
        slack = SLACK_BY_KIND.get(kind, MATCH_SLACK)
        expected = list(truth.events_of(truth_kind))
        mine = [e for e in found if e.kind is kind]
        true_positive = sum(1 for e in mine if any(_overlaps(e, t, slack) for t in expected))
        countable = [t for t in expected if _countable(t)]
        matched = sum(1 for t in countable if any(_overlaps(e, t, slack) for e in mine))
        scores.append(KindScore(kind, len(countable), len(mine), true_positive, matched))
    return tuple(scores)


def evaluate(
    truth: GroundTruth, detected: Sequence[FuelEvent], periods: Mapping[TruckId, PeriodFuel]
) -> Evaluation:
    clean = tuple(
        sorted(t for t, tt in truth.per_truck.items() if NO_THEFT_SCENARIOS & set(tt.scenarios))
    )
    thefts = sum(
        1 for e in detected if e.kind is FuelEventKind.THEFT_SUSPECTED and e.truck_id in clean
    )
    mpg = tuple(
        MpgScore(t, tt.mpg, periods[t].mpg if t in periods else None, tt.distance_mi)
        for t, tt in sorted(truth.per_truck.items())
        if tt.mpg is not None and tt.distance_mi >= MPG_MIN_MILES
    )
    return Evaluation(score_events(truth, detected), thefts, clean, mpg)
