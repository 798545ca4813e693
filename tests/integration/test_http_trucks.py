"""Trucks (registry, list with status, live sensors) and the fleet summary, over HTTP,
on SQLite and MySQL, with the app's clock fixed so that status and ages are exact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.domain.telemetry import SPECS
from tests.conftest import NOW
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for
from tests.integration.http_helpers import assert_problem, ok

TRUCKS = "/api/v2/trucks"
SUMMARY = "/api/v2/fleet/summary"


def ts(minutes: float = 0) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def row(truck: str, minute: float, **values: Any) -> dict[str, Any]:
    return {"truck_id": truck, "ts": ts(minute), **values}


async def ingest(http: httpx.AsyncClient, *rows: dict[str, Any]) -> None:
    body = ok(await http.post("/api/v2/telemetry", json={"readings": list(rows)}))
    assert body["rejected"] == [], body
    assert body["accepted"] == len(rows), body


async def put(http: httpx.AsyncClient, truck: str, **spec: Any) -> dict[str, Any]:
    response = await http.put(f"{TRUCKS}/{truck}", json=spec)
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def fixed(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        yield http


async def status_fleet(http: httpx.AsyncClient) -> None:
    """One truck per status (DOMAIN.md §3), relative to the fixed clock's NOW."""
    await put(http, "NEVER", tank_capacity_gal=100)  # registered, never reported
    await ingest(
        http,
        row("MOVE", -1, speed_mph=55, rpm=1400, fuel_level_pct=50),
        row("IDLE", -2, speed_mph=0, rpm=700, fuel_level_pct=10),
        row("IDLE-RATE", -2, fuel_rate_gph=1.2, fuel_level_pct=80),
        row("STOP", -3, speed_mph=0, rpm=0, fuel_level_pct=30),
        row("EDGE", -15, speed_mph=0, fuel_level_pct=60),  # exactly 15 min: not yet offline
        row("GONE", -16, speed_mph=60, fuel_level_pct=15),
    )


# ---- list ------------------------------------------------------------------------------------


async def test_the_list_is_paginated(fixed: httpx.AsyncClient) -> None:
    for n in range(1, 6):
        await put(fixed, f"T{n:02}")
    first = ok(await fixed.get(TRUCKS, params={"limit": 2}))
    assert [t["truck_id"] for t in first["items"]] == ["T01", "T02"]
    assert (first["total"], first["offset"], first["limit"], first["next_offset"]) == (5, 0, 2, 2)

    second = ok(await fixed.get(TRUCKS, params={"offset": first["next_offset"], "limit": 2}))
    assert [t["truck_id"] for t in second["items"]] == ["T03", "T04"]
    assert second["next_offset"] == 4

    last = ok(await fixed.get(TRUCKS, params={"offset": 4, "limit": 2}))
    assert [t["truck_id"] for t in last["items"]] == ["T05"]
    assert last["next_offset"] is None

    beyond = ok(await fixed.get(TRUCKS, params={"offset": 10}))
    assert (beyond["items"], beyond["total"], beyond["next_offset"]) == ([], 5, None)

    everything = ok(await fixed.get(TRUCKS))
    assert (everything["offset"], everything["limit"], everything["total"]) == (0, 50, 5)
    assert len(everything["items"]) == 5


async def test_the_list_carries_each_trucks_status_and_latest_data(
    fixed: httpx.AsyncClient,
) -> None:
    await status_fleet(fixed)
    page = ok(await fixed.get(TRUCKS))
    items = {t["truck_id"]: t for t in page["items"]}
    assert page["total"] == 7
    assert {name: t["status"] for name, t in items.items()} == {
        "EDGE": "STOPPED",
        "GONE": "OFFLINE",
        "IDLE": "IDLE",
        "IDLE-RATE": "IDLE",
        "MOVE": "MOVING",
        "NEVER": "OFFLINE",
        "STOP": "STOPPED",
    }
    assert items["MOVE"]["data_age_s"] == 60
    assert items["MOVE"]["last_seen"] == ts(-1)
    assert items["MOVE"]["fuel_level_pct"] == 50
    assert items["GONE"]["data_age_s"] == 960
    never = items["NEVER"]
    assert (never["last_seen"], never["data_age_s"], never["fuel_level_pct"]) == (None, None, None)
    assert never["tank_capacity_gal"] == 100


