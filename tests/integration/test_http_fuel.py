"""Fuel over HTTP, on SQLite and MySQL, through the real app with its clock fixed just after
a small synthetic history posted through POST /api/v2/telemetry:

- the truck report (distance, fuel from the ECU counter, MPG and its band against the
  baseline, refuels and drops in gallons of the truck's own tank, daily balance, DEF);
- fuel events per truck and fleet-wide (kinds, evidence, location, confidence, filters,
  cursor paging);
- the fleet summary's KPIs;
- derived results recomputed on read when late readings arrive.

History of truck F1 (tank 250 gal, baseline 7.0 mpg), one reading every 5 min from
2026-01-03 06:00Z to 2026-01-04 12:00Z: it drives at 60 mph burning 10 gph (6.0 mpg) from
06:00 to 12:00 and 13:00 to 18:00 on day 1 and 06:00 to 12:00 on day 2; it is refuelled
56 % -> 96 % (100 gal, reported in 10 % steps) while parked at 12:20; parked overnight
near Chicago, its level drops 76 % -> 60 % (40 gal) at 04:30Z (22:30 local) and stays low.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for
from tests.integration.http_helpers import assert_problem, iso, ok

TRUCKS = "/api/v2/trucks"
FLEET_EVENTS = "/api/v2/fleet/fuel-events"
SUMMARY = "/api/v2/fleet/summary"
BATCH = 10_000

DAY1 = datetime(2026, 1, 3, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
FIRST = DAY1 + timedelta(hours=6)
LAST = DAY2 + timedelta(hours=12)
NOW = LAST + timedelta(minutes=30)
STEP = timedelta(minutes=5)

TANK = 250.0
BASELINE = 7.0
MPH = 60.0
GPH = 10.0
LEG_MI = MPH * STEP.total_seconds() / 3600  # 5 mi per 5-minute interval
LEG_GAL = GPH * STEP.total_seconds() / 3600
LEG_PCT = LEG_GAL / TANK * 100
START_LEVEL = 80.0
START_DEF = 25.5
DEF_PER_LEG = 0.01
LON = -87.6298  # UTC-6 by longitude: 04:30Z is 22:30 local, night

REFUEL_AT = DAY1 + timedelta(hours=12, minutes=20)
THEFT_AT = DAY2 + timedelta(hours=4, minutes=30)
# gauge steps: a fill of 40 % (100 gal) in four steps and a two-step drop of 16 % (40 gal)
STEPS = {
    REFUEL_AT: 10.0,
    REFUEL_AT + STEP: 10.0,
    REFUEL_AT + 2 * STEP: 10.0,
    REFUEL_AT + 3 * STEP: 10.0,
    THEFT_AT: -8.0,
    THEFT_AT + STEP: -8.0,
}
REFUEL_GAL = 40.0 / 100 * TANK
THEFT_GAL = 16.0 / 100 * TANK
DRIVE_LEGS = {DAY1.date(): 132, DAY2.date(): 72}  # 5-minute driving intervals per day

PERIOD = {"from": "2026-01-03T00:00:00Z", "to": "2026-01-05T00:00:00Z"}
# a cursor of the right shape whose time has no UTC offset: not one the service gives
NAIVE_CURSOR = base64.urlsafe_b64encode(b"2026-01-04T00:00:00|F1.REFUEL.1").decode()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def driving(moment: datetime) -> bool:
    hours = (moment - DAY1) / timedelta(hours=1)
    return 6 <= hours < 12 or 13 <= hours < 18 or 30 <= hours < 36


def fuel_history(
    truck: str,
    *,
    first: datetime = FIRST,
    last: datetime = LAST,
    moving: Any = driving,
    gph: float = GPH,
    tank: float = TANK,
    start_level: float = START_LEVEL,
    steps: dict[datetime, float] | None = None,
    with_def: bool = True,
) -> list[dict[str, Any]]:
    """One reading every 5 min; counters advance over the intervals opened while driving."""
    steps = STEPS if steps is None else steps
    leg_gal = gph * STEP.total_seconds() / 3600
    rows: list[dict[str, Any]] = []
    legs = 0
    added = 0.0
    moment = first
    while moment <= last:
        added += steps.get(moment, 0.0)
        drive = moving(moment)
        row: dict[str, Any] = {
            "truck_id": truck,
            "ts": iso(moment),
            "speed_mph": MPH if drive else 0.0,
            "rpm": 1400.0 if drive else 0.0,
            "odometer_mi": round(250_000 + legs * LEG_MI, 4),
            "total_fuel_gal": round(10_000 + legs * leg_gal, 4),
            "fuel_level_pct": round(start_level - legs * leg_gal / tank * 100 + added, 4),
            "battery_voltage": 13.9 if drive else 12.6,
            "lat": round(41.8781 + legs * 0.002, 5),
            "lon": LON,
        }
        if with_def:
            row["def_level_pct"] = round(START_DEF - legs * DEF_PER_LEG, 4)
        rows.append(row)
        if drive:
            legs += 1
        moment += STEP
    return rows


def second_truck(truck: str = "F2") -> list[dict[str, Any]]:
    """F2: 3 h at 60 mph burning 8 gph on day 2 (7.5 mpg: 25 % over its 6.0 baseline)."""
    start = DAY2 + timedelta(hours=6)
    end = DAY2 + timedelta(hours=9)
    return fuel_history(
        truck,
        first=start,
        last=end,
        moving=lambda m: m < end,
        gph=8.0,
        tank=200.0,
        start_level=50.0,
        steps={},
        with_def=False,
    )


async def ingest(http: httpx.AsyncClient, rows: list[dict[str, Any]]) -> None:
    for lo in range(0, len(rows), BATCH):
        part = rows[lo : lo + BATCH]
        body = ok(await http.post("/api/v2/telemetry", json={"readings": part}))
        assert body["rejected"] == [], body
        assert body["accepted"] == len(part), body


async def put(http: httpx.AsyncClient, truck: str, **spec: Any) -> None:
    response = await http.put(f"{TRUCKS}/{truck}", json=spec)
    assert response.status_code in (200, 201), response.text


async def f1(http: httpx.AsyncClient, truck: str = "F1") -> list[dict[str, Any]]:
    await put(http, truck, tank_capacity_gal=TANK, baseline_mpg=BASELINE)
    rows = fuel_history(truck)
    await ingest(http, rows)
    return rows


async def events_of(http: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    page = ok(await http.get(url, params=params))
    assert page["next_cursor"] is None, "more than one page: raise the limit"
    items: list[dict[str, Any]] = page["items"]
    return items


@pytest.fixture
async def fixed(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        yield http


# ---- the truck's fuel report -----------------------------------------------------------------


async def test_the_report_measures_distance_fuel_and_mpg_against_the_baseline(
    fixed: httpx.AsyncClient,
) -> None:
    rows = await f1(fixed)
    report = ok(await fixed.get(f"{TRUCKS}/F1/fuel", params=PERIOD))
    assert report["truck_id"] == "F1"
    assert report["period"] == PERIOD
    s = report["summary"]

    odometer = rows[-1]["odometer_mi"] - rows[0]["odometer_mi"]
    counter = rows[-1]["total_fuel_gal"] - rows[0]["total_fuel_gal"]
    assert odometer == pytest.approx(204 * LEG_MI)
    assert s["distance_mi"] == pytest.approx(odometer, abs=0.01)
    assert s["distance_source"] == "ODOMETER"
    assert s["distance_reason"] is None
    assert s["fuel_used_gal"] == pytest.approx(counter, abs=0.01)
    assert s["fuel_source"] == "ECU_COUNTER"
    assert "ECU_COUNTER" in s["fuel_source_note"]
    assert s["fuel_reason"] is None

    mpg = odometer / counter
    assert mpg == pytest.approx(MPH / GPH)
    assert s["mpg"] == pytest.approx(mpg, abs=0.01)
    assert s["mpg_reason"] is None
    assert s["mpg_suspect"] is False
    assert s["baseline_mpg"] == BASELINE
    assert s["mpg_deviation_pct"] == pytest.approx((mpg - BASELINE) / BASELINE * 100, abs=0.1)
    assert s["mpg_band"] == "WARNING"  # -14.3 %: below -12.5 %, above -25 %
    assert s["moving_distance_mi"] == pytest.approx(odometer, abs=0.01)
    assert s["moving_fuel_gal"] == pytest.approx(counter, abs=0.01)
    assert s["days"] == 2
    assert s["engine_on_hours"] == pytest.approx(204 * 5 / 60, abs=0.01)
    assert s["idle_hours"] == pytest.approx(0, abs=0.01)
    assert s["data_quality_issues"] == 0
    assert s["cost_per_mile"] == pytest.approx(
        s["fuel_used_gal"] * s["price_per_gal"] / s["distance_mi"], rel=1e-3
    )


async def test_the_fleet_fuel_list_holds_each_trucks_report_summary(
    fixed: httpx.AsyncClient,
) -> None:
    """One call for every truck's summary (the dashboard's fleet table): the same summary
    as each truck's own report; a truck without data in the period is left out."""
    await f1(fixed)
    await put(fixed, "F2", tank_capacity_gal=200.0, baseline_mpg=6.0)
    await ingest(fixed, second_truck())
    await put(fixed, "F3", tank_capacity_gal=200.0, baseline_mpg=6.0)  # no readings
    fleet = ok(await fixed.get("/api/v2/fleet/fuel", params=PERIOD))
    assert fleet["period"] == PERIOD
    assert [s["truck_id"] for s in fleet["items"]] == ["F1", "F2"]
    for summary in fleet["items"]:
        report = ok(await fixed.get(f"{TRUCKS}/{summary['truck_id']}/fuel", params=PERIOD))
        assert summary == report["summary"]
    assert fleet["items"][0]["mpg"] == pytest.approx(MPH / GPH, abs=0.01)
    assert_problem(
        await fixed.get("/api/v2/fleet/fuel", params={**PERIOD, "to": PERIOD["from"]}), 422, "to"
    )


