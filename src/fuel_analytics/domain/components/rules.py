"""What is monitored on each component, and when a value counts (DOMAIN.md §6).

The thresholds are data: :data:`DEFAULT_MONITORS` holds the defaults of DOMAIN.md §6, and a
truck overrides any of them through ``Truck.thresholds``.

Per-truck override keys
-----------------------
``"<monitor key>.warn"`` and ``"<monitor key>.crit"``, in the monitor's own unit, e.g.::

    {"coolant_temp_f.warn": 205.0, "battery_voltage.engine_off.crit": 11.9}

A monitor's key is its sensor name when the sensor has a single monitor
(``coolant_temp_f``, ``oil_pressure_psi``, ``boost_pressure_psi``, ...), and
``<sensor>.<condition>`` when it has more than one (``battery_voltage.engine_running``,
``battery_voltage.engine_off``). :func:`threshold_keys` lists every valid key.

``Truck.thresholds`` also carries other detectors' overrides, so only keys whose first
dotted part is a monitored sensor name belong here; any other key is left alone. A key that
names a monitored sensor but is not one of :func:`threshold_keys`, a value that is not a
finite number, or an override that puts the critical threshold on the safe side of the
warning threshold raises :class:`~fuel_analytics.domain.errors.InvalidField`.

Conditions
----------
``ENGINE_RUNNING``: rpm > 300 or fuel rate > 0.2 gph (the status rule of DOMAIN.md §3).
``ENGINE_OFF``: neither says the engine runs *and* at least one of rpm / fuel rate is known
(a reading that knows neither says nothing about the engine, so it counts for neither).
``UNDER_LOAD``: the engine runs and ``engine_load_pct`` >= 50 (boost is only meaningful when
the turbo is asked to work; at idle it is ~1 psi on a healthy engine).
``ANY``: every reading that carries the sensor.

The engine temperatures (coolant, oil, transmission, intake air) count only while the engine
runs: a parked engine cools to ambient, and mixing those hours into a daily mean would make
the trend follow the duty cycle instead of the component.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading, Truck
from fuel_analytics.domain.telemetry import SPECS


class Side(StrEnum):
    """The side of the thresholds on which a value is bad."""

    LOW = "LOW"
    HIGH = "HIGH"


class Condition(StrEnum):
    """Which readings count for a monitor."""

    ANY = "ANY"
    ENGINE_RUNNING = "ENGINE_RUNNING"
    ENGINE_OFF = "ENGINE_OFF"
    UNDER_LOAD = "UNDER_LOAD"


@dataclass(frozen=True, slots=True)
class ConditionRules:
    """When the engine runs and when it is under load (DOMAIN.md §3 defaults)."""

    engine_on_rpm: float = 300.0
    engine_on_fuel_rate_gph: float = 0.2
    under_load_min_pct: float = 50.0


DEFAULT_CONDITIONS: Final = ConditionRules()


@dataclass(frozen=True, slots=True)
class ComponentMonitor:
    """One row of the thresholds table: a sensor, its thresholds and when it counts.

    ``warn`` and ``crit`` are in ``unit``; ``crit`` is never on the safe side of ``warn``.
    ``consumable`` marks a level that is used up and refilled (DEF): its series is a sawtooth,
    not a process with a baseline, so no SPC runs on it and a falling trend is not
    "degrading" (its level and its days to the thresholds still count).
    """

    key: str
    sensor: str
    component: str
    warn: float
    crit: float
    bad_side: Side
    condition: Condition = Condition.ANY
    unit: str = ""
    consumable: bool = False

    def __post_init__(self) -> None:
        for name in ("warn", "crit"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InvalidField(f"{self.key}.{name}", "must be a number")
            if not math.isfinite(value):
                raise InvalidField(f"{self.key}.{name}", "must be a finite number")
        if not self.reached(self.crit, self.warn):
            side = "above" if self.bad_side is Side.HIGH else "below"
            raise InvalidField(
                f"{self.key}.crit",
                f"critical {self.crit:g} must be at or {side} warning {self.warn:g}"
                f" (the bad side is {self.bad_side.value})",
            )

    def reached(self, value: float, threshold: float) -> bool:
        """True when ``value`` is at ``threshold`` or beyond it on the bad side."""
        if self.bad_side is Side.HIGH:
            return value >= threshold
        return value <= threshold

    @property
    def band(self) -> float:
        """The distance between the warning and the critical threshold."""
        return abs(self.crit - self.warn)

    def toward_bad(self, slope: float) -> bool:
        """True when a change of ``slope`` moves a value toward the bad side."""
        return slope > 0 if self.bad_side is Side.HIGH else slope < 0


def _monitor(
    sensor: str,
    component: str,
    warn: float,
    crit: float,
    bad: Side,
    condition: Condition = Condition.ANY,
    *,
    key: str | None = None,
    consumable: bool = False,
) -> ComponentMonitor:
    unit = SPECS[sensor].unit or ""
    return ComponentMonitor(
        key or sensor, sensor, component, warn, crit, bad, condition, unit, consumable
    )


_RUN, _OFF, _LOAD = Condition.ENGINE_RUNNING, Condition.ENGINE_OFF, Condition.UNDER_LOAD

DEFAULT_MONITORS: Final[tuple[ComponentMonitor, ...]] = (
    _monitor("oil_pressure_psi", "lubrication", 25.0, 20.0, Side.LOW, _RUN),
    _monitor("coolant_temp_f", "cooling", 210.0, 225.0, Side.HIGH, _RUN),
    _monitor("oil_temp_f", "lubrication", 250.0, 275.0, Side.HIGH, _RUN),
    _monitor("trans_temp_f", "transmission", 200.0, 225.0, Side.HIGH, _RUN),
    _monitor("boost_pressure_psi", "turbo / intercooler", 15.0, 10.0, Side.LOW, _LOAD),
    _monitor("intake_air_temp_f", "intercooler", 150.0, 180.0, Side.HIGH, _RUN),
    _monitor(
        "battery_voltage",
        "charging system",
        13.2,
        12.6,
        Side.LOW,
        _RUN,
        key="battery_voltage.engine_running",
    ),
    _monitor(
        "battery_voltage", "battery", 12.4, 12.0, Side.LOW, _OFF, key="battery_voltage.engine_off"
    ),
    _monitor("def_level_pct", "DEF system", 15.0, 5.0, Side.LOW, consumable=True),
)
"""The nine rows of DOMAIN.md §6, in its order."""

_LEVELS: Final = ("warn", "crit")


def threshold_keys(monitors: Sequence[ComponentMonitor] = DEFAULT_MONITORS) -> tuple[str, ...]:
    """Every valid per-truck override key, e.g. ``"coolant_temp_f.warn"``."""
    return tuple(f"{m.key}.{level}" for m in monitors for level in _LEVELS)


def apply_overrides(
    monitors: Sequence[ComponentMonitor], thresholds: Mapping[str, float]
) -> tuple[ComponentMonitor, ...]:
    """The monitors with the overrides among ``thresholds`` applied (see the module doc)."""
    sensors = {m.sensor for m in monitors}
    by_key = {m.key: m for m in monitors}
    changes: dict[str, dict[str, float]] = {}
    for name in sorted(thresholds):
        if name.split(".", 1)[0] not in sensors:
            continue  # another detector's threshold
        key, _, level = name.rpartition(".")
        if key not in by_key or level not in _LEVELS:
            sensor = name.split(".", 1)[0]
            valid = ", ".join(k for k in threshold_keys(monitors) if k.startswith(sensor + "."))
            raise InvalidField(f"thresholds.{name}", f"unknown threshold (valid: {valid})")
        value = thresholds[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidField(f"thresholds.{name}", "must be a number")
        if not math.isfinite(value):
            raise InvalidField(f"thresholds.{name}", "must be a finite number")
        changes.setdefault(key, {})[level] = float(value)
    out: list[ComponentMonitor] = []
    for monitor in monitors:
        change = changes.get(monitor.key)
        if not change:
            out.append(monitor)
            continue
        try:
            warn = change.get("warn", monitor.warn)
            out.append(replace(monitor, warn=warn, crit=change.get("crit", monitor.crit)))
        except InvalidField as error:
            raise InvalidField(f"thresholds.{error.field}", error.reason) from None
    return tuple(out)


def monitors_for(
    truck: Truck, defaults: Sequence[ComponentMonitor] = DEFAULT_MONITORS
) -> tuple[ComponentMonitor, ...]:
    """The truck's monitors: the defaults with its ``thresholds`` overrides applied."""
    return apply_overrides(defaults, truck.thresholds)


