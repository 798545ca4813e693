"""Behaviour scores (DOMAIN.md §3): per truck or per driver (pass that driver's trips).

Four parts, each scored 0-100 linearly between a value that earns 100 and one that earns 0
(see :class:`TripRules`), weighted 40 / 30 / 15 / 15 % by default:

- ``mpg``: the trips' distance / fuel (distance-weighted, never a mean of trip MPGs) as a
  deviation in % from the baseline MPG;
- ``idle``: idle time as a % of engine-on time (driving + idling) in the trips, or over the
  whole period when the caller passes ``idle_s`` and ``engine_on_s`` (overnight idling
  happens outside trips);
- ``speeding``: minutes above the speeding threshold per driving hour;
- ``harsh``: harsh accelerations and brakings per 100 miles.

A part that cannot be measured (too little distance, fuel or driving) is reported with no
value and no score, and the overall score is the weighted mean of the parts that were.
"""

from __future__ import annotations

from collections.abc import Sequence

from fuel_analytics.domain.trips.model import BehaviourScore, ScorePart, Trip
from fuel_analytics.domain.trips.rules import TripRules


def linear_score(value: float, full: float, zero: float) -> float:
    """100 at ``full``, 0 at ``zero``, linear between, clamped (either direction)."""
    if full == zero:
        return 100.0 if value == full else 0.0
    share = (value - zero) / (full - zero)
    return round(100.0 * min(1.0, max(0.0, share)), 1)


def behaviour_score(
    subject: str,
    trips: Sequence[Trip],
    baseline_mpg: float,
    rules: TripRules,
    *,
    idle_s: float | None = None,
    engine_on_s: float | None = None,
) -> BehaviourScore:
    distance = sum(t.distance_mi or 0.0 for t in trips)
    driving_s = sum(t.driving_s for t in trips)
    parts = (
        _mpg_part(trips, baseline_mpg, rules),
        _idle_part(trips, rules, idle_s, engine_on_s),
        _speeding_part(trips, driving_s, rules),
        _harsh_part(trips, distance, rules),
    )
    weight = sum(p.weight for p in parts if p.score is not None)
    total = sum(p.weight * p.score for p in parts if p.score is not None)
    return BehaviourScore(
        subject=subject,
        score=round(total / weight, 1) if weight > 0 else None,
        parts=parts,
        distance_mi=round(distance, 3),
        driving_h=round(driving_s / 3600.0, 3),
        trip_count=len(trips),
    )


def _mpg_part(trips: Sequence[Trip], baseline: float, rules: TripRules) -> ScorePart:
    measured = [t for t in trips if t.distance_mi is not None and t.fuel_gal is not None]
    miles = sum(t.distance_mi or 0.0 for t in measured)
    gallons = sum(t.fuel_gal or 0.0 for t in measured)
    name, weight = "mpg", rules.weight_mpg
    if baseline <= 0:
        return ScorePart(name, weight, None, None, "no baseline MPG to compare with")
    if miles < rules.mpg_min_distance_mi or gallons < rules.mpg_min_fuel_gal:
        why = (
            f"not scored: {miles:.1f} mi on {gallons:.2f} gal measured, below the "
            f"{rules.mpg_min_distance_mi:g} mi / {rules.mpg_min_fuel_gal:g} gal minimum"
        )
        return ScorePart(name, weight, None, None, why)
    mpg = miles / gallons
    deviation = (mpg / baseline - 1.0) * 100.0
    score = linear_score(deviation, rules.mpg_deviation_full_pct, rules.mpg_deviation_zero_pct)
    why = (
        f"{mpg:.2f} MPG ({miles:.1f} mi / {gallons:.1f} gal) is {deviation:+.1f} % against the "
        f"baseline {baseline:.2f} MPG; {rules.mpg_deviation_full_pct:+g} % or better scores "
        f"100, {rules.mpg_deviation_zero_pct:+g} % or worse scores 0"
    )
    return ScorePart(name, weight, round(mpg, 3), score, why)


def _idle_part(
    trips: Sequence[Trip], rules: TripRules, idle_s: float | None, engine_on_s: float | None
) -> ScorePart:
    name, weight = "idle", rules.weight_idle
    if idle_s is None or engine_on_s is None:
        idle_s = sum(t.idle_s for t in trips)
        engine_on_s = idle_s + sum(t.driving_s for t in trips)
        scope = "in the trips"
    else:
        scope = "over the period"
    if engine_on_s < rules.score_min_driving_s:
        why = f"not scored: {engine_on_s / 60:.0f} min of engine-on time {scope}"
        return ScorePart(name, weight, None, None, why)
    pct = idle_s / engine_on_s * 100.0
    score = linear_score(pct, rules.idle_full_pct, rules.idle_zero_pct)
    why = (
        f"idling {pct:.1f} % of {engine_on_s / 3600:.1f} engine-on hours {scope}; "
        f"{rules.idle_full_pct:g} % or less scores 100, {rules.idle_zero_pct:g} % or more 0"
    )
    return ScorePart(name, weight, round(pct, 2), score, why)


def _speeding_part(trips: Sequence[Trip], driving_s: float, rules: TripRules) -> ScorePart:
    name, weight = "speeding", rules.weight_speeding
    if driving_s < rules.score_min_driving_s:
        why = f"not scored: {driving_s / 60:.0f} min of driving"
        return ScorePart(name, weight, None, None, why)
    minutes = sum(t.speeding_s for t in trips) / 60.0
    per_hour = minutes / (driving_s / 3600.0)
    score = linear_score(per_hour, rules.speeding_full_min_per_h, rules.speeding_zero_min_per_h)
    why = (
        f"{minutes:.1f} min above {rules.speeding_above_mph:g} mph in {driving_s / 3600:.1f} "
        f"driving hours = {per_hour:.2f} min per hour; {rules.speeding_full_min_per_h:g} scores "
        f"100, {rules.speeding_zero_min_per_h:g} or more 0"
    )
    return ScorePart(name, weight, round(per_hour, 3), score, why)


def _harsh_part(trips: Sequence[Trip], distance: float, rules: TripRules) -> ScorePart:
    name, weight = "harsh", rules.weight_harsh
    if distance < rules.harsh_min_distance_mi:
        why = f"not scored: {distance:.1f} mi driven, below {rules.harsh_min_distance_mi:g} mi"
        return ScorePart(name, weight, None, None, why)
    accel = sum(t.harsh_accel for t in trips)
    brake = sum(t.harsh_brake for t in trips)
    per_100 = (accel + brake) / distance * 100.0
    score = linear_score(per_100, rules.harsh_full_per_100mi, rules.harsh_zero_per_100mi)
    why = (
        f"{accel} harsh accelerations and {brake} harsh brakings in {distance:.0f} mi = "
        f"{per_100:.2f} per 100 mi; {rules.harsh_full_per_100mi:g} scores 100, "
        f"{rules.harsh_zero_per_100mi:g} or more 0"
    )
    return ScorePart(name, weight, round(per_100, 3), score, why)
