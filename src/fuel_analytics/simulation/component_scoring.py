"""Predictive maintenance against the simulator's ground truth: how many days before a
degrading component crosses critical it is flagged HIGH or worse, whether healthy trucks
stay OK, and whether a stuck sensor is reported as one."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fuel_analytics.domain.components import (
    DAY,
    DEFAULT_HEALTH,
    ComponentHealth,
    ComponentMonitor,
    HealthStatus,
    NelsonRule,
    assess_history,
    history_days,
    monitors_for,
)
from fuel_analytics.domain.components.buckets import aggregate_samples, bucket_start, samples
from fuel_analytics.domain.model import Reading, Truck, TruckId
from fuel_analytics.simulation.fleet import SimulatedFleet

# truth kind -> monitor key
DEGRADATIONS = {
    "COOLANT_CREEP": "coolant_temp_f",
    "BATTERY_WEAK": "battery_voltage.engine_off",
    "OIL_PRESSURE_FALL": "oil_pressure_psi",
}
REQUIRED_LEAD = timedelta(days=7)
STEP = timedelta(hours=6)


class MonitorSeries:
    """One monitor's samples, assessed at any instant from what was known by then."""

    def __init__(self, truck_id: TruckId, monitor: ComponentMonitor, readings: Sequence[Reading]):
        self.truck_id, self.monitor = truck_id, monitor
        self.series = samples(monitor, readings)
        self.times = [ts for ts, _ in self.series]

    def assess(self, now: datetime) -> ComponentHealth:
        rules = DEFAULT_HEALTH
        upto = bisect.bisect_right(self.times, now)
        oldest = bucket_start(now, DAY) - history_days(rules) * DAY
        since = bisect.bisect_left(self.times, oldest)
        daily = aggregate_samples(self.monitor.key, self.series[since:upto], DAY)
        flat = bisect.bisect_right(self.times, now - rules.flat_window)
        recent_raw = [value for _, value in self.series[flat:upto]]
        latest_ts, latest_value = self.series[upto - 1] if upto else (None, None)
        return assess_history(
            self.truck_id, self.monitor, daily, recent_raw, latest_value, latest_ts, now, rules
        )


@dataclass(frozen=True, slots=True)
class LeadTime:
    truck_id: TruckId
    kind: str
    monitor_key: str
    critical_at: datetime
    flagged_at: datetime | None  # from then on HIGH or worse until critical_at

    @property
    def lead_days(self) -> float | None:
        if self.flagged_at is None:
            return None
        return (self.critical_at - self.flagged_at).total_seconds() / 86400.0

    @property
    def in_time(self) -> bool:
        return self.lead_days is not None and self.lead_days >= REQUIRED_LEAD.days


@dataclass(frozen=True, slots=True)
class ComponentEvaluation:
    leads: tuple[LeadTime, ...]
    healthy_monitors: int
    healthy_ok: int
    healthy_not_ok: tuple[ComponentHealth, ...]
    stuck_found: int
    stuck_total: int


def _series(fleet: SimulatedFleet, truck: Truck, key: str) -> MonitorSeries:
    monitor = next(m for m in monitors_for(truck) if m.key == key)
    return MonitorSeries(truck.truck_id, monitor, list(fleet.readings(truck.truck_id)))


def _lead(series: MonitorSeries, kind: str, start: datetime, critical_at: datetime) -> LeadTime:
    flagged_at: datetime | None = None
    now = start + timedelta(days=5)
    while now < critical_at:
        urgent = series.assess(now).status.rank >= HealthStatus.HIGH.rank
        flagged_at = (flagged_at or now) if urgent else None
        now += STEP
    return LeadTime(series.truck_id, kind, series.monitor.key, critical_at, flagged_at)


def _stuck_seen(series: MonitorSeries, start: datetime, end: datetime) -> bool:
    """Reported as stuck (flat line or rule 7) at some hour while stuck or the day after."""
    now = start
    while now <= end:
        spc_result = series.assess(now).spc
        if spc_result is not None and (
            spc_result.flat_line or NelsonRule.RULE_7 in spc_result.fired
        ):
            return True
        now += timedelta(hours=1)
    return False


def evaluate_components(fleet: SimulatedFleet) -> ComponentEvaluation:
    trucks = {t.truck_id: t for t in fleet.trucks}
    start, end = fleet.config.period()
    leads = []
    for event in fleet.truth.events:
        key = DEGRADATIONS.get(event.kind)
        critical_at = event.detail.get("critical_at")
        if key is None or not isinstance(critical_at, datetime) or critical_at > end:
            continue
        series = _series(fleet, trucks[event.truck_id], key)
        leads.append(_lead(series, event.kind, start, critical_at))
    healthy = [t for t, tt in fleet.truth.per_truck.items() if tt.scenarios == ("healthy",)]
    assessed = []
    for truck_id in healthy:
        readings = list(fleet.readings(truck_id))
        for monitor in monitors_for(trucks[truck_id]):
            assessed.append(MonitorSeries(truck_id, monitor, readings).assess(end))
    not_ok = tuple(h for h in assessed if h.status is not HealthStatus.OK)
    stuck = fleet.truth.events_of("STUCK_SENSOR")
    found = 0
    for event in stuck:
        series = _series(fleet, trucks[event.truck_id], str(event.detail.get("sensor")))
        found += _stuck_seen(series, event.start, event.end + DAY)
    return ComponentEvaluation(
        tuple(leads), len(assessed), len(assessed) - len(not_ok), not_ok, found, len(stuck)
    )


def component_report(ev: ComponentEvaluation) -> str:
    lines = [f"{'truck':<10}{'degradation':<20}{'monitor':<28}{'critical at':<18}{'lead days':>10}"]
    for lead in ev.leads:
        days = "never" if lead.lead_days is None else f"{lead.lead_days:.1f}"
        lines.append(
            f"{lead.truck_id:<10}{lead.kind:<20}{lead.monitor_key:<28}"
            f"{lead.critical_at:%Y-%m-%d %H:%M} {days:>10}{'' if lead.in_time else '  LATE'}"
        )
    lines += [
        "",
        f"flagged HIGH or worse >= 7 days before critical: "
        f"{sum(lead.in_time for lead in ev.leads)}/{len(ev.leads)}",
        f"healthy trucks' monitors OK at the end: {ev.healthy_ok}/{ev.healthy_monitors}",
    ]
    lines += [
        f"  not OK: {h.truck_id} {h.monitor_key} {h.status}: {h.reason}" for h in ev.healthy_not_ok
    ]
    lines.append(f"stuck sensors reported (flat line / rule 7): {ev.stuck_found}/{ev.stuck_total}")
    return "\n".join(lines)
