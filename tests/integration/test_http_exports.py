"""Streaming exports over HTTP, on SQLite and MySQL: readings, fuel events and the fuel report
as CSV and XLSX files, read back with the csv module and openpyxl and compared with what was
posted (readings) or with what the JSON endpoints answer (events, per-truck fuel figures).

The app runs with its clock fixed just after synthetic histories posted through
POST /api/v2/telemetry. The client-disconnect test needs a real server: httpx's ASGI
transport collects a whole response before handing it over, so it cannot stop reading
half-way; that test serves the same app with uvicorn on a loopback port.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest
import uvicorn
from dependency_injector import providers
from openpyxl.utils.escape import unescape
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy.engine import pool_stats
from fuel_analytics.domain.ports import Clock
from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.http.app import create_app
from fuel_analytics.entrypoints.settings import Settings
from fuel_analytics.services.exports import EXPORT_BATCH
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for
from tests.integration.http_helpers import iso

EXPORT = "/api/v2/export"
TRUCKS = "/api/v2/trucks"
FLEET_EVENTS = "/api/v2/fleet/fuel-events"
PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 10_000

DAY1 = datetime(2026, 1, 3, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
NOW = DAY2 + timedelta(hours=12, minutes=30)
STEP = timedelta(minutes=5)

NUMBER_COLUMNS = {
    "fuel_level_pct": "%",
    "fuel_rate_gph": "gal/h",
    "total_fuel_gal": "gal",
    "speed_mph": "mph",
    "rpm": "rpm",
    "odometer_mi": "mi",
    "engine_hours": "h",
    "coolant_temp_f": "°F",
    "oil_pressure_psi": "psi",
    "battery_voltage": "V",
    "def_level_pct": "%",
    "lat": "°",
    "lon": "°",
}
DEFAULT_COLUMNS = ["truck_id", "ts", *NUMBER_COLUMNS]
DEFAULT_HEADER = [
    "truck_id",
    "ts",
    "fuel_level_pct (%)",
    "fuel_rate_gph (gal/h)",
    "total_fuel_gal (gal)",
    "speed_mph (mph)",
    "rpm (rpm)",
    "odometer_mi (mi)",
    "engine_hours (h)",
    "coolant_temp_f (°F)",
    "oil_pressure_psi (psi)",
    "battery_voltage (V)",
    "def_level_pct (%)",
    "lat (°)",
    "lon (°)",
]
BOOL_COLUMNS = {"harsh_accel", "harsh_brake"}


def title(name: str) -> str:
    return f"{name} ({NUMBER_COLUMNS[name]})" if name in NUMBER_COLUMNS else name


# truck ids are case-sensitive: "t-a" is not "T-A"
READING_TRUCKS = {"T-A": 0, "T-B": 37, "T-C": 90, "t-a": 2}  # first reading's offset, seconds
DRIVERS = ["D-1", 'O\'Brien, "Bob"', "<ops> & co 🚚", "line\nbreak", "Zoë"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def history(truck: str, count: int = 80, *, first: datetime = DAY1) -> list[dict[str, Any]]:
    """A reading every 5 min with values that need every digit of a float, some sensors
    missing now and then, text with commas, quotes, XML specials and newlines, flags."""
    offset = timedelta(seconds=READING_TRUCKS.get(truck, 0))
    rows: list[dict[str, Any]] = []
    for i in range(count):
        row: dict[str, Any] = {
            "truck_id": truck,
            "ts": iso(first + offset + i * STEP),
            "fuel_level_pct": 37.5 + (i * 7.123456789) % 60,
            "total_fuel_gal": 10_000 + i / 3,
            "rpm": 1200.0 + i,
            "odometer_mi": 250_000.1 + i * 2.5,
            "engine_hours": 5_000 + i / 12,
            "coolant_temp_f": 190.25,
            "battery_voltage": 13.9,
            "lat": 41.8781 + i * 1e-5,
            "lon": -87.6298,
        }
        if i % 7 != 3:  # absent, not zero
            row["speed_mph"] = float(i % 65) + 0.1
        if i % 4 == 0:
            row["driver_id"] = DRIVERS[(i // 4) % len(DRIVERS)]
        if i % 5 < 2:
            row["harsh_brake"] = i % 5 == 0
        if i % 11 == 0:
            row["dtc_codes"] = ["3456-31", "100-2"]
        rows.append(row)
    return rows


def readings_history() -> list[dict[str, Any]]:
    return [row for truck in READING_TRUCKS for row in history(truck)]


async def ingest(http: httpx.AsyncClient, rows: list[dict[str, Any]]) -> None:
    for lo in range(0, len(rows), BATCH):
        part = rows[lo : lo + BATCH]
        response = await http.post("/api/v2/telemetry", json={"readings": part})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["rejected"] == [], body
        assert body["accepted"] == len(part), body


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def assert_problem(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def attachment(response: httpx.Response, suffix: str) -> str:
    """The file's name from Content-Disposition, which must make the response a download."""
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;"), disposition
    name = disposition.split("filename=", 1)[1].strip('"')
    assert name.endswith(f".{suffix}"), name
    assert "/" not in name
    assert "\\" not in name
    return name


