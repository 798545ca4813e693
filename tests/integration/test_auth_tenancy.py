"""Carrier isolation, on SQLite and MySQL, through the real app with FUEL_AUTH on.

Carrier A owns trucks AAA-1 and AAA-2, carrier B owns BBB-1; each drove a trip on day D
(2026-02-02) with its own driver, BBB-1 refuelled. A key of carrier A asking for BBB-1 gets
exactly the 404 a missing truck gets, in every truck endpoint and export, and every fleet-wide
answer holds A's trucks only (an all-carrier key sees BBB-1 in the same answers, so the
absence means something). A's ingestion of BBB-1 rows is rejected row by row like an unknown
truck's; trucks it auto-registers are A's; PUT cannot take or give away a truck.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.domain.auth import Scope
from tests.integration.http_helpers import PROBLEM, iso, ok
from tests.integration.test_auth import bearer, make_key, secured

D = datetime(2026, 2, 2, tzinfo=UTC)
DAY = {"from": iso(D), "to": iso(D + timedelta(days=1))}
A, B = "carrier-a", "carrier-b"
MINE, THEIRS, MISSING = "AAA-1", "BBB-1", "ZZZ-9"
TRUCK_VALUES = {"sensor": "coolant_temp_f"}


def history(truck: str, driver: str, *, refuel: bool = False) -> list[dict[str, Any]]:
    """90 minutes from 06:00: engine on at 06:05, 50 mph 06:10-07:00, engine off at 07:10;
    a refuel of 30 % at 07:15 when asked."""
    rows: list[dict[str, Any]] = []
    odometer, fuel, level = 10_000.0, 500.0, 60.0
    for i in range(90):
        moving, engine = 10 <= i < 60, 5 <= i < 70
        mph = 50.0 if moving else 0.0
        gph = 8.0 if moving else (1.2 if engine else 0.0)
        if refuel and i == 75:
            level += 30.0
        rows.append(
            {
                "truck_id": truck,
                "ts": iso(D + timedelta(hours=6, minutes=i)),
                "speed_mph": mph,
                "rpm": 1400.0 if moving else (650.0 if engine else 0.0),
                "odometer_mi": round(odometer, 4),
                "total_fuel_gal": round(fuel, 4),
                "fuel_rate_gph": gph,
                "fuel_level_pct": round(level, 3),
                "coolant_temp_f": 190.0 if engine else 90.0,
                "driver_id": driver,
                "lat": 41.0,
                "lon": round(-87.0 + 0.012 * min(max(i - 10, 0), 50), 5),
            }
        )
        odometer += mph / 60
        fuel += gph / 60
        level -= gph / 60 / 200 * 100
    return rows


@pytest.fixture
async def fleet(db: AsyncEngine, database_url: str) -> AsyncIterator[dict[str, Any]]:
    """The app, an all-carrier read key, carrier A's keys, and the two carriers' trucks."""
    everything = bearer(await make_key(db, [Scope.ADMIN]))
    async with secured(db, database_url) as http:
        for truck, carrier in ((MINE, A), ("AAA-2", A), (THEIRS, B)):
            body = {"carrier_id": carrier, "make": "Volvo", "model": "VNL", "year": 2020}
            put = await http.put(f"/api/v2/trucks/{truck}", json=body, headers=everything)
            assert put.status_code == 201, put.text
        rows = history(MINE, "D-A") + history("AAA-2", "D-A2") + history(THEIRS, "D-B", refuel=True)
        ok(await http.post("/api/v2/telemetry", json={"readings": rows}, headers=everything))
        yield {
            "http": http,
            "all": everything,
            "a": bearer(await make_key(db, [Scope.READ], carrier=A)),
            "a_ingest": bearer(await make_key(db, [Scope.INGEST], carrier=A)),
        }


def same_404(other: httpx.Response, missing: httpx.Response, where: str) -> None:
    assert (other.status_code, missing.status_code) == (404, 404), (where, other.text)
    assert other.headers["content-type"].startswith(PROBLEM)
    mine = other.json()
    mine["detail"] = mine["detail"].replace(THEIRS, MISSING)
    assert mine == missing.json(), where


def truck_paths(document: dict[str, Any]) -> list[str]:
    found = []
    for template, item in document["paths"].items():
        if "{truck_id}" in template and "get" in item:
            path = template
            for name, value in TRUCK_VALUES.items():
                path = path.replace(f"{{{name}}}", value)
            found.append(path)
    return found


async def test_another_carriers_truck_is_404_like_a_missing_one(fleet: dict[str, Any]) -> None:
    http, a = fleet["http"], fleet["a"]
    document = ok(await http.get("/openapi.json"))
    paths = truck_paths(document)
    assert len(paths) == 11, paths
    for template in paths:
        params = DAY if not template.endswith(("/components", "/sensors", "}")) else None
        mine = await http.get(template.replace("{truck_id}", MINE), params=params, headers=a)
        assert mine.status_code == 200, (template, mine.text)
        theirs = template.replace("{truck_id}", THEIRS)
        other = await http.get(theirs, params=params, headers=a)
        missing = await http.get(template.replace("{truck_id}", MISSING), params=params, headers=a)
        same_404(other, missing, template)
        seen = await http.get(theirs, params=params, headers=fleet["all"])
        assert seen.status_code == 200, (template, seen.text)
    for export in ("readings.csv", "readings.xlsx", "fuel-events.csv", "fuel-events.xlsx"):
        url = f"/api/v2/export/{export}"
        other = await http.get(url, params={**DAY, "truck_id": f"{MINE},{THEIRS}"}, headers=a)
        missing = await http.get(url, params={**DAY, "truck_id": f"{MINE},{MISSING}"}, headers=a)
        same_404(other, missing, url)


async def test_another_carriers_trip_and_driver_are_not_found(fleet: dict[str, Any]) -> None:
    http, a, everything = fleet["http"], fleet["a"], fleet["all"]
    trips = await http.get(f"/api/v2/trucks/{THEIRS}/trips", params=DAY, headers=everything)
    (trip,) = ok(trips)["items"]
    assert ok(await http.get(f"/api/v2/trips/{trip['trip_id']}", headers=everything))
    other = await http.get(f"/api/v2/trips/{trip['trip_id']}", headers=a)
    seconds = trip["trip_id"].split(".")[1]
    missing = await http.get(f"/api/v2/trips/{MISSING}.{seconds}", headers=a)
    assert (other.status_code, missing.status_code) == (404, 404)
    assert other.json()["title"] == missing.json()["title"]
    assert ok(await http.get("/api/v2/drivers/D-B/score", params=DAY, headers=everything))
    other = await http.get("/api/v2/drivers/D-B/score", params=DAY, headers=a)
    missing = await http.get("/api/v2/drivers/D-NOBODY/score", params=DAY, headers=a)
    assert (other.status_code, missing.status_code) == (404, 404)
    assert ok(await http.get("/api/v2/drivers/D-A/score", params=DAY, headers=a))


def text_of(response: httpx.Response) -> str:
    """The answer as text: JSON and CSV as they are, a workbook's every cell."""
    assert response.status_code == 200, response.text
    if "spreadsheetml" not in response.headers["content-type"]:
        return response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return " ".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
        for cell in row if cell is not None
    )  # fmt: skip


