"""The fast path of POST /telemetry (msgspec) accepts exactly the batches the row-by-row
path (orjson + parse_reading) accepts whole, and makes the same readings of them."""

from __future__ import annotations

import json
import math
import sys
from datetime import timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading
from fuel_analytics.domain.telemetry import SENSOR_FIELDS, TelemetryRules, parse_reading
from fuel_analytics.entrypoints.http.fast_telemetry import valid_readings
from tests.conftest import NOW

RULES = TelemetryRules(max_age=timedelta(days=30))
STRICT = TelemetryRules(naive_timestamps="reject")


def slow(body: bytes, rules: TelemetryRules, max_batch: int = 10_000) -> list[Reading] | None:
    """The row-by-row path's readings when it accepts every row, else None."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict) or set(document) != {"readings"}:
        return None
    rows = document["readings"]
    if not isinstance(rows, list) or len(rows) > max_batch:
        return None
    try:
        return [parse_reading(raw, now=NOW, rules=rules) for raw in rows]
    except InvalidField:
        return None


def assert_same(body: bytes, rules: TelemetryRules = RULES, max_batch: int = 10_000) -> None:
    fast = valid_readings(body, NOW, rules, max_batch)
    expected = slow(body, rules, max_batch)
    # repr: -0.0 and 0.0 are equal, their reprs are not; the timezone objects too
    assert repr(fast) == repr(expected)


def body(batch: list[Any]) -> bytes:
    """The JSON text of a batch (the json module writes integers of any size)."""
    return json.dumps({"readings": batch}, ensure_ascii=False).encode()


# ---------------------------------------------------------------- strategies


def mostly(
    valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """Valid values, and one time in 40 one that may not be: most batches are valid whole."""
    return st.integers(0, 39).flatmap(lambda n: invalid if n == 0 else valid)


stamps = mostly(
    st.one_of(
        st.datetimes(
            min_value=(NOW - timedelta(days=29)).replace(tzinfo=None),
            max_value=(NOW + timedelta(minutes=4)).replace(tzinfo=None),
        ).map(lambda d: d.isoformat() + "Z"),
        st.sampled_from(
            [
                "2026-01-05T13:59:00Z",
                "2026-01-05t13:59:00z",
                "2026-01-05 13:59:00+02:00",
                "2026-01-05T13:59:00.123-05:30",
                "2026-01-05T13:59:00",
                "2026-01-05T13:59",
                " 2026-01-05T13:59:00Z ",
            ]
        ),
    ),
    st.one_of(
        st.datetimes().map(lambda d: d.isoformat() + "Z"),
        st.sampled_from(
            [
                "2026-01-05T13:59:00.1234567Z",
                "2026-01-05",
                "1999-12-31T23:59:59Z",
                "2026-13-05T13:59:00Z",
                "",
            ]
        ),
        st.text(max_size=30),
        st.integers(),
        st.none(),
    ),
)
truck_ids = mostly(
    st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True),
    st.one_of(st.sampled_from(["", "x" * 33, "T 1", "T-1\n", "Ä"]), st.integers(), st.none()),
)


def sensor_value(name: str) -> st.SearchStrategy[Any]:
    spec = next(s for s in SENSOR_FIELDS if s.name == name)
    anything = st.one_of(st.text(max_size=3), st.booleans(), st.lists(st.integers(), max_size=2))
    if spec.kind == "number":
        low = -1e9 if spec.low is None else spec.low
        high = 1e12 if spec.high is None else spec.high
        return mostly(
            st.one_of(
                st.floats(min_value=low, max_value=high),
                st.integers(min_value=math.ceil(low), max_value=math.floor(high)),
                st.sampled_from([low, high, -0.0 if low == 0 else low, None]),
            ),
            st.one_of(
                st.floats(allow_nan=False, allow_infinity=False),
                st.integers(min_value=-(2**70), max_value=2**70),
                st.sampled_from([sys.float_info.max, -sys.float_info.max, 2**64, 10**30]),
                anything,
            ),
        )
    if spec.kind == "bool":
        return mostly(st.one_of(st.booleans(), st.none()), st.sampled_from([0, 1, "true", []]))
    if spec.kind == "codes":
        good = st.from_regex(r"[0-9]{1,7}-([0-9]|[12][0-9]|3[01]|0[0-9])", fullmatch=True)
        return mostly(
            st.one_of(st.lists(good, max_size=5), st.none()),
            st.one_of(
                st.lists(st.one_of(good, st.text(max_size=6), st.integers()), max_size=70),
                st.lists(good, min_size=65, max_size=66),
                st.text(max_size=3),
            ),
        )
    return mostly(
        st.one_of(st.text(min_size=1, max_size=64), st.none()),
        st.one_of(st.text(max_size=70), st.just(""), st.just("é" * 65), st.integers()),
    )


@st.composite
def rows(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 80)) == 0:
        return draw(st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.none())))
    row: dict[str, Any] = {}
    if draw(st.integers(0, 80)):
        row["truck_id"] = draw(truck_ids)
    if draw(st.integers(0, 80)):
        row["ts"] = draw(stamps)
    names = draw(
        st.lists(st.sampled_from([s.name for s in SENSOR_FIELDS]), unique=True, max_size=8)
    )
    for name in names:
        row[name] = draw(sensor_value(name))
    if draw(st.integers(0, 80)) == 0:
        row[draw(st.sampled_from(["speed", "", "Truck_id"]))] = 1
    return row


# ---------------------------------------------------------------- properties


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows(), max_size=6), st.sampled_from([RULES, STRICT]))
@example([{"truck_id": "T-1", "ts": "2026-01-05T13:59:00Z", "speed_mph": -0.0}], RULES)
@example([{"truck_id": "T-1", "ts": "2026-01-05T13:59:00", "rpm": 4000}], STRICT)
@example([{"truck_id": "T-1", "ts": "2026-01-05T13:59:00Z", "odometer_mi": 2**64}], RULES)
@example([{"truck_id": "T-1", "ts": "2026-01-05T13:59:00Z", "driver_id": ""}], RULES)
@example([{"truck_id": "T-1", "ts": "2026-01-05T13:59:00Z", "driver_id": "é" * 65}], RULES)
@example([{"truck_id": "T-1", "ts": "2026-01-05T13:59:00Z", "driver_id": "é" * 64}], RULES)
def test_the_fast_path_accepts_what_the_rows_path_accepts_whole(
    batch: list[Any], rules: TelemetryRules
) -> None:
    assert_same(body(batch), rules)


def test_a_valid_live_batch_takes_the_fast_path() -> None:
    batch = [
        {
            "truck_id": f"T-{i}",
            "ts": "2026-01-05T13:58:00Z",
            "fuel_level_pct": 55.5,
            "odometer_mi": 12000 + i,
            "dtc_codes": ["100-1", "94-18", "100-1"],
            "driver_id": "D7",
            "harsh_brake": False,
            "lat": None,
        }
        for i in range(50)
    ]
    fast = valid_readings(orjson.dumps({"readings": batch}), NOW, RULES, 10_000)
    assert fast is not None
    assert len(fast) == 50
    assert fast[3].dtc_codes == ("100-1", "94-18")  # once each, sorted, as the contract says
    assert fast[3].odometer_mi == 12003.0
    assert type(fast[3].odometer_mi) is float
    assert_same(orjson.dumps({"readings": batch}))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"readings": {}}',
        b'{"readings": [], "extra": 1}',
        b'{"readings": [1e400]}',
        b'{"readings": [{"truck_id": "T", "ts": "2026-01-05T13:59:00Z", "rpm": NaN}]}',
        b'{"readings": [{"truck_id": "T", "ts": "2026-01-05T13:59:00Z", "rpm": 1e400}]}',
        b'{"readings": [{"truck_id": "T", "ts": "2026-01-05T13:59:00Z", "odometer_mi": 1e400}]}',
        b'{"readings": [{"truck_id": "T", "ts": "2026-01-05T13:59:00Z", "driver_id": "\\ud800"}]}',
        b'{"readings": []} x',
        b'\xef\xbb\xbf{"readings": []}',
        b'{"readings": [{"truck_id": "T", "ts": "2026-01-05T13:59:00Z", "rpm": 1, "rpm": 2}]}',
        b'{"readings": [{"truck_id": "T", "ts": "2026-01-05T13:59:00Z"}], "readings": []}',
    ],
)
def test_bodies_at_the_edges_of_json(body: bytes) -> None:
    assert_same(body)


def test_a_batch_over_the_limit_takes_the_rows_path() -> None:
    batch = [{"truck_id": "T", "ts": f"2026-01-05T13:{m:02d}:00Z"} for m in range(5)]
    body = orjson.dumps({"readings": batch})
    assert valid_readings(body, NOW, RULES, 5) is not None
    assert valid_readings(body, NOW, RULES, 4) is None


def test_one_invalid_row_sends_the_whole_batch_down_the_rows_path() -> None:
    good = {"truck_id": "T", "ts": "2026-01-05T13:59:00Z", "rpm": 900}
    alone = valid_readings(orjson.dumps({"readings": [good]}), NOW, RULES, 10)
    assert alone is not None
    assert alone[0].rpm == 900.0
    for bad in ({"rpm": 4000.5}, {"ts": "2026-01-06T13:59:00Z"}, {"dtc_codes": ["1-32"]}):
        body = orjson.dumps({"readings": [good, {**good, **bad}]})
        assert valid_readings(body, NOW, RULES, 10) is None