def csv_body(response: httpx.Response) -> tuple[list[str], list[list[str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    attachment(response, "csv")
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8"), newline=""))
    assert all(len(row) == len(header) for row in rows)
    return header, rows


def workbook(response: httpx.Response, *, read_only: bool = False) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    attachment(response, "xlsx")
    return openpyxl.load_workbook(io.BytesIO(response.content), read_only=read_only)


def sheet(book: Any, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    ws = book[name]
    width = len(next(ws.iter_rows(max_row=1, values_only=True)))
    header, *rows = (tuple(r) for r in ws.iter_rows(max_col=width, values_only=True))
    return list(header), rows


def chosen(
    rows: list[dict[str, Any]], trucks: set[str] | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """What an export must hold: [start, end), the trucks asked for, by truck then time."""
    kept = [
        r
        for r in rows
        if (trucks is None or r["truck_id"] in trucks) and start <= at(r["ts"]) < end
    ]
    return sorted(kept, key=lambda r: (r["truck_id"], at(r["ts"])))


def csv_cell(name: str, row: dict[str, Any]) -> Any:
    """The posted value as the CSV's reader gets it back."""
    value = row.get(name)
    if value is None:
        return ""
    if name == "ts":
        return at(value)
    if name in NUMBER_COLUMNS:
        return float(value)
    if name in BOOL_COLUMNS:
        return "true" if value else "false"
    if name == "dtc_codes":
        return ";".join(sorted(value))
    return value


def read_csv_cell(name: str, text: str) -> Any:
    if text == "":
        return ""
    if name == "ts":
        assert text.endswith("Z"), text
        return at(text)
    if name in NUMBER_COLUMNS:
        return float(text)
    return text


def xlsx_cell(name: str, row: dict[str, Any]) -> Any:
    value = row.get(name)
    if value is None:
        return None
    if name == "ts":
        return at(value).astimezone(UTC).replace(tzinfo=None)
    if name in NUMBER_COLUMNS:
        return float(value)
    if name == "dtc_codes":
        return ";".join(sorted(value))
    return value


def period(start: datetime, end: datetime) -> dict[str, str]:
    return {"from": iso(start), "to": iso(end)}


@pytest.fixture
async def fixed(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        yield http


# ---- readings --------------------------------------------------------------------------------


async def test_readings_csv_holds_the_chosen_trucks_columns_and_period(
    fixed: httpx.AsyncClient,
) -> None:
    rows = readings_history()
    await ingest(fixed, rows)
    # T-A has readings exactly at both ends: `from` is inclusive, `to` exclusive
    start, end = DAY1 + timedelta(hours=1), DAY1 + timedelta(hours=5)
    assert {r["ts"] for r in rows if r["truck_id"] == "T-A"} >= {iso(start), iso(end)}
    want = chosen(rows, {"T-A", "T-B"}, start, end)
    assert len(want) == 2 * 48

    for columns in (
        ["truck_id", "ts", "fuel_level_pct", "speed_mph"],
        ["ts", "driver_id", "harsh_brake", "dtc_codes", "truck_id", "lat"],
    ):
        params = {**period(start, end), "truck_id": "T-B,T-A", "columns": ",".join(columns)}
        header, got = csv_body(await fixed.get(f"{EXPORT}/readings.csv", params=params))
        assert header == [title(c) for c in columns]
        assert len(got) == len(want)
        for line, row in zip(got, want, strict=True):
            expected = [csv_cell(c, row) for c in columns]
            assert [read_csv_cell(c, t) for c, t in zip(columns, line, strict=True)] == expected
        times = [line[columns.index("ts")] for line in got]
        assert times[0] == iso(start)  # the reading at `from` is there, RFC 3339 with Z
        assert iso(end) not in times  # the one at `to` is not
        for name in ("speed_mph", "driver_id", "harsh_brake", "dtc_codes"):
            if name in columns:  # a missing value is an empty cell, never 0 or "None"
                cells = {line[columns.index(name)] for line in got}
                assert "" in cells, name
                assert len(cells) > 1, name
    assert {r["truck_id"] for r in want} == {"T-A", "T-B"}  # never "t-a" for "T-A"


async def test_readings_csv_defaults_to_every_truck_the_default_columns_and_7_days(
    fixed: httpx.AsyncClient,
) -> None:
    rows = readings_history()
    old = history("T-C", 2, first=NOW - timedelta(days=7, minutes=10))  # before the default
    await ingest(fixed, rows + old)
    header, got = csv_body(await fixed.get(f"{EXPORT}/readings.csv"))
    assert header == DEFAULT_HEADER
    want = chosen(rows, None, NOW - timedelta(days=7), NOW)
    assert len(want) == len(rows)
    assert [line[0] for line in got] == [r["truck_id"] for r in want]
    for line, row in zip(got, want, strict=True):
        expected = [csv_cell(c, row) for c in DEFAULT_COLUMNS]
        assert [read_csv_cell(c, t) for c, t in zip(DEFAULT_COLUMNS, line, strict=True)] == (
            expected
        )
    # every truck when truck_id is absent, and the old readings with a wider period
    params = period(NOW - timedelta(days=8), NOW)
    _, wider = csv_body(await fixed.get(f"{EXPORT}/readings.csv", params=params))
    assert len(wider) == len(rows) + len(old)
    assert sorted({line[0] for line in wider}) == sorted(READING_TRUCKS)


async def test_readings_xlsx_holds_what_the_csv_holds(fixed: httpx.AsyncClient) -> None:
    rows = readings_history()
    await ingest(fixed, rows)
    start, end = DAY1 + timedelta(hours=1), DAY1 + timedelta(hours=5)
    columns = ["truck_id", "ts", "fuel_level_pct", "speed_mph", "driver_id", "harsh_brake"]
    params = {**period(start, end), "truck_id": "T-A,T-B", "columns": ",".join(columns)}
    response = await fixed.get(f"{EXPORT}/readings.xlsx", params=params)
    want = chosen(rows, {"T-A", "T-B"}, start, end)
    for read_only in (False, True):
        book = workbook(response, read_only=read_only)
        assert book.sheetnames == ["readings"]
        header, got = sheet(book, "readings")
        assert header == [title(c) for c in columns]
        assert header[2:4] == ["fuel_level_pct (%)", "speed_mph (mph)"]
        assert got == [tuple(xlsx_cell(c, row) for c in columns) for row in want]
        assert all(type(line[2]) is float for line in got)
        assert {line[5] for line in got} == {True, False, None}
        book.close()
    # the CSV of the same query: the same rows in the same order
    csv_response = await fixed.get(f"{EXPORT}/readings.csv", params=params)
    _, lines = csv_body(csv_response)
    assert [(line[0], at(line[1])) for line in lines] == [
        (r["truck_id"], at(r["ts"])) for r in want
    ]
    name = attachment(response, "xlsx")
    assert name.removesuffix(".xlsx") == attachment(csv_response, "csv").removesuffix(".csv")


@pytest.mark.parametrize(
    ("kind", "driver"),
    [
        pytest.param("csv", '<b>"Bob" & co</b>, 🚚\nnight', id="csv-specials"),
        pytest.param("xlsx", '<b>"Bob" & co</b>, 🚚\nnight', id="xlsx-specials"),
        pytest.param("csv", "night\rshift", id="csv-carriage-return"),
        pytest.param("xlsx", "{R}", id="xlsx-row-placeholder"),
        pytest.param("xlsx", "bell\x07", id="xlsx-control-character"),
    ],
)
async def test_a_drivers_id_comes_back_as_it_was_posted(
    fixed: httpx.AsyncClient, kind: str, driver: str
) -> None:
    """driver_id is any 1-64 characters (DOMAIN.md §1): the export gives it back unchanged."""
    rows = history("T-A", 3)
    rows[1]["driver_id"] = driver
    rows[2]["driver_id"] = "after"
    await ingest(fixed, rows)
    params = {**period(DAY1, DAY2), "columns": "truck_id,driver_id,speed_mph"}
    response = await fixed.get(f"{EXPORT}/readings.{kind}", params=params)
    if kind == "csv":
        assert response.status_code == 200, response.text
        got = list(csv.reader(io.StringIO(response.text, newline="")))[1:]
        assert [len(line) for line in got] == [3, 3, 3], got  # one line a reading
        drivers = [line[1] for line in got]
    else:
        _, lines = sheet(workbook(response), "readings")
        # control characters are written as OOXML's _xHHHH_ escapes, which Excel decodes;
        # openpyxl decodes them only in shared strings, so decode here as Excel does
        drivers = [unescape(line[1]) for line in lines]
    assert drivers == [rows[0]["driver_id"], driver, "after"]


BAD_READINGS_QUERIES: list[tuple[str, dict[str, str], int, str | None]] = [
    ("unknown column", {"columns": "truck_id,ts,fuel_level"}, 422, "columns"),
    ("column twice", {"columns": "ts,ts"}, 422, "columns"),
    ("unknown truck", {"truck_id": "T-A,NOPE"}, 404, None),
    ("truck ids are case-sensitive", {"truck_id": "t-A"}, 404, None),
    ("bad truck id", {"truck_id": "T-A,bad id!"}, 422, "truck_id"),
    ("empty truck id", {"truck_id": "T-A,"}, 422, "truck_id"),
    ("367 days", period(NOW - timedelta(days=367), NOW), 422, "from"),
    ("to before from", period(NOW, NOW - timedelta(hours=1)), 422, "to"),
    ("bad from", {"from": "yesterday"}, 422, "from"),
    ("unknown parameter", {"truck": "T-A"}, 422, "truck"),
]


async def test_a_bad_readings_export_is_a_problem_not_a_file(fixed: httpx.AsyncClient) -> None:
    await ingest(fixed, history("T-A", 2))
    for kind in ("csv", "xlsx"):
        for case, params, status, field in BAD_READINGS_QUERIES:
            response = await fixed.get(f"{EXPORT}/readings.{kind}", params=params)
            assert response.status_code == status, (kind, case, response.text)
            body = assert_problem(response, status, field)
            assert "content-disposition" not in response.headers, (kind, case)
            if case == "unknown column":
                assert "fuel_level" in body["detail"]
            if status == 404:
                assert params["truck_id"].split(",")[-1] in body["detail"], (kind, case)


async def test_a_period_of_exactly_366_days_is_exported(fixed: httpx.AsyncClient) -> None:
    rows = history("T-A", 3)
    await ingest(fixed, rows)
    params = period(NOW - timedelta(days=366), NOW)
    _, got = csv_body(await fixed.get(f"{EXPORT}/readings.csv", params=params))
    assert len(got) == len(rows)


async def test_a_truck_named_twice_is_exported_once(fixed: httpx.AsyncClient) -> None:
    """Regression (adapters/sqlalchemy/exports.py): the keyset pages run once per id in the list as
    given (sorted, not deduplicated), so "T-A,T-B,T-A" exports T-A's readings twice (the
    former single query used IN, which cannot). Refusing the list would do as well."""
    rows = history("T-A", 4) + history("T-B", 3)
    await ingest(fixed, rows)
    params = {**period(DAY1, DAY2), "truck_id": "T-A,T-B,T-A", "columns": "truck_id,ts"}
    want = [(r["truck_id"], at(r["ts"])) for r in chosen(rows, None, DAY1, DAY2)]
    for kind in ("csv", "xlsx"):
        response = await fixed.get(f"{EXPORT}/readings.{kind}", params=params)
        if response.status_code == 422:
            assert_problem(response, 422, "truck_id")
            continue
        if kind == "csv":
            _, lines = csv_body(response)
            got = [(line[0], at(line[1])) for line in lines]
        else:
            _, cells = sheet(workbook(response), "readings")
            got = [(line[0], line[1].replace(tzinfo=UTC)) for line in cells]
        assert got == want, kind


# ---- fuel events and the fuel report ---------------------------------------------------------

TANK = 250.0
BASELINE = 7.0
MPH = 60.0
GPH = 10.0
LEG_MI = MPH * STEP.total_seconds() / 3600
LEG_GAL = GPH * STEP.total_seconds() / 3600
LON = -87.6298  # UTC-6 by longitude: 04:30Z is 22:30 local, night
REFUEL_AT = DAY1 + timedelta(hours=12, minutes=20)
THEFT_AT = DAY2 + timedelta(hours=4, minutes=30)
# a fill of 40 % (100 gal) reported in 10 % steps; a two-step drop of 16 % (40 gal) at night
STEPS = {REFUEL_AT + i * STEP: 10.0 for i in range(4)} | {THEFT_AT: -8.0, THEFT_AT + STEP: -8.0}
REPORT_PERIOD = period(DAY1, DAY2 + timedelta(days=1))


def driving(moment: datetime) -> bool:
    hours = (moment - DAY1) / timedelta(hours=1)
    return 6 <= hours < 12 or 13 <= hours < 18 or 30 <= hours < 36


def fuel_history(
    truck: str, *, gph: float = GPH, tank: float = TANK, steps: dict[datetime, float] = STEPS
) -> list[dict[str, Any]]:
    """06:00 day 1 to 12:00 day 2, a reading every 5 min: driving at 60 mph, refuelled while
    parked at 12:20, parked overnight near Chicago where 40 gal leave the tank at 22:30."""
    rows: list[dict[str, Any]] = []
    legs, added = 0, 0.0
    moment = DAY1 + timedelta(hours=6)
    while moment <= DAY2 + timedelta(hours=12):
        added += steps.get(moment, 0.0)
        drive = driving(moment)
        rows.append(
            {
                "truck_id": truck,
                "ts": iso(moment),
                "speed_mph": MPH if drive else 0.0,
                "rpm": 1400.0 if drive else 0.0,
                "odometer_mi": round(250_000 + legs * LEG_MI, 4),
                "total_fuel_gal": round(10_000 + legs * gph / 12, 4),
                "fuel_level_pct": round(80.0 - legs * gph / 12 / tank * 100 + added, 4),
                "battery_voltage": 13.9 if drive else 12.6,
                "lat": round(41.8781 + legs * 0.002, 5),
                "lon": LON,
            }
        )
        legs += drive
        moment += STEP
    return rows


async def fuel_fleet(http: httpx.AsyncClient) -> None:
    """F1 and F3: a refuel and a theft each; F2: another tank, day 2 only, no event."""
    for truck, tank in (("F1", TANK), ("F2", 200.0), ("F3", TANK)):
        response = await http.put(
            f"{TRUCKS}/{truck}", json={"tank_capacity_gal": tank, "baseline_mpg": BASELINE}
        )
        assert response.status_code in (200, 201), response.text
    rows = fuel_history("F1") + fuel_history("F3")
    f2 = fuel_history("F2", gph=8.0, tank=200.0, steps={})
    rows += [r for r in f2 if at(r["ts"]) >= DAY2]
    await ingest(http, rows)


async def all_events(http: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    page = ok(await http.get(FLEET_EVENTS, params={"limit": 500, **params}))
    assert page["next_cursor"] is None
    items: list[dict[str, Any]] = page["items"]
    return items


EVENT_HEADER = [
    "event_id",
    "truck_id",
    "kind",
    "start",
    "end",
    "level_before_pct (%)",
    "level_after_pct (%)",
    "gallons (gal)",
    "lat (°)",
    "lon (°)",
    "confidence",
    "reason",
]


def event_values(event: dict[str, Any]) -> tuple[Any, ...]:
    location = event["location"] or {"lat": None, "lon": None}
    return (
        event["event_id"],
        event["truck_id"],
        event["kind"],
        at(event["start"]),
        at(event["end"]),
        event["level_before_pct"],
        event["level_after_pct"],
        event["gallons"],
        location["lat"],
        location["lon"],
        event["confidence"],
        event["reason"],
    )


def csv_event(line: list[str]) -> tuple[Any, ...]:
    def number(text: str) -> float | None:
        return None if text == "" else float(text)

    return (
        *line[:3],
        at(line[3]),
        at(line[4]),
        *(number(t) for t in line[5:11]),
        line[11],
    )


def xlsx_event(line: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*line[:3], line[3].replace(tzinfo=UTC), line[4].replace(tzinfo=UTC), *line[5:])


async def test_fuel_event_exports_hold_what_the_events_endpoint_lists(
    fixed: httpx.AsyncClient,
) -> None:
    await fuel_fleet(fixed)
    every = await all_events(fixed, **REPORT_PERIOD)
    assert sorted((e["truck_id"], e["kind"]) for e in every) == [
        ("F1", "REFUEL"),
        ("F1", "THEFT_SUSPECTED"),
        ("F3", "REFUEL"),
        ("F3", "THEFT_SUSPECTED"),
    ]
    middle = sorted(e["confidence"] for e in every)[1]
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({}, None),
        ({"kind": "REFUEL"}, None),
        ({"kind": "THEFT_SUSPECTED,REFUEL"}, None),
        ({"kind": "THEFT_SUSPECTED"}, "F3"),
        ({}, "F3,F2"),
        ({"min_confidence": middle}, None),
        ({"kind": "SIPHONING"}, None),
        ({"from": iso(DAY2)}, None),  # events starting at or after `from`, before `to`
        ({"from": every[0]["start"], "to": every[-1]["start"]}, None),
    ]
    for filters, trucks in cases:
        params = {**REPORT_PERIOD, **filters}
        listed = await all_events(fixed, **params)
        if trucks is not None:
            listed = [e for e in listed if e["truck_id"] in trucks.split(",")]
            params["truck_id"] = trucks
        want = [event_values(e) for e in listed]
        header, lines = csv_body(await fixed.get(f"{EXPORT}/fuel-events.csv", params=params))
        assert header == EVENT_HEADER
        assert [csv_event(line) for line in lines] == want, filters
        book = workbook(await fixed.get(f"{EXPORT}/fuel-events.xlsx", params=params))
        assert book.sheetnames == ["fuel events"]
        header, rows = sheet(book, "fuel events")
        assert header == EVENT_HEADER
        assert [xlsx_event(row) for row in rows] == want, filters
    assert_problem(
        await fixed.get(f"{EXPORT}/fuel-events.csv", params={"truck_id": "F1,NOPE"}), 404, None
    )
    assert_problem(
        await fixed.get(f"{EXPORT}/fuel-events.xlsx", params={"kind": "BURGLARY"}), 422, "kind"
    )


async def test_the_fuel_report_workbook_agrees_with_the_truck_reports(
    fixed: httpx.AsyncClient,
) -> None:
    await fuel_fleet(fixed)
    # a period cut mid-day: the report, like the JSON one, covers whole UTC days
    params = period(DAY1 + timedelta(hours=3), DAY2 + timedelta(hours=20))
    response = await fixed.get(f"{EXPORT}/fuel-report.xlsx", params=params)
    book = workbook(response)
    assert book.sheetnames == ["fleet summary", "fuel events", "daily balance"]
    assert book["fleet summary"].freeze_panes == "A2"

    header, summary = sheet(book, "fleet summary")
    by_truck = {row[0]: dict(zip(header, row, strict=True)) for row in summary}
    assert sorted(by_truck) == ["F1", "F2", "F3"]
    daily_header, daily = sheet(book, "daily balance")
    for truck, row in by_truck.items():
        report = ok(await fixed.get(f"{TRUCKS}/{truck}/fuel", params=params))
        s = report["summary"]
        assert row["distance_mi (mi)"] == pytest.approx(s["distance_mi"], abs=1e-6), truck
        assert row["fuel_used_gal (gal)"] == pytest.approx(s["fuel_used_gal"], abs=1e-6), truck
        assert row["refuel_count"] == s["refuel_count"], truck
        assert row["refuel_gal (gal)"] == pytest.approx(s["refuel_gal"], abs=1e-6), truck
        assert row["theft_gal (gal)"] == pytest.approx(s["theft_gal"], abs=1e-6), truck
        assert row["mpg (mi/gal)"] == pytest.approx(s["mpg"], abs=1e-6), truck
        assert row["mpg_band"] == s["mpg_band"], truck
        assert row["days"] == s["days"], truck
        assert row["distance_source"] == s["distance_source"], truck
        # its daily balance rows are the report's daily rows
        mine = [dict(zip(daily_header, d, strict=True)) for d in daily if d[0] == truck]
        assert [d["day"].date().isoformat() for d in mine] == [d["day"] for d in report["daily"]]
        for got, day in zip(mine, report["daily"], strict=True):
            assert got["refuel_count"] == day["refuel_count"]
            assert got["distance_mi (mi)"] == pytest.approx(day["distance_mi"], abs=1e-6)
            assert got["fuel_used_gal (gal)"] == pytest.approx(day["fuel_used_gal"], abs=1e-6)
            assert got["unexplained_gal (gal)"] == pytest.approx(day["unexplained_gal"], abs=1e-6)
            assert got["drop_gal (gal)"] == pytest.approx(day["drop_gal"], abs=1e-6)
    assert by_truck["F1"]["refuel_count"] == 1
    assert by_truck["F2"]["refuel_count"] == 0
    assert by_truck["F1"]["distance_mi (mi)"] == pytest.approx(204 * LEG_MI, abs=0.01)
    assert by_truck["F1"]["fuel_used_gal (gal)"] == pytest.approx(204 * LEG_GAL, abs=0.01)

    # the events sheet: the fleet's events over the report's (whole-day) period
    events_header, events = sheet(book, "fuel events")
    assert events_header == EVENT_HEADER
    listed = await all_events(fixed, **period(DAY1, DAY2 + timedelta(days=1)))
    assert [xlsx_event(row) for row in events] == [event_values(e) for e in listed]
    assert len(events) == 4


# ---- streaming: a client that leaves, a service that keeps answering -------------------------

BIG_TRUCKS = ("BIG-1", "BIG-2", "BIG-3")
BIG_PER_TRUCK = 6_700  # 20,100 readings


def big_history() -> list[dict[str, Any]]:
    first = NOW - timedelta(days=1)
    rows: list[dict[str, Any]] = []
    for truck in BIG_TRUCKS:
        for i in range(BIG_PER_TRUCK):
            rows.append(
                {
                    "truck_id": truck,
                    "ts": iso(first + timedelta(seconds=10 * i)),
                    "fuel_level_pct": 20 + (i * 0.731) % 75,
                    "fuel_rate_gph": 6.25 + (i % 13) / 7,
                    "total_fuel_gal": 10_000 + i / 360,
                    "speed_mph": float(i % 70),
                    "rpm": 1100.0 + i % 900,
                    "odometer_mi": 300_000 + i / 60,
                    "engine_hours": 9_000 + i / 360,
                    "coolant_temp_f": 185 + (i % 17) / 3,
                    "oil_pressure_psi": 40 + (i % 11) / 3,
                    "battery_voltage": 13.8,
                    "def_level_pct": 60 - i / 1000,
                    "lat": 41.8781 + i * 1e-5,
                    "lon": -87.6298 - i * 1e-5,
                }
            )
    return rows


@asynccontextmanager
async def over_tcp(
    engine: AsyncEngine, settings: Settings, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (container, lifespan, session engine) served by uvicorn on loopback.

    The listening socket's send buffer is small (accepted sockets inherit it): the kernel
    cannot swallow megabytes of an export, so a client that stops reading stops the server
    the way a slow network does."""
    container = build_container(settings)
    container.engine.override(providers.Object(engine))
    container.clock.override(providers.Object(clock))
    app = create_app(container)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, lifespan="on", http="h11", ws="none", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                    pytest.fail("uvicorn stopped before it started")
                await asyncio.sleep(0.01)
        host, port = sock.getsockname()
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=30) as http:
            yield http
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextmanager
def reading_queries(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements that read the readings table, as the engine runs them."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM readings" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)


def release_logged_tracebacks() -> None:
    """A logged exception keeps its frames (and what they held) alive until the test phase
    ends: keep the records and their text, drop the traceback objects."""
    for handler in logging.getLogger().handlers:
        for record in getattr(handler, "records", ()):
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None


async def within(seconds: float, check: Callable[[], bool]) -> bool:
    """Whether ``check`` holds within ``seconds`` (polled every 20 ms)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def checked_out(http: httpx.AsyncClient) -> int:
    health = ok(await http.get("/health"))
    count: int = health["pool"]["checked_out"]
    return count


async def test_a_client_that_stops_reading_stops_the_export_and_frees_the_pool(
    db: AsyncEngine, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that closes a readings export (CSV, then XLSX) after its first chunk: the
    server stops reading the table, logs no error, and the pool's checked-out count is back
    at its idle value within a second, on both databases.

    Regression (xlsx_writer): closing or cancelling a workbook stream mid-sheet closes its ZipFile
    while the sheet's write handle is open: ZipFile.close raises ValueError ("Can't close the
    ZIP file while there is an open writing handle"), which replaces the cancellation; the app
    logs "unhandled error", uvicorn "Exception in ASGI application", and ZipFile.__del__ raises
    again when collected."""
    async with over_tcp(db, settings_for(database_url), FixedClock(NOW)) as http:
        await ingest(http, big_history())
        idle = await checked_out(http)
        assert pool_stats(db).checked_out == idle
        # a small receive buffer too: the client's kernel does not read ahead either
        small_buffer = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)]
        params = period(NOW - timedelta(days=2), NOW)
        pages = len(BIG_TRUCKS) * -(-BIG_PER_TRUCK // EXPORT_BATCH)  # pages of EXPORT_BATCH rows
        for kind in ("csv", "xlsx"):
            caplog.clear()
            with reading_queries(db) as queries:
                async with (
                    httpx.AsyncClient(
                        base_url=http.base_url,
                        transport=httpx.AsyncHTTPTransport(socket_options=small_buffer),
                        timeout=30,
                    ) as c,
                    c.stream("GET", f"{EXPORT}/readings.{kind}", params=params) as response,
                ):
                    assert response.status_code == 200
                    attachment(response, kind)
                    chunks = response.aiter_raw()
                    first = await anext(chunks)
                    if kind == "csv":
                        assert first.startswith(b"truck_id,ts,fuel_level_pct (%),")
                        while first.count(b"\n") < 2:  # the header and a reading at least
                            first += await anext(chunks)
                    else:
                        assert first.startswith(b"PK\x03\x04")
                    await asyncio.sleep(0.3)  # the server fills the buffers, then waits
                    read_then = len(queries)
                    assert 0 < read_then < pages, (kind, read_then, pages)  # mid-export
                    await chunks.aclose()
                freed = await within(1.0, lambda: pool_stats(db).checked_out == idle)
                assert freed, (kind, pool_stats(db))
                await asyncio.sleep(0.3)
                # the server stopped paging through the table (one page may have been in flight)
                assert len(queries) <= read_then + 1, (kind, len(queries), read_then)
            assert await checked_out(http) == idle
            errors = [
                f"{r.name}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
                for r in caplog.records
                if r.levelno >= logging.ERROR and r.name.startswith(("fuel_analytics", "uvicorn"))
            ]
            release_logged_tracebacks()
            gc.collect()  # what the export left behind complains now, in this test
            assert errors == [], (kind, errors)
        # the pool is sound afterwards: a whole export of one truck, every row
        params = {**params, "truck_id": "BIG-2", "columns": "truck_id,ts"}
        _, lines = csv_body(await http.get(f"{EXPORT}/readings.csv", params=params))
        assert len(lines) == BIG_PER_TRUCK
        assert await checked_out(http) == idle


async def test_live_sensors_answer_while_a_large_export_streams(fixed: httpx.AsyncClient) -> None:
    rows = big_history()
    await ingest(fixed, rows)
    done: dict[str, float] = {}

    async def export() -> httpx.Response:
        response = await fixed.get(f"{EXPORT}/readings.csv", params=period(DAY1, NOW))
        done["export"] = time.monotonic()
        return response

    async def sensors() -> httpx.Response:
        await asyncio.sleep(0.05)
        started = time.monotonic()
        response = await fixed.get(f"{TRUCKS}/BIG-2/sensors")
        done["sensors"] = time.monotonic()
        done["sensors_took"] = done["sensors"] - started
        return response

    exported, live = await asyncio.gather(export(), sensors())
    snapshot = ok(live)
    assert snapshot["truck_id"] == "BIG-2"
    last = [r for r in rows if r["truck_id"] == "BIG-2"][-1]
    levels = [s["value"] for s in snapshot["sensors"] if s["name"] == "fuel_level_pct"]
    assert levels == [last["fuel_level_pct"]]
    assert done["sensors"] < done["export"], done  # answered before the export ended
    assert done["sensors_took"] < 1.0, done
    header, lines = csv_body(exported)
    assert header == DEFAULT_HEADER
    assert len(lines) == len(rows)
    assert [line[0] for line in lines[::BIG_PER_TRUCK]] == list(BIG_TRUCKS)


async def test_csv_timestamps_keep_their_microseconds(client: httpx.AsyncClient) -> None:
    """The database formats the CSV's timestamps: exactly as isoformat() + "Z" would."""
    stamps = ["2026-01-03T01:00:00.123456Z", "2026-01-03T01:01:00Z", "2026-01-03T01:02:00.5Z"]
    body = {"readings": [{"truck_id": "US-1", "ts": ts, "speed_mph": 10} for ts in stamps]}
    assert (await client.post("/api/v2/telemetry", json=body)).status_code == 200
    params = {"from": "2026-01-03T00:00:00Z", "to": "2026-01-04T00:00:00Z", "truck_id": "US-1",
              "columns": "ts,speed_mph"}  # fmt: skip
    response = await client.get(f"{EXPORT}/readings.csv", params=params)
    assert response.status_code == 200, response.text
    lines = list(csv.reader(io.StringIO(response.text, newline="")))[1:]
    assert [line[0] for line in lines] == [
        "2026-01-03T01:00:00.123456Z",
        "2026-01-03T01:01:00Z",
        "2026-01-03T01:02:00.500000Z",
    ]