@pytest.mark.parametrize(
    ("status", "trucks"),
    [
        ("MOVING", ["MOVE"]),
        ("IDLE", ["IDLE", "IDLE-RATE"]),
        ("STOPPED", ["EDGE", "STOP"]),
        ("OFFLINE", ["GONE", "NEVER"]),
    ],
)
async def test_the_list_filters_by_status(
    fixed: httpx.AsyncClient, status: str, trucks: list[str]
) -> None:
    await status_fleet(fixed)
    page = ok(await fixed.get(TRUCKS, params={"status": status}))
    assert [t["truck_id"] for t in page["items"]] == trucks
    assert all(t["status"] == status for t in page["items"])
    assert (page["total"], page["next_offset"]) == (len(trucks), None)


async def test_a_status_filter_is_paginated_over_the_matching_trucks(
    fixed: httpx.AsyncClient,
) -> None:
    await ingest(fixed, *(row(f"M{n}", -1, speed_mph=40 + n) for n in range(3)))
    await ingest(fixed, row("S0", -1, speed_mph=0))
    first = ok(await fixed.get(TRUCKS, params={"status": "MOVING", "limit": 2}))
    assert [t["truck_id"] for t in first["items"]] == ["M0", "M1"]
    assert (first["total"], first["next_offset"]) == (3, 2)
    rest = ok(await fixed.get(TRUCKS, params={"status": "MOVING", "offset": 2, "limit": 2}))
    assert [t["truck_id"] for t in rest["items"]] == ["M2"]
    assert (rest["total"], rest["next_offset"]) == (3, None)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"status": "PARKED"}, "status", id="unknown-status"),
        pytest.param({"limit": "0"}, "limit", id="limit-0"),
        pytest.param({"limit": "501"}, "limit", id="limit-501"),
        pytest.param({"limit": "ten"}, "limit", id="limit-text"),
        pytest.param({"offset": "-1"}, "offset", id="offset-negative"),
        pytest.param({"colour": "red"}, "colour", id="unknown-parameter"),
        pytest.param([("limit", "5"), ("limit", "10")], "limit", id="repeated-parameter"),
    ],
)
async def test_a_bad_list_query_is_a_422_naming_the_parameter(
    client: httpx.AsyncClient, params: Any, field: str
) -> None:
    assert_problem(await client.get(TRUCKS, params=params), 422, field)


# ---- one truck -------------------------------------------------------------------------------

SPEC = {
    "carrier_id": "ACME",
    "vin": "1XKYD49X0MJ123456",
    "year": 2021,
    "make": "Kenworth",
    "model": "T680",
    "tank_capacity_gal": 300.0,
    "baseline_mpg": 7.1,
    "def_tank_gal": 23.0,
    "fuel_price_per_gal": 3.89,
    "thresholds": {"refuel_min_pct": 10.0},
}


async def test_put_creates_then_replaces_and_get_returns_what_was_put(
    client: httpx.AsyncClient,
) -> None:
    created = ok(await client.put(f"{TRUCKS}/K-680", json=SPEC), 201)
    assert created == {"truck_id": "K-680", **SPEC}
    assert ok(await client.get(f"{TRUCKS}/K-680")) == created

    again = ok(await client.put(f"{TRUCKS}/K-680", json={**SPEC, "truck_id": "K-680"}), 200)
    assert again == created

    replaced = ok(await client.put(f"{TRUCKS}/K-680", json={"tank_capacity_gal": 150}), 200)
    assert replaced["tank_capacity_gal"] == 150
    assert replaced["vin"] is None  # PUT replaces the entry; it does not merge into it
    assert replaced["thresholds"] == {}
    assert replaced["baseline_mpg"] == 6.5
    assert ok(await client.get(f"{TRUCKS}/K-680")) == replaced
    assert ok(await client.get(TRUCKS))["total"] == 1


async def test_truck_ids_differing_only_in_case_are_two_trucks(
    client: httpx.AsyncClient,
) -> None:
    ok(await client.put(f"{TRUCKS}/AB1", json={"tank_capacity_gal": 100}), 201)
    ok(await client.put(f"{TRUCKS}/ab1", json={"tank_capacity_gal": 300}), 201)
    assert ok(await client.get(f"{TRUCKS}/AB1"))["tank_capacity_gal"] == 100
    lower = ok(await client.get(f"{TRUCKS}/ab1"))
    assert (lower["truck_id"], lower["tank_capacity_gal"]) == ("ab1", 300)
    assert ok(await client.get(TRUCKS))["total"] == 2


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"tank_capacity_gal": -5}, 422, "tank_capacity_gal", id="negative-tank"),
        pytest.param({"tank_capacity_gal": "big"}, 422, "tank_capacity_gal", id="text-tank"),
        pytest.param({"year": 1800}, 422, "year", id="year-1800"),
        pytest.param({"vin": "X" * 18}, 422, "vin", id="vin-18"),
        pytest.param({"colour": "red"}, 422, "colour", id="unknown-field"),
        pytest.param({"truck_id": "OTHER"}, 422, "truck_id", id="other-truck-id"),
        pytest.param([SPEC], 422, "body", id="array"),
        pytest.param(b"{not json", 400, "body", id="not-json"),
    ],
)
async def test_an_invalid_put_is_refused_naming_the_field(
    client: httpx.AsyncClient, body: Any, status: int, field: str
) -> None:
    if isinstance(body, bytes):
        response = await client.put(
            f"{TRUCKS}/K1", content=body, headers={"content-type": "application/json"}
        )
    else:
        response = await client.put(f"{TRUCKS}/K1", json=body)
    assert_problem(response, status, field)
    assert_problem(await client.get(f"{TRUCKS}/K1"), 404, "truck_id")