FLEET_WIDE = [
    ("/api/v2/trucks", None, True),
    ("/api/v2/fleet/summary", DAY, True),
    ("/api/v2/fleet/fuel", DAY, True),
    ("/api/v2/fleet/fuel-events", DAY, True),
    ("/api/v2/fleet/maintenance", None, False),
    ("/api/v2/fleet/driver-behavior", DAY, True),
    ("/api/v2/fleet/utilization", DAY, True),
    ("/api/v2/export/readings.csv", DAY, True),
    ("/api/v2/export/readings.xlsx", DAY, True),
    ("/api/v2/export/fuel-events.csv", DAY, True),
    ("/api/v2/export/fuel-events.xlsx", DAY, True),
    ("/api/v2/export/fuel-report.xlsx", DAY, True),
]


@pytest.mark.parametrize(("path", "params", "lists_b"), FLEET_WIDE)
async def test_fleet_wide_answers_hold_the_carriers_trucks_only(
    fleet: dict[str, Any], path: str, params: dict[str, str] | None, lists_b: bool
) -> None:
    http = fleet["http"]
    everything = text_of(await http.get(path, params=params, headers=fleet["all"]))
    mine = text_of(await http.get(path, params=params, headers=fleet["a"]))
    assert "BBB-" not in mine, path
    assert "D-B" not in mine, path
    if lists_b:  # the same answer for every carrier names B's truck
        assert "BBB-" in everything, path
    if "fuel-events" not in path and "maintenance" not in path:
        assert "AAA-" in mine, path


