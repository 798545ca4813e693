"""A truck's fuel over a period: distance, fuel, MPG and its band, idle, events, cost.

MPG is total moving distance / total moving fuel (distance-weighted, never a mean of daily
ratios). Cost per mile (DOMAIN.md §7) = gallons x price / miles; nothing is invented when
miles or gallons are missing: the value is None and the reason says why. The price is the
caller's, else the truck's, else the flat ``fuel_price_per_gal`` of the rules.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fuel_analytics.domain.fuel.model import DailyFuel, FuelEvent, FuelEventKind, Source
from fuel_analytics.domain.fuel.rules import FuelRules, rules_for
from fuel_analytics.domain.model import Truck, TruckId


class MpgBand(enum.StrEnum):
    GOOD = "GOOD"
    NORMAL = "NORMAL"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


@dataclass(frozen=True, slots=True)
class PeriodFuel:
    """Sums over the days given; ``None`` (with a reason) where data is missing."""

    truck_id: TruckId
    days: int
    distance_mi: float | None
    distance_source: Source
    distance_reason: str | None
    fuel_used_gal: float | None
    fuel_source: Source
    fuel_source_note: str
    fuel_reason: str | None
    moving_distance_mi: float
    moving_fuel_gal: float
    mpg: float | None
    mpg_reason: str | None
    mpg_suspect: bool
    baseline_mpg: float
    mpg_deviation_pct: float | None
    mpg_band: MpgBand | None
    idle_hours: float
    engine_on_hours: float
    idle_fuel_gal: float
    idle_fuel_source: Source
    idle_pct: float | None
    idle_cost: float
    refuel_count: int
    refuel_gal: float
    drops_by_kind: Mapping[FuelEventKind, int]
    theft_gal: float
    siphon_gal: float
    unexplained_gal: float | None
    data_quality_issues: int
    price_per_gal: float
    fuel_cost: float | None
    cost_per_mile: float | None
    cost_reason: str | None


def mpg_band(deviation_pct: float, rules: FuelRules) -> MpgBand:
    """Deviation from baseline: >= 0 GOOD, >= -12.5 % NORMAL, >= -25 % WARNING, else CRITICAL."""
    if deviation_pct >= rules.mpg_band_good_pct:
        return MpgBand.GOOD
    if deviation_pct >= rules.mpg_band_normal_pct:
        return MpgBand.NORMAL
    if deviation_pct >= rules.mpg_band_warning_pct:
        return MpgBand.WARNING
    return MpgBand.CRITICAL


def _weights(days: Sequence[DailyFuel], pick: str, amount: str) -> tuple[Source, str]:
    """The dominant source by volume, and a note naming every source used."""
    totals: dict[Source, float] = {}
    for day in days:
        source: Source = getattr(day, pick)
        value = getattr(day, amount)
        if source is Source.NONE or value is None:
            continue
        totals[source] = totals.get(source, 0.0) + abs(float(value)) + 1e-9
    if not totals:
        return Source.NONE, "no source: no data"
    order = list(Source)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
    everything = sum(totals.values())
    parts = ", ".join(f"{s.value} {v / everything:.0%}" for s, v in ranked)
    return ranked[0][0], f"mostly {ranked[0][0].value} ({parts})"


def summarize_period(
    truck: Truck,
    days: Sequence[DailyFuel],
    events: Sequence[FuelEvent],
    rules: FuelRules,
    *,
    price_per_gal: float | None = None,
) -> PeriodFuel:
    rules = rules_for(truck, rules)
    days = [d for d in days if d.truck_id == truck.truck_id]
    events = [e for e in events if e.truck_id == truck.truck_id]
    price = price_per_gal
    if price is None:
        price = truck.fuel_price_per_gal
    if price is None:
        price = rules.fuel_price_per_gal

    known_distance = [d.distance_mi for d in days if d.distance_mi is not None]
    distance = sum(known_distance) if known_distance else None
    distance_reason = None if distance is not None else "no odometer or speed data"
    distance_source, _ = _weights(days, "distance_source", "distance_mi")
    known_fuel = [d.fuel_used_gal for d in days if d.fuel_used_gal is not None]
    fuel = sum(known_fuel) if known_fuel else None
    fuel_reason = None if fuel is not None else "no fuel counter, fuel rate or level data"
    fuel_source, fuel_note = _weights(days, "fuel_source", "fuel_used_gal")
    if not days:
        distance_reason = fuel_reason = "no readings in the period"

    moving_distance = sum(d.moving_distance_mi for d in days)
    moving_fuel = sum(d.moving_fuel_gal for d in days)
    mpg: float | None = None
    mpg_reason: str | None = None
    if moving_distance < rules.mpg_min_distance_mi:
        mpg_reason = (
            f"distance < {rules.mpg_min_distance_mi:g} mi "
            f"({moving_distance:.1f} mi driven with fuel data)"
        )
    elif moving_fuel < rules.mpg_min_fuel_gal:
        mpg_reason = f"fuel < {rules.mpg_min_fuel_gal:g} gal ({moving_fuel:.2f} gal while moving)"
    else:
        mpg = moving_distance / moving_fuel
    suspect = mpg is not None and not rules.mpg_suspect_low <= mpg <= rules.mpg_suspect_high
    deviation = band = None
    if mpg is not None and truck.baseline_mpg > 0:
        deviation = (mpg - truck.baseline_mpg) / truck.baseline_mpg * 100.0
        band = mpg_band(deviation, rules)

    idle_hours = sum(d.idle_hours for d in days)
    engine_hours = sum(d.engine_on_hours for d in days)
    idle_fuel = sum(d.idle_fuel_gal for d in days)
    idle_source, _ = _weights(days, "idle_fuel_source", "idle_fuel_gal")

    counts: dict[FuelEventKind, int] = {
        kind: 0 for kind in FuelEventKind if kind is not FuelEventKind.REFUEL
    }
    refuels = [e for e in events if e.kind is FuelEventKind.REFUEL]
    for event in events:
        if event.kind is not FuelEventKind.REFUEL:
            counts[event.kind] += 1
    theft = sum(e.gallons for e in events if e.kind is FuelEventKind.THEFT_SUSPECTED)
    siphon = sum(e.gallons for e in events if e.kind is FuelEventKind.SIPHONING)
    balances = [d.unexplained_gal for d in days if d.unexplained_gal is not None]

    fuel_cost = None if fuel is None else fuel * price
    cost_per_mile: float | None = None
    cost_reason: str | None = None
    if fuel is None:
        cost_reason = "no fuel data: gallons unknown"
    elif distance is None:
        cost_reason = "no distance data: miles unknown"
    elif distance < rules.mpg_min_distance_mi:
        cost_reason = f"distance < {rules.mpg_min_distance_mi:g} mi"
    else:
        cost_per_mile = fuel * price / distance
    return PeriodFuel(
        truck_id=truck.truck_id,
        days=len(days),
        distance_mi=_r(distance),
        distance_source=distance_source,
        distance_reason=distance_reason,
        fuel_used_gal=_r(fuel),
        fuel_source=fuel_source,
        fuel_source_note=fuel_note,
        fuel_reason=fuel_reason,
        moving_distance_mi=round(moving_distance, 3),
        moving_fuel_gal=round(moving_fuel, 3),
        mpg=_r(mpg),
        mpg_reason=mpg_reason,
        mpg_suspect=suspect,
        baseline_mpg=truck.baseline_mpg,
        mpg_deviation_pct=_r(deviation),
        mpg_band=band,
        idle_hours=round(idle_hours, 3),
        engine_on_hours=round(engine_hours, 3),
        idle_fuel_gal=round(idle_fuel, 3),
        idle_fuel_source=idle_source,
        idle_pct=_r(idle_hours / engine_hours * 100.0) if engine_hours > 0 else None,
        idle_cost=round(idle_fuel * price, 2),
        refuel_count=len(refuels),
        refuel_gal=round(sum(e.gallons for e in refuels), 3),
        drops_by_kind=counts,
        theft_gal=round(theft, 3),
        siphon_gal=round(siphon, 3),
        unexplained_gal=_r(sum(balances)) if balances else None,
        data_quality_issues=sum(d.data_quality_issues for d in days),
        price_per_gal=price,
        fuel_cost=None if fuel_cost is None else round(fuel_cost, 2),
        cost_per_mile=_r(cost_per_mile),
        cost_reason=cost_reason,
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
