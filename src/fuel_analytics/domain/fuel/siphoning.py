"""Slow siphoning: small losses night after night that no single drop reveals (DOMAIN.md §4).

Per day, unexplained loss = level-based use - (distance / baseline MPG + idle fuel), where
idle fuel is the day's idle gallons: measured when the truck reports it, else idle hours x
``idle_default_gph`` (the day's ``idle_fuel_gal`` is exactly that). A day is suspicious when
its loss is over ``siphon_day_pct`` of the tank; ``siphon_min_days`` or more consecutive
suspicious days totalling ``siphon_min_gal`` or more make one SIPHONING event spanning them.
A day without a level-based use (no levels) or, having moved, without a distance, breaks
the run, and so does a missing day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fuel_analytics.domain.fuel.model import DailyFuel, EvidencePoint, FuelEvent, FuelEventKind
from fuel_analytics.domain.fuel.rules import FuelRules, rules_for
from fuel_analytics.domain.model import Truck

ONE_DAY = timedelta(days=1)


def unexplained_loss(day: DailyFuel, truck: Truck) -> float | None:
    """Gallons the level lost that driving and idling do not explain, or None."""
    if day.level_use_gal is None:
        return None
    distance = day.distance_mi
    if distance is None:
        if day.moving_hours > 0:
            return None
        distance = 0.0
    driving = distance / truck.baseline_mpg if truck.baseline_mpg > 0 else 0.0
    return day.level_use_gal - (driving + day.idle_fuel_gal)


def detect_siphoning(truck: Truck, days: Sequence[DailyFuel], rules: FuelRules) -> list[FuelEvent]:
    rules = rules_for(truck, rules)
    threshold = rules.siphon_day_pct / 100.0 * truck.tank_capacity_gal
    ordered = sorted(
        (d for d in days if d.truck_id == truck.truck_id), key=lambda d: (d.day, d.start)
    )
    events: list[FuelEvent] = []
    run: list[tuple[DailyFuel, float]] = []
    for day in ordered:
        loss = unexplained_loss(day, truck)
        follows = bool(run) and day.day == run[-1][0].day + ONE_DAY
        if loss is not None and loss > threshold:
            if not follows:
                _close(truck, run, rules, events)
                run = []
            run.append((day, loss))
        else:
            _close(truck, run, rules, events)
            run = []
    _close(truck, run, rules, events)
    return events


def _close(
    truck: Truck,
    run: list[tuple[DailyFuel, float]],
    rules: FuelRules,
    events: list[FuelEvent],
) -> None:
    total = sum(loss for _, loss in run)
    if len(run) < rules.siphon_min_days or total < rules.siphon_min_gal:
        return
    first, last = run[0][0], run[-1][0]
    extra_days = len(run) - rules.siphon_min_days
    confidence = (
        rules.siphon_confidence_base
        + rules.siphon_confidence_per_day * extra_days
        + rules.siphon_confidence_size * min(1.0, total / (2 * rules.siphon_min_gal))
    )
    points: list[EvidencePoint] = []
    for day, _ in run:
        for ts, level in ((day.start, day.start_level_pct), (day.end, day.end_level_pct)):
            if level is not None:
                points.append(
                    EvidencePoint(ts=ts, level_pct=level, smoothed_pct=level, speed_mph=None)
                )
    losses = ", ".join(f"{day.day.isoformat()}: {loss:.1f} gal" for day, loss in run)
    capacity = truck.tank_capacity_gal
    events.append(
        FuelEvent(
            truck_id=truck.truck_id,
            kind=FuelEventKind.SIPHONING,
            start=first.start,
            end=last.end,
            level_before_pct=first.start_level_pct if first.start_level_pct is not None else 0.0,
            level_after_pct=last.end_level_pct if last.end_level_pct is not None else 0.0,
            gallons=round(total, 3),
            lat=None,
            lon=None,
            confidence=round(min(1.0, confidence), 3),
            evidence=tuple(points),
            reason=(
                f"{len(run)} consecutive days each lost more than "
                f"{rules.siphon_day_pct:.1f} % of the {capacity:.0f} gal tank "
                f"({rules.siphon_day_pct / 100 * capacity:.1f} gal) beyond distance / baseline "
                f"MPG and idle fuel, {total:.1f} gal in all ({losses}); gallons here are that "
                f"unexplained total, not the level change"
            ),
        )
    )
