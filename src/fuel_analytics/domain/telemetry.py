"""The telemetry contract (DOMAIN.md §1): what a valid reading is.

``parse_reading`` turns one decoded JSON object into a :class:`Reading` or raises
:class:`InvalidField` naming the offending field. Nothing is clamped: a value out of its
range is rejected.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading, TruckId

Kind = Literal["number", "bool", "text", "codes"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: Kind
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    description: str = ""


def _num(name: str, unit: str, low: float, high: float | None, description: str) -> FieldSpec:
    return FieldSpec(name, "number", unit, low, high, description)


TEMP_LOW, TEMP_HIGH = -60.0, 400.0

SENSOR_FIELDS: Final[tuple[FieldSpec, ...]] = (
    _num("fuel_level_pct", "%", 0, 100, "tank level from the float sensor"),
    _num("fuel_rate_gph", "gal/h", 0, 60, "instantaneous ECU fuel rate"),
    _num("total_fuel_gal", "gal", 0, None, "ECU lifetime fuel counter (SPN 250)"),
    _num("total_idle_fuel_gal", "gal", 0, None, "ECU lifetime idle fuel counter (SPN 236)"),
    _num("speed_mph", "mph", 0, 130, "road speed"),
    _num("rpm", "rpm", 0, 4000, "engine speed"),
    _num("odometer_mi", "mi", 0, None, "odometer"),
    _num("engine_hours", "h", 0, None, "ECU engine hours"),
    _num("idle_hours", "h", 0, None, "ECU idle hours"),
    _num("engine_load_pct", "%", 0, 100, "engine load"),
    _num("coolant_temp_f", "°F", TEMP_LOW, TEMP_HIGH, "coolant temperature"),
    _num("oil_temp_f", "°F", TEMP_LOW, TEMP_HIGH, "oil temperature"),
    _num("trans_temp_f", "°F", TEMP_LOW, TEMP_HIGH, "transmission temperature"),
    _num("intake_air_temp_f", "°F", TEMP_LOW, TEMP_HIGH, "intake air temperature"),
    _num("ambient_temp_f", "°F", TEMP_LOW, TEMP_HIGH, "ambient temperature"),
    _num("oil_pressure_psi", "psi", 0, 150, "oil pressure"),
    _num("boost_pressure_psi", "psi", 0, 150, "boost pressure"),
    _num("battery_voltage", "V", 0, 36, "battery voltage"),
    _num("def_level_pct", "%", 0, 100, "diesel exhaust fluid level"),
    _num("lat", "°", -90, 90, "latitude (WGS84)"),
    _num("lon", "°", -180, 180, "longitude (WGS84)"),
    FieldSpec("dtc_codes", "codes", None, None, None, 'active fault codes, "SPN-FMI"'),
    FieldSpec("driver_id", "text", None, 1, 64, "driver, when the gateway knows"),
    FieldSpec("harsh_accel", "bool", None, None, None, "device harsh-acceleration flag"),
    FieldSpec("harsh_brake", "bool", None, None, None, "device harsh-braking flag"),
)
SPECS: Final[Mapping[str, FieldSpec]] = {spec.name: spec for spec in SENSOR_FIELDS}
NUMERIC_FIELDS: Final[tuple[str, ...]] = tuple(s.name for s in SENSOR_FIELDS if s.kind == "number")
ALL_FIELDS: Final[frozenset[str]] = frozenset({"truck_id", "ts", *SPECS})

TRUCK_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
DTC_PATTERN: Final = re.compile(r"([0-9]{1,7})-([0-9]{1,2})")
MAX_DTC_CODES: Final = 64
MAX_FMI: Final = 31
_truck_id_match = TRUCK_ID_PATTERN.fullmatch
# each sensor's position among Reading's fields after truck_id and ts (positional
# arguments: a third of the cost of keywords for its 27 fields)
_READING_FIELDS = tuple(f.name for f in fields(Reading))
if _READING_FIELDS[:2] != ("truck_id", "ts") or set(_READING_FIELDS[2:]) != set(SPECS):
    raise RuntimeError("Reading's fields and the telemetry contract's disagree")  # pragma: no cover
_POSITIONS: Final[Mapping[str, int]] = {name: i for i, name in enumerate(_READING_FIELDS[2:])}
# a float within these bounds is a valid value as it is (unbounded: up to the largest finite)
_FLOAT_RANGES: Final[Mapping[str, tuple[int, float, float]]] = {
    spec.name: (
        _POSITIONS[spec.name],
        -sys.float_info.max if spec.low is None else spec.low,
        sys.float_info.max if spec.high is None else spec.high,
    )
    for spec in SENSOR_FIELDS
    if spec.kind == "number"
}

NaivePolicy = Literal["utc", "reject"]


@dataclass(frozen=True, slots=True)
class TelemetryRules:
    """How strict ingestion is, from settings."""

    max_future: timedelta = timedelta(minutes=5)
    # raw readings retention: an older reading is refused (None: any age is accepted)
    max_age: timedelta | None = None
    naive_timestamps: NaivePolicy = "utc"
    # Device clocks that reset report 1970 or 2000; such readings would corrupt every
    # derived result, so anything before this is rejected.
    earliest: datetime = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class UndecodableRow:
    """A row that could not even be decoded (a malformed NDJSON or CSV line): it is
    rejected on its own, with this reason, and the rest of the batch goes on."""

    reason: str


def parse_truck_id(value: object, field: str = "truck_id") -> TruckId:
    if not isinstance(value, str):
        raise InvalidField(field, "must be a string")
    if TRUCK_ID_PATTERN.fullmatch(value) is None:
        raise InvalidField(field, "must be 1-32 characters of A-Z, a-z, 0-9, '_' or '-'")
    return TruckId(value)


def parse_timestamp(value: object, field: str, naive: NaivePolicy = "utc") -> datetime:
    """RFC 3339 to an aware UTC datetime; a timestamp without an offset is UTC unless rejected."""
    if not isinstance(value, str):
        raise InvalidField(field, "must be an RFC 3339 string such as 2026-01-05T14:02:00Z")
    text = value.strip()
    if len(text) < 16 or text[10] not in "Tt ":
        raise InvalidField(field, f"{value!r} is not an RFC 3339 date-time")
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            if naive == "reject":
                raise InvalidField(field, f"{value!r} has no UTC offset (add Z or +00:00)")
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidField(field, f"{value!r} is not an RFC 3339 date-time") from None


def reading_time(text: object, now: datetime, rules: TelemetryRules) -> datetime:
    """A reading's ``ts``: an RFC 3339 timestamp within the rules' window around ``now``."""
    ts = parse_timestamp(text, "ts", rules.naive_timestamps)
    if ts > now + rules.max_future:
        raise InvalidField("ts", f"{text} is more than {rules.max_future} in the future")
    if rules.max_age is not None and ts < now - rules.max_age:
        raise InvalidField("ts", f"{text} is older than the {rules.max_age.days}-day retention")
    if ts < rules.earliest:
        raise InvalidField("ts", f"{text} is before {rules.earliest:%Y-%m-%d} (device clock?)")
    return ts


def _number(spec: FieldSpec, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidField(spec.name, "must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidField(spec.name, "must be a finite number (no NaN or Infinity)")
    if spec.low is not None and number < spec.low:
        raise InvalidField(spec.name, f"{number:g} is below the minimum {spec.low:g}")
    if spec.high is not None and number > spec.high:
        raise InvalidField(spec.name, f"{number:g} is above the maximum {spec.high:g}")
    return number


def parse_codes(value: object) -> tuple[str, ...]:
    """Fault codes: each "SPN-FMI" once, sorted."""
    if not isinstance(value, list):
        raise InvalidField("dtc_codes", 'must be a list of "SPN-FMI" strings')
    if len(value) > MAX_DTC_CODES:
        raise InvalidField("dtc_codes", f"at most {MAX_DTC_CODES} codes per reading")
    codes: list[str] = []
    for code in value:
        match = DTC_PATTERN.fullmatch(code) if isinstance(code, str) else None
        if match is None or int(match.group(2)) > MAX_FMI:
            raise InvalidField("dtc_codes", f'{code!r} is not an "SPN-FMI" code (FMI 0-31)')
        codes.append(code)
    return tuple(sorted(set(codes)))


def _value(spec: FieldSpec, value: object) -> float | bool | str | tuple[str, ...]:
    if spec.kind == "number":
        return _number(spec, value)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidField(spec.name, "must be true or false")
        return value
    if spec.kind == "codes":
        return parse_codes(value)
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise InvalidField(spec.name, "must be a string of 1-64 characters")
    return value


def parse_reading(
    raw: object, *, now: datetime, rules: TelemetryRules = TelemetryRules()
) -> Reading:
    """Validate one decoded reading; raise :class:`InvalidField` for the first problem."""
    if isinstance(raw, UndecodableRow):
        raise InvalidField("reading", raw.reason)
    if not isinstance(raw, dict):
        raise InvalidField("reading", "must be a JSON object")
    if not ALL_FIELDS.issuperset(raw):
        name = str(sorted(k for k in raw if k not in ALL_FIELDS)[0])
        if not name:  # a field must be named, even to say it is the wrong one
            raise InvalidField("reading", "has a field with an empty name")
        raise InvalidField(name, "unknown field")
    if "truck_id" not in raw:
        raise InvalidField("truck_id", "is required")
    if "ts" not in raw:
        raise InvalidField("ts", "is required")
    truck_id = raw["truck_id"]
    if type(truck_id) is not str or _truck_id_match(truck_id) is None:
        truck_id = parse_truck_id(truck_id)  # the reason it is not one
    ts = reading_time(raw["ts"], now, rules)
    values: list[object] = [None] * len(_POSITIONS)  # Reading's sensors, in its order
    for name, value in raw.items():
        if value is None or name == "truck_id" or name == "ts":
            continue
        if type(value) is float and name in _FLOAT_RANGES:
            position, low, high = _FLOAT_RANGES[name]
            if low <= value <= high:  # in range, hence finite: what _number would return
                values[position] = value
                continue
        values[_POSITIONS[name]] = _value(SPECS[name], value)  # the rest, or why it fails
    return Reading(TruckId(truck_id), ts, *values)  # type: ignore[arg-type]


_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


def from_text_fields(row: Mapping[str, str | None]) -> dict[str, object]:
    """A CSV row (all text) to the JSON-shaped dict ``parse_reading`` takes.

    Empty cells are absent values; numbers, booleans and ``;``-separated fault codes are
    converted; text that does not convert is passed on as text so the contract names it.
    """
    out: dict[str, object] = {}
    for name, text in row.items():
        if text is None or text.strip() == "":
            continue
        cell = text.strip()
        spec = SPECS.get(name)
        if spec is None:
            out[name] = cell
        elif spec.kind == "number":
            try:
                out[name] = float(cell)
            except ValueError:
                out[name] = cell
        elif spec.kind == "bool":
            low = cell.lower()
            out[name] = True if low in _TRUE else False if low in _FALSE else cell
        elif spec.kind == "codes":
            out[name] = [c.strip() for c in re.split(r"[;|]", cell) if c.strip()]
        else:
            out[name] = cell
    return out


def reading_to_dict(reading: Reading) -> dict[str, object]:
    """The inverse of ``parse_reading``: only present values, timestamps as RFC 3339."""
    out: dict[str, object] = {
        "truck_id": reading.truck_id,
        "ts": reading.ts.isoformat().replace("+00:00", "Z"),
    }
    for spec in SENSOR_FIELDS:
        value = getattr(reading, spec.name)
        if value is not None:
            out[spec.name] = list(value) if spec.kind == "codes" else value
    return out
