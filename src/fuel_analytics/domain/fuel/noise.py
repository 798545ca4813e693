"""Flapping gauges found on their own, not only when they fake a refuel or a drop.

A window of ``noise_window`` consecutive clean levels inside one segment (no gap) that
overlaps no other event is volatile when the standard deviation of its levels, estimated
from consecutive differences (std of the differences / sqrt 2, which a real step or a
steady burn barely moves but a flapping gauge inflates), is over ``noise_volatility_pct``,
or when it holds ``noise_jumps`` jumps of a drop's size between consecutive readings.
Runs of volatile windows are SENSOR_NOISE findings (merged later with their neighbours).
Sliding sums keep this linear in the number of readings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fuel_analytics.domain.fuel.changes import Track
from fuel_analytics.domain.fuel.gauge import Finding, Limits, pct
from fuel_analytics.domain.fuel.model import FuelEventKind
from fuel_analytics.domain.fuel.rules import FuelRules


def find_noise(
    track: Track, busy: Sequence[tuple[float, float]], limits: Limits, rules: FuelRules
) -> list[Finding]:
    gauge, fresh = track.gauge, track.fresh
    t, raw = gauge.t, gauge.raw
    size, window = len(t), rules.noise_window
    if size < window or window < 2:
        return []
    step = [0.0 if k == 0 or fresh[k] else raw[k] - raw[k - 1] for k in range(size)]
    jump = [abs(d) >= limits.drop_pct for d in step]
    pairs = window - 1
    spans = sorted(busy)
    findings: list[Finding] = []
    total = squares = 0.0
    jumps = 0
    gap_at = -1  # the latest reading that starts a segment
    run_start = -1
    run_spread, run_jumps = 0.0, 0
    cursor = 0
    for k in range(size):
        total += step[k]
        squares += step[k] * step[k]
        jumps += jump[k]
        if fresh[k]:
            gap_at = k
        lo = k - window + 1
        if lo > 0:  # the pair (lo - 1, lo) leaves the window
            total -= step[lo]
            squares -= step[lo] * step[lo]
            jumps -= jump[lo]
        volatile = False
        if lo >= 0 and gap_at <= lo:
            while cursor < len(spans) and spans[cursor][1] < t[lo]:
                cursor += 1
            clear = cursor >= len(spans) or spans[cursor][0] > t[k]
            if clear:
                mean = total / pairs
                spread = math.sqrt(max(0.0, squares / pairs - mean * mean) / 2.0)
                volatile = spread > rules.noise_volatility_pct or jumps >= rules.noise_jumps
        if volatile:
            if run_start < 0:
                run_start = lo
                run_spread, run_jumps = 0.0, 0
            run_spread, run_jumps = max(run_spread, spread), max(run_jumps, jumps)
            run_end = k
        elif run_start >= 0:
            findings.append(_episode(track, run_start, run_end, run_spread, run_jumps, rules))
            run_start = -1
    if run_start >= 0:
        findings.append(_episode(track, run_start, size - 1, run_spread, run_jumps, rules))
    return findings


def _episode(track: Track, a: int, b: int, spread: float, jumps: int, rules: FuelRules) -> Finding:
    gauge = track.gauge
    return Finding(
        kind=FuelEventKind.SENSOR_NOISE,
        start=gauge.t[a],
        end=gauge.t[b],
        start_at=gauge.at[a],
        end_at=gauge.at[b],
        before=track.smooth[a],
        after=track.smooth[b],
        confidence=rules.noise_confidence,
        reason=(
            f"the gauge is flapping: over {rules.noise_window} readings its levels vary with a "
            f"standard deviation up to {pct(spread)} (limit {pct(rules.noise_volatility_pct)}) "
            f"and jump by a drop's size up to {jumps} time(s) (limit {rules.noise_jumps - 1}); "
            f"no fuel moved"
        ),
    )