async def test_refuels_and_drops_are_counted_in_gallons_of_the_trucks_own_tank(
    fixed: httpx.AsyncClient,
) -> None:
    await f1(fixed)
    s = ok(await fixed.get(f"{TRUCKS}/F1/fuel", params=PERIOD))["summary"]
    assert s["refuel_count"] == 1
    assert s["refuel_gal"] == pytest.approx(REFUEL_GAL, abs=1.0)  # 40 % x 250, not x 200
    assert s["drops_by_kind"]["THEFT_SUSPECTED"] == 1
    assert s["theft_gal"] == pytest.approx(THEFT_GAL, abs=1.0)
    assert all(n == 0 for kind, n in s["drops_by_kind"].items() if kind != "THEFT_SUSPECTED"), s[
        "drops_by_kind"
    ]


async def test_daily_rows_carry_the_fuel_balance(fixed: httpx.AsyncClient) -> None:
    rows = await f1(fixed)
    report = ok(await fixed.get(f"{TRUCKS}/F1/fuel", params=PERIOD))
    daily = report["daily"]
    assert [d["day"] for d in daily] == ["2026-01-03", "2026-01-04"]
    per_day = {d["day"]: d for d in daily}
    for day, legs in DRIVE_LEGS.items():
        row = per_day[day.isoformat()]
        assert row["truck_id"] == "F1"
        assert row["distance_mi"] == pytest.approx(legs * LEG_MI, abs=0.01), day
        assert row["fuel_used_gal"] == pytest.approx(legs * LEG_GAL, abs=0.01), day
        assert row["distance_source"] == "ODOMETER"
        assert row["fuel_source"] == "ECU_COUNTER"
        assert row["readings"] == sum(1 for r in rows if at(r["ts"]).date() == day)
        # the balance: start + refuels - burned - drops - end = unexplained (close to 0 here)
        for name in ("start_level_pct", "end_level_pct", "level_use_gal", "unexplained_gal"):
            assert row[name] is not None, (day, name)
        balance = (
            (row["start_level_pct"] - row["end_level_pct"]) / 100 * TANK
            + row["refuel_gal"]
            - row["drop_gal"]
            - row["fuel_used_gal"]
        )
        assert balance == pytest.approx(row["unexplained_gal"], abs=0.5), row
        assert abs(row["unexplained_gal"]) < 5, row
        assert row["level_use_gal"] == pytest.approx(
            row["fuel_used_gal"] + row["unexplained_gal"], abs=0.01
        )
    one, two = per_day["2026-01-03"], per_day["2026-01-04"]
    assert one["start_level_pct"] == pytest.approx(START_LEVEL, abs=0.5)
    assert (one["refuel_count"], two["refuel_count"]) == (1, 0)
    assert one["refuel_gal"] == pytest.approx(REFUEL_GAL, abs=1.0)
    assert (one["drop_gal"], two["drop_gal"]) == (0, pytest.approx(THEFT_GAL, abs=1.0))
    # one day's end is the next day's start (the truck is parked across midnight)
    assert one["end_level_pct"] == pytest.approx(two["start_level_pct"], abs=0.01)
    assert one["end_level_pct"] == pytest.approx(76.0, abs=0.5)
    assert one["def_start_pct"] == START_DEF
    assert two["def_end_pct"] == rows[-1]["def_level_pct"]


