"""Pass 1: samples that leave the recent level and come back (DOMAIN.md §4).

The trailing median hides a fault of one or two samples, so faults are found on the raw
gauge: a reading at least a drop (or refuel) threshold away from the median of the
``smoothing_window`` readings before it is a *departure*. A departure that is back within
``glitch_recover_pct`` of that median within ``glitch_recover_s`` (by reading timestamps)
is a sensor fault, and so is one that jumped to exactly 0 or by ``disconnect_jump_pct`` and
comes back within ``disconnect_recover_s``; a jump to exactly 0 is a disconnect even if the
data ends before it comes back (a gauge never drains a tank in one sample). Class:

- SENSOR_NOISE when the sensor's volatility before or after is over ``noise_volatility_pct``;
- SENSOR_DISCONNECT for the jump to 0 or by ``disconnect_jump_pct``;
- SENSOR_GLITCH otherwise.

Faulty samples are marked so that the smoothed level (pass 2) never sees them. A departure
that does not come back is left to pass 2: it may be a refuel or a drop.
"""

from __future__ import annotations

from dataclasses import dataclass

from fuel_analytics.domain.fuel.gauge import (
    Finding,
    Gauge,
    Limits,
    find_return,
    minutes,
    pct,
    volatility,
)
from fuel_analytics.domain.fuel.model import FuelEventKind
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.fuel.smoothing import median


@dataclass(frozen=True, slots=True)
class Transients:
    findings: list[Finding]
    fault: list[bool]


def find_transients(gauge: Gauge, limits: Limits, rules: FuelRules) -> Transients:
    size = len(gauge)
    raw = gauge.raw
    fault = [False] * size
    findings: list[Finding] = []
    window = rules.smoothing_window
    least = window // 2 + 1
    recent: list[float] = []
    history: list[float] = []
    fresh = gauge.breaks(rules.segment_gap_s)
    k = 0
    while k < size:
        level = raw[k]
        if fresh[k]:
            recent = []
        if len(recent) >= least:
            ref = median(recent)
            dev = level - ref
            threshold = limits.drop_pct + rules.drop_tolerance_pct if dev < 0 else limits.refuel_pct
            if abs(dev) >= threshold:
                found = _fault_at(gauge, k, ref, history, limits, rules)
                if found is not None:
                    finding, resume = found
                    findings.append(finding)
                    for m in range(k, resume):
                        fault[m] = True
                    k = resume
                    continue
        recent.append(level)
        if len(recent) > window:
            del recent[0]
        history.append(level)
        k += 1
    return Transients(findings=findings, fault=fault)


def _fault_at(
    gauge: Gauge,
    k: int,
    ref: float,
    history: list[float],
    limits: Limits,
    rules: FuelRules,
) -> tuple[Finding, int] | None:
    raw, t = gauge.raw, gauge.t
    level = raw[k]
    zero = level == 0.0 and ref >= limits.drop_pct
    jump = abs(level - ref) >= rules.disconnect_jump_pct
    limit = rules.disconnect_recover_s if zero or jump else rules.glitch_recover_s
    back = find_return(gauge, ref, k, limit_s=limit, within_pct=rules.glitch_recover_pct)
    if back is None and zero:
        back = k + 1
        while back < len(raw) and raw[back] == 0.0:
            back += 1
        came_back = False
    elif back is None:
        return None
    else:
        came_back = True
    # the reading farthest from the reference stands for the fault
    extreme = max(range(k, back), key=lambda m: (abs(raw[m] - ref), -m))
    shown = raw[extreme]
    window = rules.noise_window
    shaky = volatility(history[-window:], raw[back : back + window], limits, rules)
    last = back - 1
    lasted = t[last] - t[k]
    samples = back - k
    if shaky.noisy:
        kind = FuelEventKind.SENSOR_NOISE
        confidence = rules.noise_confidence
        reason = (
            f"the gauge read {pct(shown)} against {pct(ref)} and came back, and "
            f"{shaky.words(rules)}: the sensor is flapping, nothing was lost"
        )
    elif zero or jump:
        kind = FuelEventKind.SENSOR_DISCONNECT
        confidence = rules.disconnect_confidence
        what = "read exactly 0" if zero else f"jumped by {pct(abs(shown - ref))} in one sample"
        if came_back:
            tail = f"and came back to {pct(raw[back])} after {minutes(t[back] - t[k])}"
        else:
            tail = "and had not come back by the last reading"
        reason = (
            f"the gauge {what} ({samples} sample(s), {minutes(lasted)}) from {pct(ref)} "
            f"{tail}: a disconnected or failing sensor, not fuel leaving the tank"
        )
    else:
        kind = FuelEventKind.SENSOR_GLITCH
        confidence = rules.glitch_confidence
        reason = (
            f"the gauge showed {pct(shown)} against {pct(ref)} for {samples} sample(s) and "
            f"was back within {pct(rules.glitch_recover_pct)} of it after "
            f"{minutes(t[back] - t[k])} (limit {minutes(rules.glitch_recover_s)}): "
            f"a sensor glitch, not a real change"
        )
    previous = k - 1 if k > 0 else k
    finding = Finding(
        kind=kind,
        start=t[previous],
        end=t[back] if came_back else t[last],
        start_at=gauge.at[previous],
        end_at=gauge.at[back] if came_back else gauge.at[last],
        before=ref,
        after=shown,
        confidence=confidence,
        reason=reason,
    )
    return finding, back
