"""The fuel gauge's readings and what both detection passes share.

Pass 1 (:mod:`transients`) works on every raw level and sets aside samples that leave the
recent level and come back (glitches, disconnects, flapping). Pass 2 (:mod:`changes`) works
on the remaining ("clean") levels and their trailing median: refuels and drops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from fuel_analytics.domain.fuel.model import FuelEventKind
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.segments import Series
from fuel_analytics.domain.fuel.smoothing import std_dev


@dataclass(frozen=True, slots=True)
class Gauge:
    """Fuel-level readings in time order: ``at[k]`` is the reading's index in the series."""

    at: list[int]
    t: list[float]
    raw: list[float]

    def __len__(self) -> int:
        return len(self.t)

    def breaks(self, gap_s: float) -> list[bool]:
        """True where a reading follows the previous one by more than ``gap_s``."""
        t = self.t
        return [k == 0 or t[k] - t[k - 1] > gap_s for k in range(len(t))]

    def subset(self, keep: Sequence[bool]) -> Gauge:
        chosen = [k for k, ok in enumerate(keep) if ok]
        return Gauge(
            at=[self.at[k] for k in chosen],
            t=[self.t[k] for k in chosen],
            raw=[self.raw[k] for k in chosen],
        )


def gauge_of(series: Series) -> Gauge:
    at = [i for i, level in enumerate(series.level) if level is not None]
    raw: list[float] = []
    for i in at:
        level = series.level[i]
        assert level is not None
        raw.append(level)
    return Gauge(at=at, t=[series.t[i] for i in at], raw=raw)


@dataclass(frozen=True, slots=True)
class Limits:
    """The rules in this truck's terms: thresholds as % of its tank."""

    capacity_gal: float
    refuel_pct: float
    drop_pct: float

    @classmethod
    def of(cls, capacity_gal: float, rules: FuelRules) -> Limits:
        capacity = capacity_gal if capacity_gal > 0 else 1.0
        return cls(
            capacity_gal=capacity,
            refuel_pct=max(rules.refuel_min_pct, rules.refuel_min_gal / capacity * 100.0),
            drop_pct=max(rules.drop_min_pct, rules.drop_min_gal / capacity * 100.0),
        )

    def gallons(self, pct: float) -> float:
        return abs(pct) * self.capacity_gal / 100.0


@dataclass(frozen=True, slots=True)
class Finding:
    """A detected event before it is dressed with evidence and a location."""

    kind: FuelEventKind
    start: float
    end: float
    start_at: int
    end_at: int
    before: float
    after: float
    confidence: float
    reason: str


def find_return(
    gauge: Gauge, before: float, first: int, *, limit_s: float, within_pct: float
) -> int | None:
    """The first reading after ``first`` that is back within ``within_pct`` of ``before``
    no later than ``limit_s`` after ``first``, confirmed by the reading after it (when there
    is one): one good sample alone does not make a recovery."""
    t, raw = gauge.t, gauge.raw
    size = len(raw)
    m = first + 1
    t0 = t[first]
    while m < size and t[m] - t0 <= limit_s:
        if abs(raw[m] - before) <= within_pct and (
            m + 1 >= size or abs(raw[m + 1] - before) <= within_pct
        ):
            return m
        m += 1
    return None


@dataclass(frozen=True, slots=True)
class Volatility:
    """How far the gauge can be trusted around an event: the larger standard deviation of
    the ``noise_window`` levels before and after it, and the most sample-to-sample jumps of
    at least a drop's size in either window."""

    spread: float
    jumps: int
    noisy: bool

    def words(self, rules: FuelRules) -> str:
        return (
            f"its levels vary with a standard deviation of {pct(self.spread)} (limit "
            f"{pct(rules.noise_volatility_pct)}) and jump by a drop's size "
            f"{self.jumps} time(s) in {rules.noise_window} readings (limit {rules.noise_jumps - 1})"
        )


def volatility(
    before: Sequence[float], after: Sequence[float], limits: Limits, rules: FuelRules
) -> Volatility:
    """Is the sensor too volatile to trust (DOMAIN.md §4)? Noisy when the standard deviation
    of the last ``noise_window`` levels before the event, or of the first ones after it, is
    over ``noise_volatility_pct``; or when either window holds ``noise_jumps`` or more jumps
    of ``drop_pct`` between consecutive readings (a flapping gauge clipped at a full or empty
    tank has a smaller deviation than its flaps). The event's own readings are left out."""
    window, least = rules.noise_window, rules.noise_min_samples
    spread = 0.0
    jumps = 0
    for part in (before[-window:], after[:window]):
        if len(part) < least:
            continue
        spread = max(spread, std_dev(part))
        jumps = max(jumps, sum(1 for a, b in pairwise(part) if abs(b - a) >= limits.drop_pct))
    noisy = spread > rules.noise_volatility_pct or jumps >= rules.noise_jumps
    return Volatility(spread=spread, jumps=jumps, noisy=noisy)


def pct(value: float) -> str:
    return f"{value:.1f} %"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"