def validate_thresholds(thresholds: Mapping[str, float]) -> None:
    """Raise :class:`InvalidField` for a component override that would not apply."""
    apply_overrides(DEFAULT_MONITORS, thresholds)


def monitor_named(
    key: str, monitors: Sequence[ComponentMonitor] = DEFAULT_MONITORS
) -> ComponentMonitor:
    """The monitor with this key; :class:`InvalidField` naming the valid keys otherwise."""
    for monitor in monitors:
        if monitor.key == key:
            return monitor
    valid = ", ".join(m.key for m in monitors)
    raise InvalidField("monitor", f"unknown component monitor {key!r} (valid: {valid})")


def engine_running(reading: Reading, rules: ConditionRules = DEFAULT_CONDITIONS) -> bool | None:
    """True / False when rpm or fuel rate tells, None when the reading knows neither."""
    rpm, rate = reading.rpm, reading.fuel_rate_gph
    if (rpm is not None and rpm > rules.engine_on_rpm) or (
        rate is not None and rate > rules.engine_on_fuel_rate_gph
    ):
        return True
    if rpm is None and rate is None:
        return None
    return False


def condition_met(
    condition: Condition, reading: Reading, rules: ConditionRules = DEFAULT_CONDITIONS
) -> bool:
    if condition is Condition.ANY:
        return True
    running = engine_running(reading, rules)
    if condition is Condition.ENGINE_RUNNING:
        return running is True
    if condition is Condition.ENGINE_OFF:
        return running is False
    load = reading.engine_load_pct
    return running is True and load is not None and load >= rules.under_load_min_pct


def monitored_value(
    monitor: ComponentMonitor, reading: Reading, rules: ConditionRules = DEFAULT_CONDITIONS
) -> float | None:
    """The sensor's value when the reading carries it and meets the monitor's condition."""
    value = getattr(reading, monitor.sensor)
    if value is None or not condition_met(monitor.condition, reading, rules):
        return None
    return float(value)