async def test_a_put_that_is_not_json_is_a_415(client: httpx.AsyncClient) -> None:
    response = await client.put(
        f"{TRUCKS}/K1", content=b"tank=300", headers={"content-type": "text/plain"}
    )
    assert_problem(response, 415, "content-type")


async def test_an_unknown_truck_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{TRUCKS}/NOPE"), 404, "truck_id")
    assert "NOPE" in body["detail"]
    assert_problem(await client.get(f"{TRUCKS}/NOPE/sensors"), 404, "truck_id")


@pytest.mark.parametrize(
    "path",
    [f"{TRUCKS}/{'X' * 40}", f"{TRUCKS}/{'X' * 40}/sensors", f"{TRUCKS}/T%201/sensors"],
    ids=["get", "sensors", "space"],
)
async def test_an_invalid_truck_id_in_the_path_is_a_422(
    client: httpx.AsyncClient, path: str
) -> None:
    assert_problem(await client.get(path), 422, "truck_id")


async def test_put_with_an_invalid_truck_id_in_the_path_is_a_422(
    client: httpx.AsyncClient,
) -> None:
    assert_problem(await client.put(f"{TRUCKS}/{'X' * 40}", json={}), 422, "truck_id")


# ---- live sensors ----------------------------------------------------------------------------


def by_name(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in snapshot["sensors"]}


async def test_sensors_give_every_value_with_unit_time_and_age(fixed: httpx.AsyncClient) -> None:
    await put(fixed, "R1", tank_capacity_gal=300)
    older = row(
        "R1",
        -10,
        fuel_level_pct=50,
        coolant_temp_f=190,
        lat=41.88,
        lon=-87.63,
        dtc_codes=["100-1", "110-0"],
        harsh_brake=True,
        driver_id="D-7",
    )
    newer = row("R1", -2, fuel_level_pct=40, speed_mph=55, rpm=1400, battery_voltage=13.9)
    await ingest(fixed, older, newer)

    snap = ok(await fixed.get(f"{TRUCKS}/R1/sensors"))
    assert snap["truck_id"] == "R1"
    assert snap["status"] == "MOVING"
    assert snap["ts"] == ts(-2)
    assert snap["data_age_s"] == 120
    assert snap["fuel"] == {"level_pct": 40, "gallons": 120, "tank_capacity_gal": 300}
    assert snap["location"] == {"lat": 41.88, "lon": -87.63, "ts": ts(-10)}

    sensors = by_name(snap)
    sent = {**older, **newer}
    assert set(sensors) == set(sent) - {"truck_id", "ts"}
    for name, sensor in sensors.items():
        assert sensor["unit"] == SPECS[name].unit, name
        when = newer if name in newer else older
        assert sensor["ts"] == when["ts"], name
        assert sensor["age_s"] == (NOW - datetime.fromisoformat(when["ts"])).total_seconds()
    assert sensors["speed_mph"]["unit"] == "mph"
    assert sensors["fuel_level_pct"]["value"] == 40
    # absent from the newest reading: the older value stays, with its own (older) time
    assert sensors["coolant_temp_f"] == {
        "name": "coolant_temp_f",
        "value": 190,
        "unit": "°F",
        "ts": ts(-10),
        "age_s": 600,
    }
    assert sensors["dtc_codes"]["value"] == ["100-1", "110-0"]
    assert sensors["harsh_brake"]["value"] is True
    assert sensors["driver_id"]["value"] == "D-7"


async def test_sensors_do_not_depend_on_arrival_order(fixed: httpx.AsyncClient) -> None:
    readings = [
        (-9, {"fuel_level_pct": 70, "oil_temp_f": 220, "speed_mph": 0}),
        (-6, {"fuel_level_pct": 68, "speed_mph": 40}),
        (-3, {"speed_mph": 62, "rpm": 1500}),
    ]
    for minute, values in readings:
        await ingest(fixed, row("IN-ORDER", minute, **values))
    for minute, values in reversed(readings):
        await ingest(fixed, row("REVERSED", minute, **values))
    in_order = ok(await fixed.get(f"{TRUCKS}/IN-ORDER/sensors"))
    reversed_ = ok(await fixed.get(f"{TRUCKS}/REVERSED/sensors"))
    assert in_order.pop("truck_id") == "IN-ORDER"
    assert reversed_.pop("truck_id") == "REVERSED"
    assert in_order == reversed_
    assert in_order["ts"] == ts(-3)
    assert by_name(in_order)["oil_temp_f"]["ts"] == ts(-9)
    assert by_name(in_order)["fuel_level_pct"]["value"] == 68


