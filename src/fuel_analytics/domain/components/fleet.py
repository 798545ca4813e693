"""The fleet view: the components most at risk across trucks, and systemic problems.

Ranking, most urgent first: status rank (CRITICAL first), then days to critical (sooner
first; none last), then days to warning, then truck id and monitor key (so the order never
depends on the input order).

Systemic: a component (``ComponentHealth.component``, e.g. "cooling") that is HIGH or
CRITICAL on at least ``systemic_min_trucks`` distinct trucks (3). A truck counts once per
component even when two of its monitors share it (oil pressure and oil temperature are both
"lubrication").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from fuel_analytics.domain.components.health import ComponentHealth, HealthStatus
from fuel_analytics.domain.model import TruckId

SYSTEMIC_STATUSES = frozenset({HealthStatus.HIGH, HealthStatus.CRITICAL})


@dataclass(frozen=True, slots=True)
class SystemicIssue:
    """A component in trouble on several trucks: the trucks (sorted) and its monitors."""

    component: str
    truck_count: int
    trucks: tuple[TruckId, ...]
    monitor_keys: tuple[str, ...]
    worst: HealthStatus


@dataclass(frozen=True, slots=True)
class FleetRisk:
    items: tuple[ComponentHealth, ...]
    systemic: tuple[SystemicIssue, ...]


def _days(value: float | None) -> float:
    return math.inf if value is None else value


def urgency_key(health: ComponentHealth) -> tuple[int, float, float, str, str]:
    """Sort key: most urgent first."""
    return (
        -health.status.rank,
        _days(health.days_to_critical),
        _days(health.days_to_warning),
        health.truck_id,
        health.monitor_key,
    )


def fleet_risk(
    healths: Iterable[ComponentHealth],
    systemic_min_trucks: int = 3,
    *,
    min_status: HealthStatus = HealthStatus.OK,
) -> FleetRisk:
    """Rank the assessments (those at ``min_status`` or above) and flag systemic components."""
    items = sorted((h for h in healths if h.status.rank >= min_status.rank), key=urgency_key)
    trucks: dict[str, set[TruckId]] = {}
    monitors: dict[str, set[str]] = {}
    worst: dict[str, HealthStatus] = {}
    for health in items:
        if health.status not in SYSTEMIC_STATUSES:
            continue
        trucks.setdefault(health.component, set()).add(health.truck_id)
        monitors.setdefault(health.component, set()).add(health.monitor_key)
        known = worst.get(health.component)
        if known is None or health.status.rank > known.rank:
            worst[health.component] = health.status
    systemic = [
        SystemicIssue(
            component=component,
            truck_count=len(members),
            trucks=tuple(sorted(members)),
            monitor_keys=tuple(sorted(monitors[component])),
            worst=worst[component],
        )
        for component, members in trucks.items()
        if len(members) >= systemic_min_trucks
    ]
    systemic.sort(key=lambda s: (-s.truck_count, -s.worst.rank, s.component))
    return FleetRisk(items=tuple(items), systemic=tuple(systemic))
