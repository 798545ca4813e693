"""Refuels, drops and sensor faults of one truck, from its readings (DOMAIN.md §4).

Runs pass 1 (:mod:`transients`) on the raw gauge, smooths what is left, runs pass 2
(:mod:`changes`), merges neighbouring noise into one episode and dresses every finding as
a :class:`FuelEvent` with its evidence and location.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from fuel_analytics.domain.fuel.changes import Track, find_changes
from fuel_analytics.domain.fuel.consumption import Intervals
from fuel_analytics.domain.fuel.gauge import Finding, Gauge, Limits, gauge_of
from fuel_analytics.domain.fuel.model import EvidencePoint, FuelEvent, FuelEventKind
from fuel_analytics.domain.fuel.noise import find_noise
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.segments import Series, to_datetime
from fuel_analytics.domain.fuel.smoothing import trailing_median
from fuel_analytics.domain.fuel.theft import known_near
from fuel_analytics.domain.fuel.transients import find_transients

EVIDENCE_CONTEXT = 2  # readings shown either side of an event


@dataclass(frozen=True, slots=True)
class Detection:
    """Events in time order, and the clean smoothed level the rest of the analysis uses."""

    events: tuple[FuelEvent, ...]
    track: Track


def detect_events(
    series: Series, intervals: Intervals, capacity_gal: float, rules: FuelRules
) -> Detection:
    limits = Limits.of(capacity_gal, rules)
    gauge = gauge_of(series)
    transients = find_transients(gauge, limits, rules)
    clean = gauge.subset([not f for f in transients.fault])
    fresh = clean.breaks(rules.segment_gap_s)
    smooth = trailing_median(clean.raw, rules.smoothing_window, fresh)
    to_pct = 100.0 / limits.capacity_gal
    burned = [intervals.burn_cum[i] * to_pct for i in clean.at]
    track = Track(
        gauge=clean, smooth=smooth, burned_pct=burned, distance=intervals.distance, fresh=fresh
    )
    findings = transients.findings + find_changes(track, series, limits, rules)
    busy = [(f.start, f.end) for f in findings if f.kind is not FuelEventKind.SENSOR_NOISE]
    findings += find_noise(track, busy, limits, rules)
    findings.sort(key=lambda f: (f.start, f.end, f.kind))
    merged = merge_noise(findings, rules)
    smoothed_at = dict(zip(clean.at, smooth, strict=True))
    events = tuple(_event(series, gauge, smoothed_at, f, limits, rules) for f in merged)
    return Detection(events=events, track=track)


def merge_noise(findings: Sequence[Finding], rules: FuelRules) -> list[Finding]:
    """Neighbouring SENSOR_NOISE findings (no more than ``noise_merge_s`` apart, nothing else
    between them) are one episode of a flapping sensor."""
    out: list[Finding] = []
    noise = FuelEventKind.SENSOR_NOISE
    for finding in findings:
        last = out[-1] if out else None
        if (
            last is not None
            and finding.kind is noise
            and last.kind is noise
            and finding.start - last.end <= rules.noise_merge_s
        ):
            end_first = finding.end >= last.end
            out[-1] = Finding(
                kind=noise,
                start=last.start,
                end=max(last.end, finding.end),
                start_at=last.start_at,
                end_at=finding.end_at if end_first else last.end_at,
                before=last.before,
                after=finding.after if end_first else last.after,
                confidence=max(last.confidence, finding.confidence),
                reason=last.reason
                if last.reason.startswith("episode")
                else ("episode of a flapping sensor: " + last.reason),
            )
            continue
        out.append(finding)
    return out


def _evidence(
    series: Series,
    gauge: Gauge,
    smoothed_at: dict[int, float],
    start: float,
    end: float,
    rules: FuelRules,
) -> tuple[EvidencePoint, ...]:
    lo = max(0, bisect_left(gauge.t, start) - EVIDENCE_CONTEXT)
    hi = min(len(gauge), bisect_right(gauge.t, end) + EVIDENCE_CONTEXT)
    chosen = list(range(lo, hi))
    most = max(2, rules.evidence_max_points)
    if len(chosen) > most:
        step = (len(chosen) - 1) / (most - 1)
        chosen = sorted({chosen[round(n * step)] for n in range(most)})
    points: list[EvidencePoint] = []
    for k in chosen:
        i = gauge.at[k]
        points.append(
            EvidencePoint(
                ts=to_datetime(gauge.t[k]),
                level_pct=gauge.raw[k],
                smoothed_pct=smoothed_at.get(i),
                speed_mph=series.speed[i],
            )
        )
    return tuple(points)


def _event(
    series: Series,
    gauge: Gauge,
    smoothed_at: dict[int, float],
    finding: Finding,
    limits: Limits,
    rules: FuelRules,
) -> FuelEvent:
    a, b = finding.start_at, finding.end_at
    return FuelEvent(
        truck_id=series.truck_id,
        kind=finding.kind,
        start=to_datetime(finding.start),
        end=to_datetime(finding.end),
        level_before_pct=round(finding.before, 3),
        level_after_pct=round(finding.after, 3),
        gallons=round(limits.gallons(finding.after - finding.before), 3),
        lat=known_near(series.lat, a, b),
        lon=known_near(series.lon, a, b),
        confidence=round(finding.confidence, 3),
        evidence=_evidence(series, gauge, smoothed_at, finding.start, finding.end, rules),
        reason=finding.reason,
    )