async def test_the_report_carries_the_def_status(fixed: httpx.AsyncClient) -> None:
    rows = await f1(fixed)
    status = ok(await fixed.get(f"{TRUCKS}/F1/fuel", params=PERIOD))["def_status"]
    level = rows[-1]["def_level_pct"]
    assert level < 25
    assert status["truck_id"] == "F1"
    assert status["level_pct"] == pytest.approx(level)
    assert status["ts"] == rows[-1]["ts"]
    assert status["band"] == "LOW"  # 15 <= level < 25
    assert status["tank_gal"] == 15  # the default DEF tank
    assert status["gallons"] == pytest.approx(level / 100 * 15, abs=0.01)
    assert status["pct_per_mile"] == pytest.approx(DEF_PER_LEG / LEG_MI, rel=0.01)
    assert status["miles_to_warning"] == pytest.approx(
        (level - 10) / (DEF_PER_LEG / LEG_MI), rel=0.02
    )
    assert status["days_to_empty"] is not None
    assert status["days_to_empty"] > 0
    assert status["reason"] is None


async def test_a_period_without_data_reports_null_with_reasons_not_zero(
    fixed: httpx.AsyncClient,
) -> None:
    await f1(fixed)
    params = {"from": "2025-12-01T00:00:00Z", "to": "2025-12-08T00:00:00Z"}
    report = ok(await fixed.get(f"{TRUCKS}/F1/fuel", params=params))
    s = report["summary"]
    assert (s["distance_mi"], s["fuel_used_gal"], s["mpg"]) == (None, None, None)
    assert s["distance_reason"]
    assert s["fuel_reason"]
    assert s["mpg_reason"]
    assert s["mpg_band"] is None
    assert s["mpg_deviation_pct"] is None
    assert s["fuel_cost"] is None
    assert (s["cost_per_mile"], bool(s["cost_reason"])) == (None, True)
    assert s["unexplained_gal"] is None
    assert (s["refuel_count"], s["days"]) == (0, 0)
    assert report["daily"] == []
    assert report["def_status"]["level_pct"] is None
    assert report["def_status"]["band"] is None
    assert report["def_status"]["reason"]


