"""The telemetry contract: valid rows parse, invalid rows are named, nothing is clamped."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.telemetry import (
    SENSOR_FIELDS,
    TelemetryRules,
    UndecodableRow,
    from_text_fields,
    parse_reading,
    reading_to_dict,
)
from tests.conftest import NOW


def row(**values: Any) -> dict[str, Any]:
    return {"truck_id": "T-1", "ts": "2026-01-05T13:59:00Z", **values}


DEFAULT_RULES = TelemetryRules()


def rejected_field(raw: Any, rules: TelemetryRules = DEFAULT_RULES) -> str | None:
    with pytest.raises(InvalidField) as caught:
        parse_reading(raw, now=NOW, rules=rules)
    return caught.value.field


def test_full_reading_round_trips() -> None:
    raw = row(
        fuel_level_pct=55.2,
        speed_mph=61,
        dtc_codes=["110-0", "100-1"],
        driver_id="D7",
        harsh_brake=True,
        lat=41.5,
        lon=-93.6,
    )
    parsed = parse_reading(raw, now=NOW)
    assert parsed.ts == datetime(2026, 1, 5, 13, 59, tzinfo=UTC)
    assert parsed.speed_mph == 61.0
    assert parsed.dtc_codes == ("100-1", "110-0")
    assert parse_reading(reading_to_dict(parsed), now=NOW) == parsed


def test_offset_is_converted_to_utc() -> None:
    parsed = parse_reading(row(ts="2026-01-05T08:59:00-05:00"), now=NOW)
    assert parsed.ts == datetime(2026, 1, 5, 13, 59, tzinfo=UTC)


def test_naive_timestamp_is_utc_by_default_and_can_be_refused() -> None:
    assert parse_reading(row(ts="2026-01-05T13:59:00"), now=NOW).ts.tzinfo is UTC
    assert (
        rejected_field(row(ts="2026-01-05T13:59:00"), TelemetryRules(naive_timestamps="reject"))
        == "ts"
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"fuel_level_pct": 100.01}, "fuel_level_pct"),
        ({"fuel_level_pct": -0.1}, "fuel_level_pct"),
        ({"speed_mph": 131}, "speed_mph"),
        ({"rpm": 4001}, "rpm"),
        ({"battery_voltage": 36.5}, "battery_voltage"),
        ({"coolant_temp_f": -61}, "coolant_temp_f"),
        ({"lat": 91}, "lat"),
        ({"speed_mph": "50"}, "speed_mph"),
        ({"speed_mph": True}, "speed_mph"),
        ({"speed_mph": math.nan}, "speed_mph"),
        ({"odometer_mi": math.inf}, "odometer_mi"),
        ({"harsh_accel": 1}, "harsh_accel"),
        ({"dtc_codes": "110-0"}, "dtc_codes"),
        ({"dtc_codes": ["110-32"]}, "dtc_codes"),
        ({"dtc_codes": ["abc"]}, "dtc_codes"),
        ({"driver_id": ""}, "driver_id"),
        ({"driver_id": "x" * 65}, "driver_id"),
        ({"truck_id": "x" * 33}, "truck_id"),
        ({"truck_id": "bad id"}, "truck_id"),
        ({"truck_id": 7}, "truck_id"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": "2026-01-05"}, "ts"),
        ({"ts": 1767621540}, "ts"),
        ({"ts": "2026-01-05T14:06:00Z"}, "ts"),
        ({"fuel_level": 50}, "fuel_level"),
    ],
)
def test_bad_values_are_rejected_with_their_field(values: dict[str, Any], field: str) -> None:
    assert rejected_field(row(**values)) == field


def test_missing_identity_fields_are_named() -> None:
    assert rejected_field({"ts": "2026-01-05T13:59:00Z"}) == "truck_id"
    assert rejected_field({"truck_id": "T1"}) == "ts"


def test_non_object_rows_and_undecodable_lines_are_rejected() -> None:
    assert rejected_field([1, 2]) == "reading"
    with pytest.raises(InvalidField, match="malformed"):
        parse_reading(UndecodableRow("malformed JSON line"), now=NOW)


def test_future_limit_is_exclusive_of_five_minutes() -> None:
    edge = (NOW + timedelta(minutes=5)).isoformat()
    assert parse_reading(row(ts=edge), now=NOW).ts == NOW + timedelta(minutes=5)


def test_csv_cells_convert_and_bad_text_is_named() -> None:
    converted = from_text_fields(
        {"truck_id": "T1", "ts": "2026-01-05T13:59:00Z", "speed_mph": "55.5", "rpm": "",
         "harsh_brake": "true", "dtc_codes": "110-0;100-1", "fuel_level_pct": "lots"}
    )  # fmt: skip
    assert converted["speed_mph"] == 55.5
    assert "rpm" not in converted
    assert converted["harsh_brake"] is True
    assert converted["dtc_codes"] == ["110-0", "100-1"]
    assert rejected_field(converted) == "fuel_level_pct"


NUMERIC_SPECS = [s for s in SENSOR_FIELDS if s.kind == "number"]


@given(st.sampled_from(NUMERIC_SPECS), st.floats(allow_nan=True, allow_infinity=True))
def test_a_number_is_stored_exactly_or_rejected_never_clamped(spec: Any, value: float) -> None:
    raw = row(**{spec.name: value})
    in_range = (
        math.isfinite(value)
        and (spec.low is None or value >= spec.low)
        and (spec.high is None or value <= spec.high)
    )
    if in_range:
        assert getattr(parse_reading(raw, now=NOW), spec.name) == value
    else:
        assert rejected_field(raw) == spec.name


def test_a_field_with_an_empty_name_is_a_named_rejection() -> None:
    """Found by tests/integration/test_ingest_any_input.py: the rejection named field ''."""
    assert rejected_field(row(**{"": 1})) == "reading"
