"""Injected sensor events: what the sensors do wrong on top of the true history.

Fuel-level glitches and disconnects are short blocks of samples at fixed times (so their
ground truth is exact); flapping, a stuck sensor and DTCs are time windows; coolant, battery and
oil pressure degrade along linear drifts with a known crossing time; offline gaps silence the
device. Everything is chosen from the plan with its own random stream.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from fuel_analytics.simulation.duty import DAY, HOUR, Plan, local_midnights
from fuel_analytics.simulation.plan import DRIVE, IDLE, OFF
from fuel_analytics.simulation.profiles import (
    BATTERY,
    COOLANT,
    DEF_LOW,
    DISCONNECT,
    DTC,
    FLAPPING,
    GLITCH,
    OIL_PRESSURE,
    STUCK,
)

GLITCH_BLOCK: Final = 1
DISCONNECT_BLOCK: Final = 2
FLAP_AMPLITUDE_PCT: Final = 20.0

DTC_CODES: Final = (
    ("110-0", "Engine coolant temperature high"),
    ("100-1", "Engine oil pressure low"),
    ("3226-2", "Aftertreatment outlet NOx sensor erratic"),
    ("4364-18", "SCR conversion efficiency low"),
    ("3251-0", "DPF differential pressure high"),
    ("94-1", "Fuel delivery pressure low"),
    ("168-1", "Battery potential low"),
    ("639-14", "J1939 network fault"),
)


def to_dt(t: float) -> datetime:
    return datetime.fromtimestamp(round(t), UTC)


@dataclass(frozen=True, slots=True)
class ForcedBlock:
    """Samples taken at these exact times read wrong (glitch: level - drop; disconnect: 0)."""

    times: tuple[int, ...]
    kind: int
    drop_pct: float = 0.0


@dataclass(frozen=True, slots=True)
class Drift:
    """A baseline that starts moving at ``start`` and crosses ``critical`` at ``critical_at``."""

    start: float
    critical_at: float
    value0: float
    critical: float

    def delta(self, t: float) -> float:
        if t <= self.start:
            return 0.0
        return (self.critical - self.value0) * (t - self.start) / (self.critical_at - self.start)

    def crossing(self, value: float) -> float:
        share = (value - self.value0) / (self.critical - self.value0)
        return self.start + share * (self.critical_at - self.start)


@dataclass(frozen=True, slots=True)
class Incident:
    kind: str
    start: float
    end: float
    gallons: float | None = None
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SensorScript:
    blocks: tuple[ForcedBlock, ...] = ()
    flaps: tuple[tuple[float, float], ...] = ()
    stuck: tuple[float, float, float] | None = None  # start, end, value
    dtcs: tuple[tuple[float, float, str], ...] = ()
    coolant: Drift | None = None
    battery: Drift | None = None
    oil_pressure: Drift | None = None
    offline: tuple[tuple[float, float], ...] = ()
    incidents: tuple[Incident, ...] = ()


class _Scripter:
    def __init__(self, plan: Plan, seed: int) -> None:
        self.plan = plan
        self.p = plan.profile
        self.rng = random.Random(f"{seed}/{plan.profile.index}/events")
        self.days = (plan.end - plan.start) / DAY
        self.incidents: list[Incident] = []
        self.busy = [(r.start - HOUR, r.end + HOUR) for r in plan.records]
        self.starts = [ph.t0 for ph in plan.phases]

    def free(self, a: float, b: float) -> bool:
        return all(b <= lo or a >= hi for lo, hi in self.busy)

    def level_at(self, t: float) -> float:
        """The true tank level (%) at ``t``."""
        i = max(0, bisect.bisect_right(self.starts, t) - 1)
        ph = self.plan.phases[i]
        share = min(1.0, (t - ph.t0) / (ph.t1 - ph.t0)) if ph.t1 > ph.t0 else 0.0
        return (ph.tank0 + (ph.tank1 - ph.tank0) * share) / self.p.capacity * 100

    def blocks(self, kind: int, count: int) -> list[ForcedBlock]:
        """Sample blocks at stationary, awake moments with >= 14 min of stillness after."""
        rng = self.rng
        out: list[ForcedBlock] = []
        slots = [
            (ph.t0 + 360, ph.t1 - 840)
            for ph in self.plan.phases
            if ph.kind in (IDLE, OFF) and ph.active and ph.t1 - ph.t0 >= 1320
        ]
        rng.shuffle(slots)
        for lo, hi in slots:
            if len(out) >= count:
                break
            at = int(rng.uniform(lo, hi))
            level = self.level_at(at)
            if level < 30 or not self.free(at - 1800, at + 1800):
                continue
            n = (
                rng.choices((3, 2, 1), (0.7, 0.2, 0.1))[0]
                if kind == GLITCH_BLOCK
                else rng.randint(1, 3)
            )
            drop = rng.uniform(18.0, min(40.0, level - 5)) if kind == GLITCH_BLOCK else level
            times = tuple(at + 60 * k for k in range(n))
            out.append(ForcedBlock(times, kind, round(drop, 1)))
            self.busy.append((at - HOUR, at + HOUR))
            name = "SENSOR_GLITCH" if kind == GLITCH_BLOCK else "SENSOR_DISCONNECT"
            detail: dict[str, object] = {
                "sensor": "fuel_level_pct",
                "samples": n,
                "level_pct": round(level, 1),
                "drop_pct": round(drop, 1),
                "visible_after_median5": n >= 3,
            }
            self.incidents.append(Incident(name, times[0], times[-1], None, detail))
        return out

    def flaps(self, count: int) -> list[tuple[float, float]]:
        rng, plan = self.rng, self.plan
        out: list[tuple[float, float]] = []
        nights = [
            m
            for m in local_midnights(plan.start, plan.end, self.p.utc_offset_hours)
            if m - 4 * HOUR > plan.start and m + 6 * HOUR < plan.end
        ]
        for _ in range(count * 8):
            if len(out) >= count or not nights:
                break
            a = rng.choice(nights) - rng.uniform(0, 3) * HOUR
            b = a + rng.uniform(4, 9) * HOUR
            if self.free(a, b):
                out.append((a, b))
                self.busy.append((a - HOUR, b + HOUR))
                detail: dict[str, object] = {
                    "sensor": "fuel_level_pct",
                    "amplitude_pct": FLAP_AMPLITUDE_PCT,
                }
                self.incidents.append(Incident("SENSOR_NOISE", a, b, None, detail))
        return out

    def drift(self, kind: str, sensor: str, value0: float, warn: float, crit: float) -> Drift:
        rng, plan = self.rng, self.plan
        span = plan.end - plan.start
        start = plan.start + rng.uniform(0.0, 0.1) * span
        drift = Drift(start, plan.start + rng.uniform(0.8, 0.9) * span, value0, crit)
        detail: dict[str, object] = {
            "sensor": sensor,
            "start_value": round(value0, 2),
            "end_value": round(value0 + drift.delta(plan.end), 2),
            "warning": warn,
            "critical": crit,
            "warning_at": to_dt(drift.crossing(warn)),
            "critical_at": to_dt(drift.critical_at),
        }
        if sensor == "battery_voltage":
            detail["condition"] = "engine off"
        elif sensor == "oil_pressure_psi":
            detail["condition"] = "engine running"
        self.incidents.append(Incident(kind, start, plan.end, None, detail))
        return drift

    def dtcs(self, count: int) -> list[tuple[float, float, str]]:
        rng = self.rng
        out: list[tuple[float, float, str]] = []
        drives = [ph for ph in self.plan.phases if ph.kind == DRIVE]
        for _ in range(count * 8):
            if len(out) >= count or not drives:
                break
            ph = rng.choice(drives)
            a = ph.t0 + rng.uniform(0, ph.t1 - ph.t0)
            b = min(self.plan.end, a + rng.uniform(2, 10) * HOUR)
            code, text = rng.choice(DTC_CODES)
            if any(c == code and a < hi + 30 * HOUR and b > lo - 30 * HOUR for lo, hi, c in out):
                continue
            out.append((a, b, code))
            spn, fmi = code.split("-")
            detail: dict[str, object] = {
                "code": code,
                "spn": int(spn),
                "fmi": int(fmi),
                "description": text,
            }
            self.incidents.append(Incident("DTC", a, b, None, detail))
        return out

    def offline(self) -> list[tuple[float, float]]:
        rng, plan = self.rng, self.plan
        out: list[tuple[float, float]] = []
        for day in range(int(self.days) + 1):
            if rng.random() < 0.035:
                a = plan.start + (day + rng.random()) * DAY
                b = a + rng.uniform(1, 6) * HOUR
                if b < plan.end - HOUR and self.free(a - 1800, b + 1800):
                    out.append((a, b))
        return out

    def build(self) -> SensorScript:
        p, plan, rng, days = self.p, self.plan, self.rng, self.days
        s = p.scenarios
        blocks: list[ForcedBlock] = []
        if GLITCH in s:
            blocks += self.blocks(GLITCH_BLOCK, max(1, round(days / 2)))
        if DISCONNECT in s:
            blocks += self.blocks(DISCONNECT_BLOCK, max(1, round(days / 4)))
        flaps = self.flaps(max(1, round(days / 4))) if FLAPPING in s else []
        stuck = None
        if STUCK in s:
            length = min(rng.uniform(26, 36) * HOUR, 0.6 * (plan.end - plan.start))
            a = rng.uniform(plan.start + 0.1 * (plan.end - plan.start), plan.end - length - 600)
            value = round(rng.uniform(205.0, 222.0), 1)
            stuck = (a, a + length, value)
            detail: dict[str, object] = {"sensor": "oil_temp_f", "value": value}
            self.incidents.append(Incident("STUCK_SENSOR", a, a + length, None, detail))
        dtcs = self.dtcs(max(1, round(days / 3))) if DTC in s else []
        coolant = battery = oil = None
        if COOLANT in s:
            typical = 186 + p.coolant_offset + 0.08 * 55 + 0.06 * (p.ambient_mean_f - 50)
            coolant = self.drift("COOLANT_CREEP", "coolant_temp_f", typical, 210.0, 225.0)
        if BATTERY in s:
            battery = self.drift(
                "BATTERY_WEAK", "battery_voltage", p.battery_rest_v - 0.06, 12.4, 12.0
            )
        if OIL_PRESSURE in s:
            oil = self.drift(
                "OIL_PRESSURE_FALL", "oil_pressure_psi", p.oil_pressure_base + 3, 25.0, 20.0
            )
        if DEF_LOW in s and plan.def_crossings:
            at = dict(plan.def_crossings)
            start = at[15] if at[15] is not None else plan.start
            detail = {
                "sensor": "def_level_pct",
                "warning": 15.0,
                "critical": 5.0,
                "warning_at": to_dt(start),
                "below_10_at": None if at[10] is None else to_dt(at[10]),
                "critical_at": None if at[5] is None else to_dt(at[5]),
                "end_level_pct": round(plan.def_levels[-1], 1),
            }
            self.incidents.append(Incident("DEF_LOW", start, plan.end, None, detail))
        offline = self.offline()
        return SensorScript(
            blocks=tuple(sorted(blocks, key=lambda b: b.times[0])),
            flaps=tuple(sorted(flaps)),
            stuck=stuck,
            dtcs=tuple(sorted(dtcs)),
            coolant=coolant,
            battery=battery,
            oil_pressure=oil,
            offline=tuple(sorted(offline)),
            incidents=tuple(self.incidents),
        )


def build_script(plan: Plan, seed: int) -> SensorScript:
    return _Scripter(plan, seed).build()