async def test_a_period_cut_mid_day_gives_a_summary_that_agrees_with_itself(
    fixed: httpx.AsyncClient,
) -> None:
    """[00:00, 12:00) of day 1: the refuel at 12:20 and the afternoon's driving are outside
    the period. Whatever the report counts, its summary must agree with its own daily rows
    (here the summary leaves the refuel out while the day row it sums counts it)."""
    await f1(fixed)
    params = period("2026-01-03T00:00:00Z", "2026-01-03T12:00:00Z")
    report = ok(await fixed.get(f"{TRUCKS}/F1/fuel", params=params))
    s, daily = report["summary"], report["daily"]
    # rollups are daily: the period is widened to whole UTC days, and says so
    assert report["period"] == period("2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z")
    assert s["distance_mi"] == pytest.approx(sum(d["distance_mi"] for d in daily), abs=0.01)
    assert s["fuel_used_gal"] == pytest.approx(sum(d["fuel_used_gal"] for d in daily), abs=0.01)
    assert s["refuel_count"] == sum(d["refuel_count"] for d in daily), (s, daily)
    assert s["refuel_gal"] == pytest.approx(sum(d["refuel_gal"] for d in daily), abs=0.01)


async def test_the_period_defaults_to_the_seven_days_up_to_now(fixed: httpx.AsyncClient) -> None:
    await f1(fixed)
    report = ok(await fixed.get(f"{TRUCKS}/F1/fuel"))
    first_day = (NOW - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    last_day = NOW.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    assert report["period"] == {"from": iso(first_day), "to": iso(last_day)}
    assert report["summary"]["refuel_count"] == 1
    assert report["summary"]["distance_mi"] == pytest.approx(204 * LEG_MI, abs=0.01)


async def test_an_unknown_truck_has_no_fuel_report(fixed: httpx.AsyncClient) -> None:
    body = assert_problem(await fixed.get(f"{TRUCKS}/NOPE/fuel"), 404, "truck_id")
    assert "NOPE" in body["detail"]
    assert_problem(await fixed.get(f"{TRUCKS}/NOPE/fuel-events"), 404, "truck_id")


def period(start: str, end: str) -> dict[str, str]:
    return {"from": start, "to": end}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param(period("2026-01-04T00:00:00Z", "2026-01-03T00:00:00Z"), "to", id="to<from"),
        pytest.param(period("2026-01-04T00:00:00Z", "2026-01-04T00:00:00Z"), "to", id="to=from"),
        pytest.param(period("2025-01-01T00:00:00Z", "2026-01-03T00:00:00Z"), "from", id="367d"),
        pytest.param({"from": "yesterday"}, "from", id="bad-from"),
        pytest.param({"to": "2026-02-30T00:00:00Z"}, "to", id="bad-to"),
        pytest.param({"days": "7"}, "days", id="unknown-parameter"),
        pytest.param([("from", PERIOD["from"]), ("from", PERIOD["from"])], "from", id="twice"),
    ],
)
async def test_a_bad_fuel_period_is_a_422_naming_the_parameter(
    fixed: httpx.AsyncClient, params: Any, field: str
) -> None:
    await put(fixed, "F1", tank_capacity_gal=TANK)
    assert_problem(await fixed.get(f"{TRUCKS}/F1/fuel", params=params), 422, field)


async def test_a_period_of_exactly_366_days_is_accepted(fixed: httpx.AsyncClient) -> None:
    await put(fixed, "F1", tank_capacity_gal=TANK)
    params = period("2025-01-03T00:00:00Z", "2026-01-04T00:00:00Z")
    report = ok(await fixed.get(f"{TRUCKS}/F1/fuel", params=params))
    assert report["period"] == params


# ---- late readings ---------------------------------------------------------------------------


