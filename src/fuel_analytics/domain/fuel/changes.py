"""Pass 2: refuels and drops on the smoothed level (DOMAIN.md §4).

Works on the clean gauge (pass 1's faults removed) and its trailing median. One scan in
time order keeps two sliding windows:

- a rise: the smoothed level is ``refuel_pct`` above the lowest level of the last
  ``refuel_window_s``. The rise then runs on while new highs come within
  ``refuel_merge_s`` of the last one, so a fill reported 10 -> 40 -> 80 % is one event;
- a drop: the smoothed level is ``drop_pct`` below the highest level of the last
  ``drop_window_s`` beyond what the engine burned meanwhile plus ``drop_tolerance_pct``.
  It runs on while the unexplained loss keeps growing within ``drop_merge_s``.

A candidate is classified with the readings after it (by their timestamps): sensor noise
when the gauge is volatile before or after; a glitch when it is back within
``glitch_recover_pct`` within ``glitch_recover_s``; sensor noise again when it is back
within ``change_hold_s`` (a real change holds: the level, plus what the engine burned since,
does not return on its own); then a refuel (not moving at its start, not a small top-off)
or a theft (the truck not moving during the fall). A rise or a fall that begins while
moving is not reported. After a candidate, the scan starts afresh past it.

Before / after levels: the smoothed level at the start; after a change, the median of the
raw levels from its end (a smoothing window's worth), which is not biased by picking the
highest or lowest smoothed value.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from fuel_analytics.domain.fuel.gauge import (
    Finding,
    Gauge,
    Limits,
    minutes,
    pct,
    volatility,
)
from fuel_analytics.domain.fuel.model import FuelEventKind
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.segments import Series
from fuel_analytics.domain.fuel.smoothing import median
from fuel_analytics.domain.fuel.theft import theft_finding


@dataclass(frozen=True, slots=True)
class Track:
    """The clean gauge with its smoothed level and, per reading, the burn so far in %."""

    gauge: Gauge
    smooth: list[float]
    burned_pct: list[float]
    distance: list[float]
    fresh: list[bool]


def find_changes(track: Track, series: Series, limits: Limits, rules: FuelRules) -> list[Finding]:
    t, smooth, burned = track.gauge.t, track.smooth, track.burned_pct
    size = len(t)
    key = [s + b for s, b in zip(smooth, burned, strict=True)]
    findings: list[Finding] = []
    lows: deque[int] = deque()
    highs: deque[int] = deque()
    refuel_window, drop_window = rules.refuel_window_s, rules.drop_window_s
    rise_min = limits.refuel_pct
    fall_min = limits.drop_pct + rules.drop_tolerance_pct
    k = 0
    fresh = track.fresh
    while k < size:
        level = smooth[k]
        if fresh[k]:  # nothing is compared across a gap in the data
            lows.clear()
            highs.clear()
        while lows and smooth[lows[-1]] >= level:
            lows.pop()
        lows.append(k)
        while t[k] - t[lows[0]] > refuel_window:
            lows.popleft()
        while highs and key[highs[-1]] <= key[k]:
            highs.pop()
        highs.append(k)
        while t[k] - t[highs[0]] > drop_window:
            highs.popleft()
        resume = -1
        found: Finding | None = None
        if level - smooth[lows[0]] >= rise_min:
            found, resume = _rise(track, series, lows[0], k, limits, rules)
        elif key[highs[0]] - key[k] >= fall_min:
            found, resume = _fall(track, series, highs[0], k, limits, rules)
        if resume < 0:
            k += 1
            continue
        if found is not None:
            findings.append(found)
        lows.clear()
        highs.clear()
        k = max(resume, k + 1)
    return findings


def _departure(track: Track, j: int, e: int, direction: float, rules: FuelRules) -> int:
    """The first raw reading that left the level at ``j`` by more than ``glitch_recover_pct``
    in ``direction``: where the change really began. The trailing median lags behind the raw
    gauge, so the readings at and just before ``j`` may already have left it: the search
    goes back over them (never past a gap or the median's window)."""
    raw, fresh, before = track.gauge.raw, track.fresh, track.smooth[j]
    within = rules.glitch_recover_pct
    first = next((m for m in range(j + 1, e + 1) if (raw[m] - before) * direction > within), e)
    floor = max(0, j - rules.smoothing_window + 1)
    while (
        first - 1 >= floor and not fresh[first] and (raw[first - 1] - before) * direction > within
    ):
        first -= 1
    return first


def _noise(
    track: Track, j: int, first: int, e: int, rules: FuelRules, limits: Limits
) -> Finding | None:
    """Sensor noise when the gauge is volatile in the readings before the change began
    (up to ``first``, excluded) or from its end ``e`` on."""
    raw = track.gauge.raw
    window = rules.noise_window
    found = volatility(raw[max(0, first - window) : first], raw[e : e + window], limits, rules)
    if not found.noisy:
        return None
    before, after = track.smooth[j], track.smooth[e]
    return _finding(
        track,
        FuelEventKind.SENSOR_NOISE,
        j,
        e,
        rules.noise_confidence,
        f"the smoothed level moved {pct(before)} -> {pct(after)} but the gauge is flapping: "
        f"{found.words(rules)}; {limits.gallons(after - before):.1f} gal is not a real change",
    )


def _comes_back(track: Track, j: int, first: int, limit_s: float, rules: FuelRules) -> int | None:
    """The first reading after ``first`` (no later than ``limit_s`` after it) whose level,
    plus what the engine burned since ``j``, is back within ``glitch_recover_pct`` of the
    level at ``j``, confirmed by the next reading."""
    t, raw, burned = track.gauge.t, track.gauge.raw, track.burned_pct
    before, base = track.smooth[j], burned[j]
    within = rules.glitch_recover_pct
    size = len(t)
    m = first + 1
    while m < size and t[m] - t[first] <= limit_s:
        if abs(raw[m] + burned[m] - base - before) <= within and (
            m + 1 >= size or abs(raw[m + 1] + burned[m + 1] - base - before) <= within
        ):
            return m
        m += 1
    return None


def _reverts(
    track: Track, j: int, e: int, direction: float, rules: FuelRules
) -> tuple[Finding, int] | None:
    """A change that does not hold: back within ``glitch_recover_s`` is a glitch; back
    within ``change_hold_s`` (with no refuel or drop to explain it) is the gauge wandering."""
    gauge, smooth = track.gauge, track.smooth
    before = smooth[j]
    first = _departure(track, j, e, direction, rules)
    back = _comes_back(track, j, first, max(rules.glitch_recover_s, rules.change_hold_s), rules)
    if back is None:
        return None
    lasted = gauge.t[back] - gauge.t[first]
    if lasted <= rules.glitch_recover_s:
        kind, confidence = FuelEventKind.SENSOR_GLITCH, rules.glitch_confidence
        why = f"(limit {minutes(rules.glitch_recover_s)}): a sensor glitch"
    else:
        kind, confidence = FuelEventKind.SENSOR_NOISE, rules.noise_confidence
        why = (
            f"with nothing to explain it (a change must hold {minutes(rules.change_hold_s)}): "
            f"the gauge wandered, nothing was lost or added"
        )
    finding = _finding(
        track,
        kind,
        j,
        back,
        confidence,
        f"the level went {pct(before)} -> {pct(smooth[e])} and was back within "
        f"{pct(rules.glitch_recover_pct)} of it {minutes(lasted)} later {why}",
        after=smooth[e],
    )
    return finding, back


def _rise(
    track: Track, series: Series, j: int, k: int, limits: Limits, rules: FuelRules
) -> tuple[Finding | None, int]:
    t, smooth = track.gauge.t, track.smooth
    size = len(t)
    peak = k
    m = k + 1
    while m < size and t[m] - t[peak] <= rules.refuel_merge_s:
        if smooth[m] > smooth[peak]:
            peak = m
        m += 1
    first = _departure(track, j, peak, 1.0, rules)
    j = min(j, max(0, first - 1))  # the last reading before the level left
    noise = _noise(track, j, first, peak, rules, limits)
    if noise is not None:
        return noise, peak + 1
    glitch = _reverts(track, j, peak, 1.0, rules)
    if glitch is not None:
        return glitch
    before = smooth[j]
    after = _settled(track, peak, rules)
    speed = series.speed[track.gauge.at[first]]
    if speed is not None and speed > rules.refuel_max_start_speed_mph:
        return None, peak + 1
    gallons = limits.gallons(after - before)
    if after > rules.topoff_above_pct and gallons < rules.topoff_max_gal:
        return None, peak + 1
    if speed is None:
        confidence, still = rules.refuel_confidence_unknown_speed, "speed unknown"
    else:
        confidence, still = rules.refuel_confidence, f"{speed:.0f} mph"
    finding = _finding(
        track,
        FuelEventKind.REFUEL,
        j,
        peak,
        confidence,
        f"the level rose {pct(before)} -> {pct(after)} ({gallons:.1f} gal) in "
        f"{minutes(t[peak] - t[j])} with the truck stopped ({still}) when it began; rises "
        f"less than {minutes(rules.refuel_merge_s)} apart count as one fill",
        before=before,
        after=after,
    )
    return finding, peak + 1


def _fall(
    track: Track, series: Series, j: int, k: int, limits: Limits, rules: FuelRules
) -> tuple[Finding | None, int]:
    t, smooth, burned = track.gauge.t, track.smooth, track.burned_pct
    size = len(t)
    low = k
    m = k + 1
    while m < size and t[m] - t[low] <= rules.drop_merge_s:
        if smooth[m] + burned[m] < smooth[low] + burned[low]:
            low = m
        m += 1
    first = _departure(track, j, low, -1.0, rules)
    j = min(j, max(0, first - 1))  # the last reading before the level left
    key_j = smooth[j] + burned[j]
    noise = _noise(track, j, first, low, rules, limits)
    if noise is not None:
        return noise, low + 1
    glitch = _reverts(track, j, low, -1.0, rules)
    if glitch is not None:
        return glitch
    before = smooth[j]
    unexplained = key_j - smooth[low] - burned[low]
    found = theft_finding(
        track.gauge,
        series,
        track.distance,
        j=j,
        first=first,
        low=low,
        before=before,
        after=_settled(track, low, rules),
        burned_pct=burned[low] - burned[j],
        unexplained_pct=unexplained,
        limits=limits,
        rules=rules,
    )
    return found, low + 1


def _settled(track: Track, e: int, rules: FuelRules) -> float:
    """The level a change settled at: the median of a smoothing window's worth of raw levels
    from ``e`` on, within its segment. Unlike the highest or lowest of the noisy smoothed
    values it is not biased by the choice."""
    raw, fresh = track.gauge.raw, track.fresh
    end = e + 1
    while end < len(raw) and end - e < rules.smoothing_window and not fresh[end]:
        end += 1
    return median(raw[e:end])


def _finding(
    track: Track,
    kind: FuelEventKind,
    j: int,
    e: int,
    confidence: float,
    reason: str,
    *,
    before: float | None = None,
    after: float | None = None,
) -> Finding:
    gauge = track.gauge
    return Finding(
        kind=kind,
        start=gauge.t[j],
        end=gauge.t[e],
        start_at=gauge.at[j],
        end_at=gauge.at[e],
        before=track.smooth[j] if before is None else before,
        after=track.smooth[e] if after is None else after,
        confidence=confidence,
        reason=reason,
    )