async def test_counts_cover_the_carriers_trucks_only(fleet: dict[str, Any]) -> None:
    http, a = fleet["http"], fleet["a"]
    page = ok(await http.get("/api/v2/trucks", headers=a))
    assert [t["truck_id"] for t in page["items"]] == [MINE, "AAA-2"]
    assert page["total"] == 2
    mine = ok(await http.get("/api/v2/fleet/summary", params=DAY, headers=a))
    every = ok(await http.get("/api/v2/fleet/summary", params=DAY, headers=fleet["all"]))
    assert (mine["trucks"], every["trucks"]) == (2, 3)
    assert (mine["kpis"]["trucks_with_data"], every["kpis"]["trucks_with_data"]) == (2, 3)
    assert mine["kpis"]["refuel_count"] == 0 < every["kpis"]["refuel_count"]
    assert mine["kpis"]["distance_mi"] < every["kpis"]["distance_mi"]
    utilization = ok(await http.get("/api/v2/fleet/utilization", params=DAY, headers=a))
    assert sorted(t["truck_id"] for t in utilization["trucks"]) == [MINE, "AAA-2"]


async def test_ingestion_of_another_carriers_truck_is_rejected_per_row(
    fleet: dict[str, Any],
) -> None:
    http, ingest, everything = fleet["http"], fleet["a_ingest"], fleet["all"]
    ts = iso(D + timedelta(hours=9))
    rows = [{"truck_id": t, "ts": ts, "rpm": 700} for t in (MINE, THEIRS, "NEW-1")]
    result = ok(await http.post("/api/v2/telemetry", json={"readings": rows}, headers=ingest))
    assert (result["accepted"], result["duplicates"]) == (2, 0)
    assert result["rejected"] == [
        {"index": 1, "field": "truck_id", "reason": f"unknown truck {THEIRS!r}"}
    ]
    registered = ok(await http.get("/api/v2/trucks/NEW-1", headers=everything))
    assert registered["carrier_id"] == A
    only_theirs = await http.post("/api/v2/telemetry", json={"readings": [rows[1]]}, headers=ingest)
    assert only_theirs.status_code == 422
    assert only_theirs.json()["rejected"][0]["reason"] == f"unknown truck {THEIRS!r}"


async def test_put_cannot_take_or_give_away_a_truck(fleet: dict[str, Any], db: AsyncEngine) -> None:
    http, everything = fleet["http"], fleet["all"]
    writer = bearer(await make_key(db, [Scope.INGEST], carrier=A))
    taken = await http.put(f"/api/v2/trucks/{THEIRS}", json={"make": "Mack"}, headers=writer)
    missing = await http.get(f"/api/v2/trucks/{MISSING}", headers=fleet["a"])
    same_404(taken, missing, "PUT another carrier's truck")
    assert ok(await http.get(f"/api/v2/trucks/{THEIRS}", headers=everything))["make"] == "Volvo"
    given = await http.put(
        f"/api/v2/trucks/{MINE}", json={"carrier_id": B, "make": "Mack"}, headers=writer
    )
    assert given.status_code == 403
    assert given.json()["field"] == "carrier_id"
    created = await http.put("/api/v2/trucks/AAA-3", json={"make": "Mack"}, headers=writer)
    assert created.status_code == 201
    assert created.json()["carrier_id"] == A
    replaced = await http.put(f"/api/v2/trucks/{MINE}", json={"carrier_id": A}, headers=writer)
    assert replaced.status_code == 200
    assert replaced.json()["carrier_id"] == A
