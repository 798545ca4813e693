"""POST /api/v2/telemetry through the real app (lifespan included), on SQLite and MySQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy.tables import readings
from tests.conftest import NOW
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for

URL = "/api/v2/telemetry"
NDJSON = {"content-type": "application/x-ndjson"}
PROBLEM = "application/problem+json"


def ts(minutes: float = 0) -> str:
    """RFC 3339 for NOW + ``minutes``."""
    return (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def row(truck: str = "T1", minute: float = -1, **values: Any) -> dict[str, Any]:
    return {"truck_id": truck, "ts": ts(minute), **values}


def ndjson(*lines: dict[str, Any] | str) -> bytes:
    return b"\n".join(
        line.encode() if isinstance(line, str) else orjson.dumps(line) for line in lines
    )


def assert_problem(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"]
    assert body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def assert_counts(
    response: httpx.Response, accepted: int, duplicates: int, rejected: int
) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert (body["accepted"], body["duplicates"], len(body["rejected"])) == (
        accepted,
        duplicates,
        rejected,
    ), body
    assert body["received"] == accepted + duplicates + rejected
    return body


async def stored(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(readings))).scalar_one())


async def sensors(http: httpx.AsyncClient, truck: str) -> dict[str, Any]:
    response = await http.get(f"/api/v2/trucks/{truck}/sensors")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sensor(snapshot: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in snapshot["sensors"] if s["name"] == name]
    assert len(found) == 1, snapshot["sensors"]
    return found[0]


@pytest.fixture
async def fixed(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The real app whose clock stands still at NOW (readings are a minute or so older)."""
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        yield http


# ---- batches, counts, idempotency ------------------------------------------------------------


