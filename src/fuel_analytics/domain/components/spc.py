"""Statistical process control of a component against the truck's own baseline.

``values`` are the latest points in time order; ``baseline`` an earlier window of the same
kind of points (its mean, and its sample standard deviation ``sigma``). The Nelson rules
(strict inequalities throughout):

- rule 1: one point more than 3 sigma from the mean;
- rule 2: nine points in a row on the same side of the mean (a point equal to it breaks
  the run);
- rule 5: two out of three points in a row more than 2 sigma from the mean, on one side;
- rule 7: fifteen points in a row within 1 sigma of the mean (too little variation: a
  stuck sensor);
- flat line: fifteen or more identical consecutive values (needs no baseline).

A baseline of fewer than ``min_baseline`` points gives no mean/sigma and only the flat-line
check runs. The zones use ``max(sigma, min_sigma)``; when that is 0 (a baseline of identical
values and no floor) there is no spread to measure zones against: rules 1, 5 and 7 are not
evaluated (nothing is divided by sigma anywhere); rule 2 still is, against the mean.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class NelsonRule(StrEnum):
    RULE_1 = "RULE_1"
    RULE_2 = "RULE_2"
    RULE_5 = "RULE_5"
    RULE_7 = "RULE_7"
    FLAT_LINE = "FLAT_LINE"


RULE_TEXT: Final[dict[NelsonRule, str]] = {
    NelsonRule.RULE_1: "a point beyond 3 sigma",
    NelsonRule.RULE_2: "9 in a row on one side of the mean",
    NelsonRule.RULE_5: "2 of 3 beyond 2 sigma on one side",
    NelsonRule.RULE_7: "15 in a row within 1 sigma (stuck sensor?)",
    NelsonRule.FLAT_LINE: "15 identical values in a row (stuck sensor?)",
}


@dataclass(frozen=True, slots=True)
class SpcRules:
    min_baseline: int = 5
    run_same_side: int = 9
    run_within_1_sigma: int = 15
    flat_run: int = 15


DEFAULT_SPC: Final = SpcRules()


@dataclass(frozen=True, slots=True)
class SpcResult:
    """Which rules fired (in rule order), the baseline used, and what was seen, in words.

    ``above`` / ``below``: the one-sided rules (1, 2, 5) that fired above / below the
    baseline mean, so a caller can tell a drift toward the bad side from one away from it.
    ``zone_sigma`` is the sigma the zones were measured with (``max(sigma, min_sigma)``).
    """

    fired: tuple[NelsonRule, ...]
    baseline_mean: float | None
    baseline_sigma: float | None
    detail: str
    above: tuple[NelsonRule, ...] = ()
    below: tuple[NelsonRule, ...] = ()
    zone_sigma: float | None = None
    count: int = 0
    baseline_count: int = 0
    longest_flat_run: int = 0

    @property
    def flat_line(self) -> bool:
        return NelsonRule.FLAT_LINE in self.fired


def longest_run(values: Sequence[float]) -> int:
    """The length of the longest run of identical consecutive values."""
    best = run = 0
    previous: float | None = None
    for value in values:
        run = run + 1 if value == previous else 1
        previous = value
        best = max(best, run)
    return best


def _longest(flags: Sequence[bool]) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _two_of_three(flags: Sequence[bool]) -> int | None:
    """The index of the first window of 3 consecutive points with 2 flagged, if any."""
    for i in range(len(flags) - 2):
        if flags[i] + flags[i + 1] + flags[i + 2] >= 2:
            return i
    return None


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _one_side(
    deviations: Sequence[float], zone: float, where: str, rules: SpcRules
) -> tuple[list[NelsonRule], list[str]]:
    """Rules 1, 2, 5 on deviations signed so that positive is ``where`` of the mean."""
    fired: list[NelsonRule] = []
    notes: list[str] = []
    if zone > 0:
        beyond = [d for d in deviations if d > 3 * zone]
        if beyond:
            fired.append(NelsonRule.RULE_1)
            notes.append(f"rule 1: {len(beyond)} point(s) more than 3 sigma {where} the mean")
    run = _longest([d > 0 for d in deviations])
    if run >= rules.run_same_side:
        fired.append(NelsonRule.RULE_2)
        notes.append(f"rule 2: {run} in a row {where} the mean")
    if zone > 0:
        at = _two_of_three([d > 2 * zone for d in deviations])
        if at is not None:
            fired.append(NelsonRule.RULE_5)
            notes.append(f"rule 5: 2 of 3 more than 2 sigma {where} the mean (point {at + 1})")
    return fired, notes


def spc(
    values: Sequence[float],
    baseline: Sequence[float],
    rules: SpcRules = DEFAULT_SPC,
    *,
    flat_values: Sequence[float] | None = None,
    min_sigma: float = 0.0,
) -> SpcResult:
    """Nelson rules 1, 2, 5, 7 on ``values`` (in time order) against ``baseline``, and the
    flat-line check on ``flat_values`` (default ``values``: pass the raw readings when the
    rules run on aggregates).

    ``min_sigma`` floors the sigma the zones are measured with, so that a baseline of
    near-identical points does not turn a practically meaningless change into a signal.
    """
    above: list[NelsonRule] = []
    below: list[NelsonRule] = []
    other: list[NelsonRule] = []
    notes: list[str] = []
    mean: float | None = None
    sigma: float | None = None
    zone: float | None = None
    if len(baseline) >= max(2, rules.min_baseline):
        ordered = sorted(baseline)
        mean = math.fsum(ordered) / len(ordered)
        sigma = statistics.stdev(ordered, mean)
        zone = max(sigma, min_sigma)
    if mean is not None and zone is not None and values:
        ups = [v - mean for v in values]
        fired, found = _one_side(ups, zone, "above", rules)
        above += fired
        notes += found
        fired, found = _one_side([-d for d in ups], zone, "below", rules)
        below += fired
        notes += found
        if zone > 0:
            within = _longest([abs(d) < zone for d in ups])
            if within >= rules.run_within_1_sigma:
                other.append(NelsonRule.RULE_7)
                notes.append(f"rule 7: {within} in a row within 1 sigma (too little variation)")
    flat = longest_run(values if flat_values is None else flat_values)
    if flat >= rules.flat_run:
        other.append(NelsonRule.FLAT_LINE)
        notes.append(f"flat line: {flat} identical values in a row")
    if mean is None or sigma is None or zone is None:
        base = f"no baseline ({len(baseline)} points, needs {max(2, rules.min_baseline)})"
    elif zone == 0:
        base = f"baseline mean {_fmt(mean)} with sigma = 0: rules 1, 5, 7 not evaluated"
    else:
        floor = f" (floored to {_fmt(zone)})" if zone > sigma else ""
        base = f"baseline mean {_fmt(mean)}, sigma {_fmt(sigma)}{floor}, {len(baseline)} points"
    fired_all = {*above, *below, *other}
    detail = "; ".join(notes) if notes else f"no rule fired on {len(values)} points"
    return SpcResult(
        fired=tuple(rule for rule in NelsonRule if rule in fired_all),
        baseline_mean=mean,
        baseline_sigma=sigma,
        detail=f"{detail} ({base})",
        above=tuple(above),
        below=tuple(below),
        zone_sigma=zone,
        count=len(values),
        baseline_count=len(baseline),
        longest_flat_run=flat,
    )