# ---- fleet summary ---------------------------------------------------------------------------


async def test_the_fleet_summary_counts_statuses_fuel_and_lists_problems(
    fixed: httpx.AsyncClient,
) -> None:
    await put(fixed, "MOVE", tank_capacity_gal=300)
    await status_fleet(fixed)
    summary = ok(await fixed.get(SUMMARY))

    assert summary["generated_at"] == ts(0)
    assert summary["trucks"] == 7
    assert summary["by_status"] == {"MOVING": 1, "IDLE": 2, "STOPPED": 2, "OFFLINE": 2}
    # level x tank: MOVE 50 % of 300, the others of 200 (NEVER has no level)
    on_hand = 150 + 20 + 160 + 60 + 120 + 30
    capacity = 300 + 200 * 5
    assert summary["fuel_on_hand_gal"] == on_hand
    assert summary["fuel_capacity_gal"] == capacity
    assert summary["fuel_on_hand_pct"] == round(on_hand / capacity * 100, 2)
    assert summary["low_fuel_threshold_pct"] == 20
    assert [(t["truck_id"], t["fuel_level_pct"], t["fuel_gal"]) for t in summary["low_fuel"]] == [
        ("IDLE", 10, 20),
        ("GONE", 15, 30),
    ]
    assert [(t["truck_id"], t["status"], t["data_age_s"]) for t in summary["offline"]] == [
        ("GONE", "OFFLINE", 960)
    ]
    assert summary["never_reported"] == ["NEVER"]
    assert summary["newest_data_age_s"] == 60
    # without from/to the period is the 7 days up to now, widened to whole UTC days
    assert summary["period"] == {"from": "2025-12-29T00:00:00Z", "to": "2026-01-06T00:00:00Z"}


async def test_an_empty_tank_is_low_on_fuel(fixed: httpx.AsyncClient) -> None:
    await ingest(
        fixed,
        row("EMPTY", -1, fuel_level_pct=0),
        row("LOW", -1, fuel_level_pct=19.9),
        row("FULL", -1, fuel_level_pct=20),
        row("UNKNOWN", -1, speed_mph=0),
    )
    summary = ok(await fixed.get(SUMMARY))
    assert [t["truck_id"] for t in summary["low_fuel"]] == ["EMPTY", "LOW"]


async def test_an_empty_fleet_has_a_summary_too(fixed: httpx.AsyncClient) -> None:
    summary = ok(await fixed.get(SUMMARY))
    assert summary["trucks"] == 0
    assert summary["by_status"] == {"MOVING": 0, "IDLE": 0, "STOPPED": 0, "OFFLINE": 0}
    assert (summary["fuel_on_hand_gal"], summary["fuel_on_hand_pct"]) == (0, None)
    assert (summary["low_fuel"], summary["offline"], summary["newest_data_age_s"]) == ([], [], None)


async def test_the_summary_echoes_its_period(fixed: httpx.AsyncClient) -> None:
    params = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-05T02:00:00+02:00"}
    summary = ok(await fixed.get(SUMMARY, params=params))
    period = {k: datetime.fromisoformat(v) for k, v in summary["period"].items()}
    assert period == {k: datetime.fromisoformat(v) for k, v in params.items()}
    assert summary["period"]["to"].endswith("Z")


def period(start: str, end: str) -> dict[str, str]:
    return {"from": start, "to": end}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param(period("2026-01-05T00:00:00Z", "2026-01-04T00:00:00Z"), "to", id="to<from"),
        pytest.param(period("2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z"), "to", id="to=from"),
        pytest.param(
            period("2026-01-05T02:00:00+02:00", "2026-01-05T00:00:00Z"), "to", id="to=from-offsets"
        ),
        pytest.param({"from": "last tuesday"}, "from", id="bad-from"),
        pytest.param({"to": "2026-13-01T00:00:00Z"}, "to", id="bad-to"),
        pytest.param({"since": "2026-01-01T00:00:00Z"}, "since", id="unknown-parameter"),
    ],
)
async def test_a_bad_period_is_a_422_naming_the_parameter(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    assert_problem(await client.get(SUMMARY, params=params), 422, field)