async def test_a_json_batch_is_stored_and_counted(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    batch = [
        row("T1", -3, fuel_level_pct=61.5, speed_mph=50),
        row("T1", -2, fuel_level_pct=61.0, speed_mph=52),
        row("T2", -2, fuel_level_pct=30.0, rpm=700),
    ]
    body = assert_counts(await fixed.post(URL, json={"readings": batch}), 3, 0, 0)
    assert body["rejected"] == []
    assert await stored(db) == 3
    snapshot = await sensors(fixed, "T1")
    assert snapshot["ts"] == ts(-2)
    assert sensor(snapshot, "fuel_level_pct")["value"] == 61.0
    assert sensor(snapshot, "speed_mph")["value"] == 52
    assert (await sensors(fixed, "T2"))["fuel"]["level_pct"] == 30.0


async def test_resending_a_batch_stores_nothing_twice(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    batch = [row("T1", -m, fuel_level_pct=50 + m, odometer_mi=1000 - m) for m in (5, 4, 3)]
    batch.append(row("T2", -1, speed_mph=30))
    assert_counts(await fixed.post(URL, json={"readings": batch}), 4, 0, 0)
    before = [await sensors(fixed, t) for t in ("T1", "T2")]
    trucks_before = (await fixed.get("/api/v2/trucks")).json()

    again = assert_counts(await fixed.post(URL, json={"readings": batch}), 0, 4, 0)

    assert again["rejected"] == []
    assert await stored(db) == 4
    assert [await sensors(fixed, t) for t in ("T1", "T2")] == before
    assert (await fixed.get("/api/v2/trucks")).json() == trucks_before


async def test_a_duplicate_inside_one_batch_counts_once(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    one = row("T1", -2, fuel_level_pct=40)
    batch = [one, row("T1", -1, fuel_level_pct=39), dict(one)]
    assert_counts(await fixed.post(URL, json={"readings": batch}), 2, 1, 0)
    assert await stored(db) == 2


async def test_a_duplicate_carrying_other_values_changes_nothing(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    """(truck_id, ts) is the identity: a second reading with the same identity is a
    duplicate, is not stored, and so cannot change what the truck's live view says."""
    assert_counts(await fixed.post(URL, json={"readings": [row(fuel_level_pct=50)]}), 1, 0, 0)
    before = await sensors(fixed, "T1")

    retry = [row(fuel_level_pct=60, coolant_temp_f=300)]
    assert_counts(await fixed.post(URL, json={"readings": retry}), 0, 1, 0)

    assert await stored(db) == 1
    assert await sensors(fixed, "T1") == before


async def test_an_empty_batch_is_answered_with_zero_counts(fixed: httpx.AsyncClient) -> None:
    assert_counts(await fixed.post(URL, json={"readings": []}), 0, 0, 0)


async def test_truck_ids_are_case_sensitive(fixed: httpx.AsyncClient, db: AsyncEngine) -> None:
    """`T1` and `t1` are two trucks (the contract's alphabet has both cases), on every
    database: the same instant for both is two readings, not a duplicate."""
    batch = [row("T1", -1, fuel_level_pct=10), row("t1", -1, fuel_level_pct=90)]
    assert_counts(await fixed.post(URL, json={"readings": batch}), 2, 0, 0)
    assert await stored(db) == 2
    assert (await sensors(fixed, "T1"))["fuel"]["level_pct"] == 10
    assert (await sensors(fixed, "t1"))["fuel"]["level_pct"] == 90


async def test_unknown_trucks_are_registered_with_default_specs(
    fixed: httpx.AsyncClient,
) -> None:
    assert_counts(await fixed.post(URL, json={"readings": [row("NEW-7")]}), 1, 0, 0)
    response = await fixed.get("/api/v2/trucks/NEW-7")
    assert response.status_code == 200, response.text
    assert response.json()["tank_capacity_gal"] == 200
    assert response.json()["def_tank_gal"] == 15


# ---- NDJSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/x-ndjson", "application/x-ndjson; charset=utf-8", "application/ndjson"],
)
async def test_an_ndjson_batch_is_stored(
    fixed: httpx.AsyncClient, db: AsyncEngine, content_type: str
) -> None:
    body = ndjson(row("T1", -3, fuel_level_pct=70), row("T1", -2, fuel_level_pct=69), "")
    response = await fixed.post(URL, content=body + b"\n", headers={"content-type": content_type})
    assert_counts(response, 2, 0, 0)
    assert await stored(db) == 2
    assert (await sensors(fixed, "T1"))["fuel"]["level_pct"] == 69


async def test_a_malformed_ndjson_line_is_rejected_by_index_and_the_others_stored(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    body = ndjson(row("T1", -3), '{"truck_id": "T1", "ts": ', row("T1", -2))
    result = assert_counts(await fixed.post(URL, content=body, headers=NDJSON), 2, 0, 1)
    [rejection] = result["rejected"]
    assert rejection["index"] == 1
    assert rejection["field"] == "reading"
    assert "malformed" in rejection["reason"]
    assert await stored(db) == 2


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_in_an_ndjson_line_reject_that_line(
    fixed: httpx.AsyncClient, db: AsyncEngine, literal: str
) -> None:
    bad = f'{{"truck_id":"T1","ts":"{ts(-2)}","speed_mph":{literal}}}'
    body = ndjson(row("T1", -3, speed_mph=10), bad)
    result = assert_counts(await fixed.post(URL, content=body, headers=NDJSON), 1, 0, 1)
    assert result["rejected"][0]["index"] == 1
    assert result["rejected"][0]["field"] == "reading"
    assert await stored(db) == 1
    assert sensor(await sensors(fixed, "T1"), "speed_mph")["value"] == 10


async def test_nan_in_a_json_body_is_a_malformed_body(fixed: httpx.AsyncClient) -> None:
    body = f'{{"readings": [{{"truck_id":"T1","ts":"{ts(-1)}","speed_mph":NaN}}]}}'
    response = await fixed.post(
        URL, content=body.encode(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "body")


# ---- rows that break the contract ------------------------------------------------------------


CONTRACT_BREAKERS: list[tuple[str, Any, str]] = [
    ("unknown field", row(fuel_level=50), "fuel_level"),
    ("fuel 101 %", row(fuel_level_pct=101), "fuel_level_pct"),
    ("fuel below 0", row(fuel_level_pct=-0.1), "fuel_level_pct"),
    ("speed 131", row(speed_mph=131), "speed_mph"),
    ("battery -1 V", row(battery_voltage=-1), "battery_voltage"),
    ("rpm 4001", row(rpm=4001), "rpm"),
    ("coolant -61", row(coolant_temp_f=-61), "coolant_temp_f"),
    ("lat 91", row(lat=91), "lat"),
    ("odometer below 0", row(odometer_mi=-1), "odometer_mi"),
    ("number as string", row(fuel_level_pct="50"), "fuel_level_pct"),
    ("number as true", row(speed_mph=True), "speed_mph"),
    ("number as list", row(rpm=[700]), "rpm"),
    ("flag as string", row(harsh_brake="yes"), "harsh_brake"),
    ("empty driver", row(driver_id=""), "driver_id"),
    ("driver of 65", row(driver_id="d" * 65), "driver_id"),
    ("ts 6 min ahead", row(minute=6), "ts"),
    ("ts not a date", row() | {"ts": "yesterday"}, "ts"),
    ("ts a number", row() | {"ts": 1767621600}, "ts"),
    ("ts date only", row() | {"ts": "2026-01-05"}, "ts"),
    ("truck_id of 33", row("T" * 33), "truck_id"),
    ("truck_id with space", row("T 1"), "truck_id"),
    ("truck_id with slash", row("T/1"), "truck_id"),
    ("truck_id empty", row(""), "truck_id"),
    ("truck_id a number", row() | {"truck_id": 12}, "truck_id"),
    ("dtc without FMI", row(dtc_codes=["100"]), "dtc_codes"),
    ("dtc FMI 32", row(dtc_codes=["100-32"]), "dtc_codes"),
    ("dtc OBD-style", row(dtc_codes=["P0420"]), "dtc_codes"),
    ("dtc not a list", row(dtc_codes="100-1"), "dtc_codes"),
    ("ts missing", {"truck_id": "T1", "speed_mph": 10}, "ts"),
    ("truck_id missing", {"ts": ts(-1), "speed_mph": 10}, "truck_id"),
    ("not an object", ["T1", ts(-1)], "reading"),
]


async def test_rows_breaking_the_contract_are_rejected_each_naming_its_field(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    """One valid row first, then one row per way of breaking the contract (DOMAIN.md §1):
    each is rejected at its own index with the field at fault; nothing is clamped."""
    batch = [row("OK", -2, fuel_level_pct=50), *(bad for _, bad, _ in CONTRACT_BREAKERS)]
    result = assert_counts(
        await fixed.post(URL, json={"readings": batch}), 1, 0, len(CONTRACT_BREAKERS)
    )
    got = [(r["index"], r["field"]) for r in result["rejected"]]
    want = [(i, field) for i, (_, _, field) in enumerate(CONTRACT_BREAKERS, start=1)]
    named = {i: case for i, (case, _, _) in enumerate(CONTRACT_BREAKERS, start=1)}
    assert got == want, [(named[i], f, w) for (i, f), (_, w) in zip(got, want, strict=True)]
    assert all(r["reason"] for r in result["rejected"])
    assert await stored(db) == 1
    assert (await fixed.get("/api/v2/trucks")).json()["total"] == 1


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"], ids=["min", "max"]
)
async def test_a_timestamp_beyond_the_datetime_range_is_a_row_rejection(
    fixed: httpx.AsyncClient, db: AsyncEngine, stamp: str
) -> None:
    """Its offset pushes it outside what a datetime can hold: a bad row, never a 500."""
    batch = [row("OK", -2), row() | {"ts": stamp}]
    result = assert_counts(await fixed.post(URL, json={"readings": batch}), 1, 0, 1)
    assert (result["rejected"][0]["index"], result["rejected"][0]["field"]) == (1, "ts")
    assert await stored(db) == 1


async def test_a_fault_code_with_non_ascii_digits_is_rejected(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    """Codes are "SPN-FMI" in ASCII digits; Arabic-Indic digits (which `\\d` matches) are not."""
    batch = [row("OK", -2), row(dtc_codes=["\u0661\u0660\u0660-1"])]
    result = assert_counts(await fixed.post(URL, json={"readings": batch}), 1, 0, 1)
    assert (result["rejected"][0]["index"], result["rejected"][0]["field"]) == (1, "dtc_codes")
    assert await stored(db) == 1


async def test_mixed_rows_store_the_valid_ones_and_list_the_others(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    batch = [
        row("T1", -4, fuel_level_pct=80),
        row("T1", -3, fuel_level_pct=180),
        row("T1", -2, fuel_level_pct=79, colour="red"),
        row("T2", -2, speed_mph=55),
        row("T1", -1, speed_mph="fast"),
    ]
    result = assert_counts(await fixed.post(URL, json={"readings": batch}), 2, 0, 3)
    assert [(r["index"], r["field"]) for r in result["rejected"]] == [
        (1, "fuel_level_pct"),
        (2, "colour"),
        (4, "speed_mph"),
    ]
    assert all(r["reason"] for r in result["rejected"])
    assert "180" in result["rejected"][0]["reason"]
    assert await stored(db) == 2
    t1 = await sensors(fixed, "T1")
    assert t1["fuel"]["level_pct"] == 80
    assert t1["ts"] == ts(-4)
    assert sensor(await sensors(fixed, "T2"), "speed_mph")["value"] == 55


async def test_every_row_rejected_is_a_422_problem_with_the_counts(
    fixed: httpx.AsyncClient, db: AsyncEngine
) -> None:
    batch = [row(fuel_level_pct=101), row("T 2")]
    body = assert_problem(await fixed.post(URL, json={"readings": batch}), 422, "fuel_level_pct")
    assert (body["accepted"], body["duplicates"], body["received"]) == (0, 0, 2)
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (0, "fuel_level_pct"),
        (1, "truck_id"),
    ]
    assert await stored(db) == 0
    assert (await fixed.get("/api/v2/trucks")).json()["total"] == 0


async def test_a_reading_up_to_five_minutes_ahead_is_accepted(fixed: httpx.AsyncClient) -> None:
    batch = [row(minute=4.9), row(minute=5.1)]
    result = assert_counts(await fixed.post(URL, json={"readings": batch}), 1, 0, 1)
    assert result["rejected"][0]["index"] == 1
    assert result["rejected"][0]["field"] == "ts"


# ---- timestamps ------------------------------------------------------------------------------


async def test_timestamps_with_an_offset_are_stored_as_utc(fixed: httpx.AsyncClient) -> None:
    local = (NOW - timedelta(minutes=2)).astimezone().isoformat()
    plus_two = "2026-01-05T15:30:00+02:00"
    batch = [row("T1") | {"ts": plus_two}, row("T2") | {"ts": local}]
    assert_counts(await fixed.post(URL, json={"readings": batch}), 2, 0, 0)
    assert (await sensors(fixed, "T1"))["ts"] == "2026-01-05T13:30:00Z"
    assert (await sensors(fixed, "T2"))["ts"] == ts(-2)


async def test_a_naive_timestamp_is_read_as_utc_by_default(fixed: httpx.AsyncClient) -> None:
    naive = row() | {"ts": "2026-01-05T13:55:00"}
    assert_counts(await fixed.post(URL, json={"readings": [naive]}), 1, 0, 0)
    snapshot = await sensors(fixed, "T1")
    assert snapshot["ts"] == "2026-01-05T13:55:00Z"
    assert snapshot["data_age_s"] == 300


async def test_a_naive_timestamp_is_rejected_when_the_setting_says_so(
    db: AsyncEngine, database_url: str
) -> None:
    settings = settings_for(database_url, naive_timestamps="reject")
    async with serving(db, settings, clock=FixedClock(NOW)) as http:
        batch = [row("T1", -2), row("T1") | {"ts": "2026-01-05T13:59:00"}]
        result = assert_counts(await http.post(URL, json={"readings": batch}), 1, 0, 1)
        assert result["rejected"][0]["index"] == 1
        assert result["rejected"][0]["field"] == "ts"
        only_naive = [row("T2") | {"ts": "2026-01-05T13:59:00"}]
        assert_problem(await http.post(URL, json={"readings": only_naive}), 422, "ts")


# ---- the body as a whole ---------------------------------------------------------------------


async def test_a_malformed_json_body_is_a_400_problem(fixed: httpx.AsyncClient) -> None:
    response = await fixed.post(
        URL, content=b'{"readings": [', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "body")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        pytest.param([row()], "body", id="array"),
        pytest.param("readings", "body", id="string"),
        pytest.param({"readings": row()}, "readings", id="readings-an-object"),
        pytest.param({"readings": None}, "readings", id="readings-null"),
        pytest.param({}, "readings", id="no-readings"),
        pytest.param({"readings": [row()], "truck": "T1"}, "truck", id="unknown-top-level-key"),
    ],
)
async def test_a_body_of_the_wrong_shape_is_a_422_naming_the_field(
    fixed: httpx.AsyncClient, db: AsyncEngine, document: Any, field: str
) -> None:
    assert_problem(await fixed.post(URL, json=document), 422, field)
    assert await stored(db) == 0


async def test_a_text_body_is_a_415_problem(fixed: httpx.AsyncClient) -> None:
    response = await fixed.post(
        URL, content=orjson.dumps({"readings": [row()]}), headers={"content-type": "text/plain"}
    )
    body = assert_problem(response, 415, "content-type")
    assert "text/plain" in body["detail"]


async def test_a_body_without_content_type_is_a_415_problem(fixed: httpx.AsyncClient) -> None:
    response = await fixed.post(URL, content=orjson.dumps({"readings": [row()]}))
    assert "content-type" not in response.request.headers
    assert_problem(response, 415, "content-type")


def _batch_of_size(size: int) -> bytes:
    """A valid JSON batch padded with whitespace to exactly ``size`` bytes."""
    body = orjson.dumps({"readings": [row()]})
    assert len(body) <= size
    return body + b" " * (size - len(body))


async def test_a_body_over_the_configured_limit_is_a_413_problem(
    db: AsyncEngine, database_url: str
) -> None:
    settings = settings_for(database_url, max_body_bytes=10_000)
    json_type = {"content-type": "application/json"}
    async with serving(db, settings, clock=FixedClock(NOW)) as http:
        assert_problem(
            await http.post(URL, content=_batch_of_size(10_001), headers=json_type), 413, None
        )

        async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
            for _ in range(11):
                yield b" " * 1_000

        response = await http.post(URL, content=chunked(), headers=json_type)
        assert "content-length" not in response.request.headers
        assert_problem(response, 413, None)
        assert await stored(db) == 0

        at_limit = await http.post(URL, content=_batch_of_size(10_000), headers=json_type)
        assert_counts(at_limit, 1, 0, 0)


async def test_ten_megabytes_is_a_413_problem_not_a_500(fixed: httpx.AsyncClient) -> None:
    response = await fixed.post(
        URL, content=_batch_of_size(10_000_000), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, None)
    response = await fixed.post(URL, content=b"x" * 10_000_000, headers=NDJSON)
    assert_problem(response, 413, None)


async def test_a_batch_longer_than_max_batch_is_a_413_problem(
    db: AsyncEngine, database_url: str
) -> None:
    async with serving(db, settings_for(database_url, max_batch=3), clock=FixedClock(NOW)) as http:
        four = [row("T1", -m) for m in range(1, 5)]
        assert_problem(await http.post(URL, json={"readings": four}), 413, "readings")
        response = await http.post(URL, content=ndjson(*four), headers=NDJSON)
        assert_problem(response, 413, "readings")
        assert await stored(db) == 0
        assert_counts(await http.post(URL, json={"readings": four[:3]}), 3, 0, 0)


# ---- registration off ------------------------------------------------------------------------


async def test_unknown_trucks_are_rejected_when_auto_registration_is_off(
    db: AsyncEngine, database_url: str
) -> None:
    settings = settings_for(database_url, auto_register=False)
    async with serving(db, settings, clock=FixedClock(NOW)) as http:
        put = await http.put("/api/v2/trucks/KNOWN", json={"tank_capacity_gal": 150})
        assert put.status_code == 201, put.text
        batch = [row("KNOWN", -2, fuel_level_pct=50), row("STRANGER", -2, fuel_level_pct=50)]
        result = assert_counts(await http.post(URL, json={"readings": batch}), 1, 0, 1)
        [rejection] = result["rejected"]
        assert (rejection["index"], rejection["field"]) == (1, "truck_id")
        assert "STRANGER" in rejection["reason"]
        assert (await http.get("/api/v2/trucks/STRANGER")).status_code == 404
        assert (await sensors(http, "KNOWN"))["fuel"]["gallons"] == 75
        only_strangers = [row("STRANGER", -1)]
        assert_problem(await http.post(URL, json={"readings": only_strangers}), 422, "truck_id")
        assert await stored(db) == 1