async def test_late_readings_are_seen_by_the_next_read(fixed: httpx.AsyncClient) -> None:
    """The parked hour with the refuel arrives after a first report: the next report and the
    event list show the refuel (derived results are recomputed on read)."""
    await put(fixed, "LATE", tank_capacity_gal=TANK, baseline_mpg=BASELINE)
    rows = fuel_history("LATE")
    hour = (DAY1 + timedelta(hours=12), DAY1 + timedelta(hours=13))
    late = [r for r in rows if hour[0] < at(r["ts"]) < hour[1]]
    assert len(late) == 11
    await ingest(fixed, [r for r in rows if r not in late])

    before = ok(await fixed.get(f"{TRUCKS}/LATE/fuel", params=PERIOD))
    assert before["summary"]["refuel_count"] == 0
    assert before["daily"][0]["refuel_count"] == 0
    assert before["summary"]["theft_gal"] == pytest.approx(THEFT_GAL, abs=1.0)
    first_events = await events_of(fixed, f"{TRUCKS}/LATE/fuel-events")
    assert [e["kind"] for e in first_events] == ["THEFT_SUSPECTED"]

    await ingest(fixed, late)
    after = ok(await fixed.get(f"{TRUCKS}/LATE/fuel", params=PERIOD))
    assert after["summary"]["refuel_count"] == 1
    assert after["summary"]["refuel_gal"] == pytest.approx(REFUEL_GAL, abs=1.0)
    assert after["daily"][0]["refuel_count"] == 1
    assert after["daily"][0]["readings"] == before["daily"][0]["readings"] + len(late)
    events = await events_of(fixed, f"{TRUCKS}/LATE/fuel-events")
    assert [e["kind"] for e in events] == ["REFUEL", "THEFT_SUSPECTED"]

    # the same history sent in order gives the same answer
    await put(fixed, "ORDERED", tank_capacity_gal=TANK, baseline_mpg=BASELINE)
    await ingest(fixed, fuel_history("ORDERED"))
    ordered = ok(await fixed.get(f"{TRUCKS}/ORDERED/fuel", params=PERIOD))
    for report in (after, ordered):
        report.pop("truck_id")
        report["summary"].pop("truck_id")
        report["def_status"].pop("truck_id")
        for day in report["daily"]:
            day.pop("truck_id")
    assert after == ordered


def parked_night(truck: str) -> list[dict[str, Any]]:
    """Parked from 18:00 on day 1 to 08:00 on day 2, a reading every 10 min; the gauge
    jumps 76 % -> 30 % at 22:00 and reads 76 % again from 03:30 (a failing sensor)."""
    rows = []
    moment = DAY1 + timedelta(hours=18)
    away = (DAY1 + timedelta(hours=22), DAY2 + timedelta(hours=3, minutes=30))
    while moment <= DAY2 + timedelta(hours=8):
        rows.append(
            {
                "truck_id": truck,
                "ts": iso(moment),
                "speed_mph": 0.0,
                "rpm": 0.0,
                "odometer_mi": 1000.0,
                "total_fuel_gal": 500.0,
                "fuel_level_pct": 30.0 if away[0] <= moment < away[1] else 76.0,
                "battery_voltage": 12.6,
                "lat": 41.9,
                "lon": LON,
            }
        )
        moment += timedelta(minutes=10)
    return rows


def comparable(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keys = ("kind", "start", "end", "level_before_pct", "level_after_pct", "gallons", "confidence")
    return [tuple(e[k] for k in keys) for e in events]


async def test_results_do_not_depend_on_when_the_readings_arrived(
    fixed: httpx.AsyncClient,
) -> None:
    """DOMAIN.md §1: every derived result is the same whatever the arrival order. INC gets
    its night in real time (a read, or the background recompute, in between); ALL gets the
    same readings at once. What the gauge did after 02:00 decides what happened at 22:00
    the evening before, so both must end up with the same events and daily rows."""
    for truck in ("INC", "ALL"):
        await put(fixed, truck, tank_capacity_gal=TANK, baseline_mpg=BASELINE)
    rows = parked_night("INC")
    cut = DAY2 + timedelta(hours=2)
    await ingest(fixed, [r for r in rows if at(r["ts"]) < cut])
    ok(await fixed.get(f"{TRUCKS}/INC/fuel-events"))  # derived results brought up to date
    await ingest(fixed, [r for r in rows if at(r["ts"]) >= cut])
    await ingest(fixed, [{**r, "truck_id": "ALL"} for r in rows])

    at_once = await events_of(fixed, f"{TRUCKS}/ALL/fuel-events")
    assert [e["kind"] for e in at_once] == ["SENSOR_DISCONNECT"]  # it came back within 6 h
    in_time = await events_of(fixed, f"{TRUCKS}/INC/fuel-events")
    assert comparable(in_time) == comparable(at_once)
    daily = {}
    for truck in ("INC", "ALL"):
        report = ok(await fixed.get(f"{TRUCKS}/{truck}/fuel", params=PERIOD))
        daily[truck] = [{**d, "truck_id": None} for d in report["daily"]]
    assert daily["INC"] == daily["ALL"]


# ---- fuel events -----------------------------------------------------------------------------


async def test_a_trucks_events_are_found_with_evidence_location_and_confidence(
    fixed: httpx.AsyncClient,
) -> None:
    rows = await f1(fixed)
    by_ts = {at(r["ts"]): r for r in rows}
    events = await events_of(fixed, f"{TRUCKS}/F1/fuel-events")
    assert [e["kind"] for e in events] == ["REFUEL", "THEFT_SUSPECTED"]
    refuel, theft = events

    for event, when, gallons in ((refuel, REFUEL_AT, REFUEL_GAL), (theft, THEFT_AT, THEFT_GAL)):
        start, end = at(event["start"]), at(event["end"])
        assert when - timedelta(minutes=30) <= start <= when + timedelta(minutes=15), event
        assert start <= end <= when + timedelta(minutes=60), event
        assert event["truck_id"] == "F1"
        assert event["event_id"]
        assert event["gallons"] == pytest.approx(gallons, abs=1.0)
        assert event["gallons"] == pytest.approx(
            abs(event["level_after_pct"] - event["level_before_pct"]) / 100 * TANK, abs=0.01
        )
        assert 0 < event["confidence"] <= 1
        assert event["reason"]
        reading = by_ts[start]
        assert event["location"] == {"lat": reading["lat"], "lon": reading["lon"]}
        evidence = event["evidence"]
        assert len(evidence) >= 3
        times = [at(p["ts"]) for p in evidence]
        assert times == sorted(times)
        assert times[0] <= start
        assert times[-1] >= end
        for point in evidence:
            assert point["level_pct"] == by_ts[at(point["ts"])]["fuel_level_pct"]
            assert point["speed_mph"] == 0

    assert refuel["level_before_pct"] == pytest.approx(56, abs=0.5)
    assert refuel["level_after_pct"] == pytest.approx(96, abs=0.5)
    levels = {p["level_pct"] for p in refuel["evidence"]}
    assert min(levels) < 60
    assert max(levels) > 90
    assert theft["level_before_pct"] == pytest.approx(76, abs=0.5)
    assert theft["level_after_pct"] == pytest.approx(60, abs=0.5)
    # parked, at night, a drop well over the threshold: more than the base confidence
    assert theft["confidence"] > 0.6
    assert "parked" in theft["reason"]
    assert "night" in theft["reason"]


async def test_events_filter_by_kind_confidence_and_period(fixed: httpx.AsyncClient) -> None:
    await f1(fixed)
    url = f"{TRUCKS}/F1/fuel-events"
    every = await events_of(fixed, url)
    assert [e["kind"] for e in every] == ["REFUEL", "THEFT_SUSPECTED"]
    refuel, theft = every

    assert await events_of(fixed, url, kind="REFUEL") == [refuel]
    assert await events_of(fixed, url, kind="THEFT_SUSPECTED") == [theft]
    assert await events_of(fixed, url, kind="REFUEL, THEFT_SUSPECTED") == every
    assert await events_of(fixed, url, kind="SIPHONING,SENSOR_GLITCH") == []

    low, high = sorted(every, key=lambda e: e["confidence"])
    assert low["confidence"] < high["confidence"]
    middle = (low["confidence"] + high["confidence"]) / 2
    assert await events_of(fixed, url, min_confidence=middle) == [high]
    assert await events_of(fixed, url, min_confidence=high["confidence"]) == [high]
    assert await events_of(fixed, url, min_confidence=0) == every

    midnight = iso(DAY2)
    assert await events_of(fixed, url, to=midnight) == [refuel]
    assert await events_of(fixed, url, **{"from": midnight}) == [theft]
    assert await events_of(fixed, url, **{"from": refuel["start"]}) == every  # from: inclusive
    assert await events_of(fixed, url, to=theft["start"]) == [refuel]  # to: exclusive
    assert await events_of(fixed, url, kind="REFUEL", **{"from": midnight}) == []


async def test_fleet_events_page_through_every_event_once_in_start_order(
    fixed: httpx.AsyncClient,
) -> None:
    await f1(fixed, "F1")
    await f1(fixed, "F3")  # the same history: its events start at the same instants as F1's
    await put(fixed, "F2", tank_capacity_gal=200, baseline_mpg=6.0)
    await ingest(fixed, second_truck())
    every = await events_of(fixed, FLEET_EVENTS)
    assert [(e["truck_id"], e["kind"]) for e in every] == [
        ("F1", "REFUEL"),
        ("F3", "REFUEL"),
        ("F1", "THEFT_SUSPECTED"),
        ("F3", "THEFT_SUSPECTED"),
    ]

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        page = ok(await fixed.get(FLEET_EVENTS, params=params))
        assert len(page["items"]) <= 1
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [e["event_id"] for e in seen] == [e["event_id"] for e in every]
    assert len({e["event_id"] for e in seen}) == len(every)
    starts = [(e["start"], e["event_id"]) for e in seen]
    assert starts == sorted(starts)

    two = ok(await fixed.get(FLEET_EVENTS, params={"limit": 2}))
    assert [e["event_id"] for e in two["items"]] == [e["event_id"] for e in every[:2]]
    rest = ok(await fixed.get(FLEET_EVENTS, params={"limit": 2, "cursor": two["next_cursor"]}))
    assert [e["event_id"] for e in rest["items"]] == [e["event_id"] for e in every[2:]]
    assert rest["next_cursor"] is None

    thefts = await events_of(fixed, FLEET_EVENTS, kind="THEFT_SUSPECTED")
    assert [e["truck_id"] for e in thefts] == ["F1", "F3"]
    one_truck = await events_of(fixed, f"{TRUCKS}/F3/fuel-events")
    assert [e["truck_id"] for e in one_truck] == ["F3", "F3"]


async def test_trucks_whose_ids_differ_only_in_case_keep_their_own_events(
    fixed: httpx.AsyncClient,
) -> None:
    """Truck ids are case-sensitive (two trucks): events of the same kind at the same instant
    on "cs" and "CS" are two events on every database."""
    rows: list[dict[str, Any]] = []
    for truck in ("CS", "cs"):
        await put(fixed, truck, tank_capacity_gal=TANK, baseline_mpg=BASELINE)
        rows += fuel_history(truck, last=DAY1 + timedelta(hours=14))
    await ingest(fixed, rows)
    every = await events_of(fixed, FLEET_EVENTS)
    assert sorted((e["truck_id"], e["kind"]) for e in every) == [
        ("CS", "REFUEL"),
        ("cs", "REFUEL"),
    ]
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = ok(await fixed.get(FLEET_EVENTS, params=params))
        seen += [e["truck_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["CS", "cs"]
    for truck in ("CS", "cs"):
        mine = await events_of(fixed, f"{TRUCKS}/{truck}/fuel-events")
        assert [(e["truck_id"], e["kind"]) for e in mine] == [(truck, "REFUEL")]
        report = ok(await fixed.get(f"{TRUCKS}/{truck}/fuel", params=PERIOD))
        assert report["summary"]["refuel_count"] == 1


async def test_a_fill_reported_in_two_big_steps_is_one_refuel(fixed: httpx.AsyncClient) -> None:
    """DOMAIN.md §4: "gauges report a fill as 10 -> 40 -> 80 %": one refuel of 70 % of the
    tank, not a flapping sensor (the gauge was steady for hours before and after)."""
    await put(fixed, "FILL", tank_capacity_gal=TANK, baseline_mpg=BASELINE)
    steps = {REFUEL_AT: 30.0, REFUEL_AT + STEP: 40.0}
    rows = fuel_history("FILL", start_level=34.0, steps=steps, last=DAY1 + timedelta(hours=16))
    levels = [r["fuel_level_pct"] for r in rows if at(r["ts"]) >= REFUEL_AT - STEP][:4]
    assert levels == [10, 40, 80, 80]
    await ingest(fixed, rows)
    events = await events_of(fixed, f"{TRUCKS}/FILL/fuel-events")
    assert [(e["kind"], e["gallons"]) for e in events] == [("REFUEL", pytest.approx(0.7 * TANK))], (
        events
    )
    s = ok(await fixed.get(f"{TRUCKS}/FILL/fuel", params=PERIOD))["summary"]
    assert (s["refuel_count"], s["refuel_gal"]) == (1, pytest.approx(0.7 * TANK))


async def test_a_large_drop_in_one_sample_while_parked_is_a_theft(
    fixed: httpx.AsyncClient,
) -> None:
    """A parked truck loses 30 % of its tank (75 gal) between two readings at night and the
    level stays low: a theft. The gauge was steady before and after it: not sensor noise."""
    await put(fixed, "DRAIN", tank_capacity_gal=TANK, baseline_mpg=BASELINE)
    steps = {**{t: d for t, d in STEPS.items() if t < DAY2}, THEFT_AT: -30.0}
    await ingest(fixed, fuel_history("DRAIN", steps=steps))
    events = await events_of(fixed, f"{TRUCKS}/DRAIN/fuel-events", **{"from": iso(DAY2)})
    assert [(e["kind"], e["gallons"]) for e in events] == [
        ("THEFT_SUSPECTED", pytest.approx(0.3 * TANK))
    ], events


@pytest.mark.parametrize("url", [FLEET_EVENTS, f"{TRUCKS}/F1/fuel-events"], ids=["fleet", "truck"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"kind": "REFUEL,BURGLARY"}, "kind", id="unknown-kind"),
        pytest.param({"kind": "refuel"}, "kind", id="lower-case-kind"),
        pytest.param({"cursor": "not-a-cursor"}, "cursor", id="bad-cursor"),
        pytest.param({"cursor": "bm9waXBl"}, "cursor", id="cursor-without-separator"),
        pytest.param({"cursor": NAIVE_CURSOR}, "cursor", id="cursor-without-offset"),
        pytest.param({"min_confidence": "1.5"}, "min_confidence", id="confidence>1"),
        pytest.param({"limit": "0"}, "limit", id="limit-0"),
        pytest.param({"limit": "501"}, "limit", id="limit-501"),
        pytest.param({"from": "soon"}, "from", id="bad-from"),
        pytest.param(period("2026-01-04T00:00:00Z", "2026-01-03T00:00:00Z"), "to", id="to<from"),
        pytest.param({"truck": "F1"}, "truck", id="unknown-parameter"),
    ],
)
async def test_a_bad_events_query_is_a_422_naming_the_parameter(
    fixed: httpx.AsyncClient, url: str, params: dict[str, str], field: str
) -> None:
    await put(fixed, "F1", tank_capacity_gal=TANK)
    body = assert_problem(await fixed.get(url, params=params), 422, field)
    if field == "kind":
        assert "REFUEL" in body["detail"]  # the known kinds are named


# ---- fleet KPIs ------------------------------------------------------------------------------


async def test_the_fleet_summary_gains_the_periods_fuel_kpis(fixed: httpx.AsyncClient) -> None:
    await f1(fixed)
    await put(fixed, "F2", tank_capacity_gal=200, baseline_mpg=6.0)
    two = second_truck()
    await ingest(fixed, two)
    await put(fixed, "IDLE-NEVER", tank_capacity_gal=100)  # registered, no data

    summary = ok(await fixed.get(SUMMARY, params=PERIOD))
    assert summary["period"] == PERIOD
    k = summary["kpis"]
    f1_mi, f1_gal = 204 * LEG_MI, 204 * LEG_GAL
    f2_mi = two[-1]["odometer_mi"] - two[0]["odometer_mi"]
    f2_gal = two[-1]["total_fuel_gal"] - two[0]["total_fuel_gal"]
    assert (f2_mi, f2_gal) == (pytest.approx(180), pytest.approx(24))
    assert k["trucks_with_data"] == 2
    assert k["distance_mi"] == pytest.approx(f1_mi + f2_mi, abs=0.05)
    assert k["fuel_used_gal"] == pytest.approx(f1_gal + f2_gal, abs=0.05)
    assert k["mpg"] == pytest.approx((f1_mi + f2_mi) / (f1_gal + f2_gal), abs=0.01)
    assert k["mpg_reason"] is None
    assert k["refuel_count"] == 1
    assert k["refuel_gal"] == pytest.approx(REFUEL_GAL, abs=1.0)
    assert k["theft_suspected_count"] == 1
    assert k["theft_gal"] == pytest.approx(THEFT_GAL, abs=1.0)
    assert k["cost_per_mile"] is not None
    assert k["cost_per_mile"] > 0
    assert k["fuel_cost"] == pytest.approx(k["fuel_used_gal"] * 3.85, abs=0.05)

    worst = [(t["truck_id"], t["mpg_band"]) for t in k["worst_mpg"]]
    best = [(t["truck_id"], t["mpg_band"]) for t in k["best_mpg"]]
    assert worst == [("F1", "WARNING"), ("F2", "GOOD")]
    assert best == [("F2", "GOOD"), ("F1", "WARNING")]
    f1_row = k["worst_mpg"][0]
    assert f1_row["mpg"] == pytest.approx(MPH / GPH, abs=0.01)
    assert f1_row["baseline_mpg"] == BASELINE
    assert f1_row["distance_mi"] == pytest.approx(f1_mi, abs=0.01)
    assert k["best_mpg"][0]["mpg_deviation_pct"] == pytest.approx(25, abs=0.1)
    assert [(a["truck_id"], a["band"]) for a in k["def_alerts"]] == [("F1", "LOW")]


async def test_fleet_kpis_of_a_period_without_data_say_why_mpg_is_missing(
    fixed: httpx.AsyncClient,
) -> None:
    await f1(fixed)
    k = ok(await fixed.get(SUMMARY, params=period("2025-12-01T00:00:00Z", "2025-12-08T00:00:00Z")))[
        "kpis"
    ]
    assert (k["trucks_with_data"], k["distance_mi"], k["fuel_used_gal"]) == (0, 0, 0)
    assert k["mpg"] is None
    assert k["mpg_reason"]
    assert (k["refuel_count"], k["theft_suspected_count"]) == (0, 0)
    assert (k["worst_mpg"], k["best_mpg"]) == ([], [])
    assert k["cost_per_mile"] is None
    assert k["cost_reason"]
