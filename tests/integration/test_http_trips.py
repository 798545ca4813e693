"""Trips, speeding, driving behaviour, utilization and benchmarking over HTTP, on SQLite and
MySQL, through the real app with its clock fixed after a synthetic history posted through
POST /api/v2/telemetry. One reading a minute; the odometer and the ECU fuel counter advance
over each interval by the speed and the burn of the reading that opens it, so every number
below is known by construction.

Day D (2026-02-02), truck T1 (Freightliner Cascadia 2020, baseline 7.0 mpg, harsh flags on
every reading):
- 06:00 engine off; 06:10 idling (1.2 gph);
- trip A, driver D-ALICE, 06:30-08:30 at 10 gph: 60 mph but 76 mph 07:00-07:09 with 80 mph
  at 07:05 (interpolated crossings at 06:59:30 and 07:09:30: 10 min above 68 mph); a 5-min
  idling stop 07:30-07:35; device flags: harsh brake 07:29, harsh accel 07:35 + 07:36 (one
  event) and 08:00;
- 08:30 idling 15 min, 08:45 engine off;
- trip B, driver D-BOB, 10:00-11:00 at 50 mph, 8 gph; engine off to 11:30.
Day D+1: trip C, D-ALICE, 08:00-08:30 at 60 mph.
Peers of T1: T2 (Cascadia 2022, D-BOB, 7.5 mpg, idles 20 %), T3 (Cascadia 2017, D-CARL
speeding all hour, 4 harsh brakings, 5.0 mpg, idles 50 %), T6 (Cascadia 2023, no readings);
not peers: T4 (Cascadia 2016, 9.0 mpg: outside ±3 years), T5 (Volvo VNL 2020); T7 only idles.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy.trucks import SqlTrucks
from fuel_analytics.domain.model import Truck, TruckId
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for
from tests.integration.http_helpers import assert_problem, iso, ok

TRUCKS = "/api/v2/trucks"
TRIPS = "/api/v2/trips"
BEHAVIOUR = "/api/v2/fleet/driver-behavior"
UTILIZATION = "/api/v2/fleet/utilization"

D = datetime(2026, 2, 2, tzinfo=UTC)
NOW = D + timedelta(days=2, hours=12)
MINUTE = timedelta(minutes=1)
DAY_D = {"from": iso(D), "to": iso(D + timedelta(days=1))}
TWO_DAYS = {"from": iso(D), "to": iso(D + timedelta(days=2))}
LON = -87.6298
LAT = 41.8781
IDLE_GPH = 1.2
PRICE = 3.85  # the default fuel price: no truck sets its own
ODO0 = 100_000.0


def at(hhmm: str, day: int = 0) -> datetime:
    hours, minutes = hhmm.split(":")
    return D + timedelta(days=day, hours=int(hours), minutes=int(minutes))


def place(moment: datetime, rows: list[dict[str, Any]]) -> dict[str, float]:
    (row,) = [r for r in rows if r["ts"] == iso(moment)]
    return {"lat": row["lat"], "lon": row["lon"]}


# ---- synthetic histories -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leg:
    minutes: int
    mph: float = 0.0
    gph: float = 0.0  # burned over the intervals the leg's readings open
    engine: bool = False  # engine on while standing: idling
    driver: str | None = None


def off(minutes: int) -> Leg:
    return Leg(minutes)


def idle(minutes: int, driver: str | None = None) -> Leg:
    return Leg(minutes, gph=IDLE_GPH, engine=True, driver=driver)


def drive(minutes: int, mph: float, gph: float, driver: str | None = None) -> Leg:
    return Leg(minutes, mph, gph, engine=True, driver=driver)


@dataclass
class History:
    """One truck's readings, a minute apart within a run of legs; counters carry on."""

    truck: str
    flags: bool = False  # the device reports harsh flags on every reading
    harsh: dict[datetime, str] = field(default_factory=dict)  # ts -> "accel" | "brake"
    rows: list[dict[str, Any]] = field(default_factory=list)
    odometer: float = ODO0
    fuel: float = 5_000.0

    def run(self, start: datetime, *legs: Leg) -> History:
        moment = start
        for leg in legs:
            for _ in range(leg.minutes):
                moving = leg.mph > 2
                row: dict[str, Any] = {
                    "truck_id": self.truck,
                    "ts": iso(moment),
                    "speed_mph": leg.mph,
                    "rpm": 1400.0 if moving else 700.0 if leg.engine else 0.0,
                    "odometer_mi": round(self.odometer, 6),
                    "total_fuel_gal": round(self.fuel, 6),
                    "lat": round(LAT + (self.odometer - ODO0) * 0.001, 6),
                    "lon": LON,
                }
                if leg.driver is not None:
                    row["driver_id"] = leg.driver
                if self.flags:
                    row["harsh_accel"] = self.harsh.get(moment) == "accel"
                    row["harsh_brake"] = self.harsh.get(moment) == "brake"
                self.rows.append(row)
                self.odometer += leg.mph / 60
                self.fuel += leg.gph / 60
                moment += MINUTE
        return self


def t1_history(truck: str = "T1") -> list[dict[str, Any]]:
    harsh = {at("07:29"): "brake", at("07:35"): "accel", at("07:36"): "accel"}
    harsh[at("08:00")] = "accel"
    h = History(truck, flags=True, harsh=harsh)
    h.run(
        at("06:00"),
        off(10), idle(20),
        drive(30, 60, 10, "D-ALICE"), drive(5, 76, 10, "D-ALICE"), drive(1, 80, 10, "D-ALICE"),
        drive(4, 76, 10, "D-ALICE"), drive(20, 60, 10, "D-ALICE"), idle(5, "D-ALICE"),
        drive(55, 60, 10, "D-ALICE"),
        idle(15), off(75),
        drive(60, 50, 8, "D-BOB"),
        off(31),
    )  # fmt: skip
    h.run(at("07:50", day=1), off(10), drive(30, 60, 10, "D-ALICE"), off(15))
    return h.rows


def peers_history() -> list[dict[str, Any]]:
    rows = History("T2").run(at("13:00"), off(10), idle(30), drive(120, 55, 55 / 7.5, "D-BOB"))
    rows.run(at("15:40"), off(20))
    carl = {at(f"13:{m}"): "brake" for m in ("20", "30", "40", "50")}
    t3 = History("T3", flags=True, harsh=carl)
    t3.run(at("12:00"), off(10), idle(60), drive(60, 70, 14, "D-CARL"), off(20))
    t4 = History("T4").run(at("12:00"), off(10), drive(60, 60, 60 / 9), off(20))
    t5 = History("T5").run(at("12:00"), off(10), drive(60, 60, 60 / 9), off(20))
    t7 = History("T7").run(at("12:00"), idle(60), off(1))
    return rows.rows + t3.rows + t4.rows + t5.rows + t7.rows


REGISTRY: dict[str, dict[str, Any]] = {
    "T1": {"make": "Freightliner", "model": "Cascadia", "year": 2020, "baseline_mpg": 7.0},
    "T2": {"make": "Freightliner", "model": "Cascadia", "year": 2022, "baseline_mpg": 6.5},
    "T3": {"make": "freightliner", "model": "CASCADIA", "year": 2017, "baseline_mpg": 6.5},
    "T4": {"make": "Freightliner", "model": "Cascadia", "year": 2016, "baseline_mpg": 6.5},
    "T5": {"make": "Volvo", "model": "VNL", "year": 2020, "baseline_mpg": 6.5},
    "T6": {"make": "Freightliner", "model": "Cascadia", "year": 2023, "baseline_mpg": 6.5},
    "T7": {"baseline_mpg": 6.5},
}


async def ingest(http: httpx.AsyncClient, rows: list[dict[str, Any]]) -> None:
    body = ok(await http.post("/api/v2/telemetry", json={"readings": rows}))
    assert body["rejected"] == [], body
    assert body["accepted"] == len(rows), body


async def register(http: httpx.AsyncClient, truck: str, **spec: Any) -> None:
    response = await http.put(f"{TRUCKS}/{truck}", json={"tank_capacity_gal": 200.0, **spec})
    assert response.status_code in (200, 201), response.text


async def t1(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    await register(http, "T1", **REGISTRY["T1"])
    rows = t1_history()
    await ingest(http, rows)
    return rows


async def fleet(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    for truck, spec in REGISTRY.items():
        await register(http, truck, **spec)
    rows = t1_history()
    await ingest(http, rows + peers_history())
    return rows


@pytest.fixture
async def fixed(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        yield http


async def all_trips(http: httpx.AsyncClient, truck: str, period: dict[str, str]) -> list[Any]:
    page = ok(await http.get(f"{TRUCKS}/{truck}/trips", params=period))
    assert page["next_cursor"] is None
    items: list[Any] = page["items"]
    return items


# ---- the truth ---------------------------------------------------------------------------------

A_MI = 105 * 1.0 + 9 * 76 / 60 + 80 / 60  # 105 min at 60, 9 at 76, 1 at 80 mph
A_GAL = 115 * 10 / 60 + 6 * IDLE_GPH / 60  # 115 moving min; the stop and the minute before
B_MI, B_GAL = 50.0, 8.0
A_DRIVING_S, B_DRIVING_S = 115 * 60.0, 60 * 60.0
T1_IDLE_H = 40 / 60  # 06:10-06:30, the stop 07:30-07:35, 08:30-08:45
T1_DRIVING_H = 175 / 60
T1_ENGINE_H = T1_IDLE_H + T1_DRIVING_H


def linear(value: float, full: float, zero: float) -> float:
    return 100.0 * min(1.0, max(0.0, (value - zero) / (full - zero)))


def expected_trip_a(rows: list[dict[str, Any]]) -> dict[str, Any]:
    start, end = at("06:30"), at("08:30")
    return {
        "trip_id": f"T1.{int(start.timestamp())}",
        "truck_id": "T1",
        "start": iso(start),
        "end": iso(end),
        "duration_s": 7200.0,
        "start_place": place(start, rows),
        "end_place": place(end, rows),
        "distance_mi": pytest.approx(A_MI, abs=0.002),
        "distance_source": "ODOMETER",
        "fuel_gal": pytest.approx(A_GAL, abs=0.002),
        "fuel_source": "ECU_COUNTER",
        "mpg": pytest.approx(A_MI / A_GAL, abs=0.002),
        "driving_s": pytest.approx(A_DRIVING_S),
        "idle_s": pytest.approx(300.0),
        "max_speed_mph": 80.0,
        "speeding_s": pytest.approx(600.0, abs=0.01),
        "harsh_accel": 2,
        "harsh_brake": 1,
        "driver_id": "D-ALICE",
        "complete": True,
        "stops": [
            {
                "start": iso(at("07:30")),
                "end": iso(at("07:35")),
                "duration_s": 300.0,
                "place": place(at("07:30"), rows),
            }
        ],
    }


def expected_trip_b(rows: list[dict[str, Any]]) -> dict[str, Any]:
    start, end = at("10:00"), at("11:00")
    return {
        "trip_id": f"T1.{int(start.timestamp())}",
        "truck_id": "T1",
        "start": iso(start),
        "end": iso(end),
        "duration_s": 3600.0,
        "start_place": place(start, rows),
        "end_place": place(end, rows),
        "distance_mi": pytest.approx(B_MI, abs=0.002),
        "distance_source": "ODOMETER",
        "fuel_gal": pytest.approx(B_GAL, abs=0.002),
        "fuel_source": "ECU_COUNTER",
        "mpg": pytest.approx(6.25, abs=0.002),
        "driving_s": pytest.approx(B_DRIVING_S),
        "idle_s": 0.0,
        "max_speed_mph": 50.0,
        "speeding_s": 0.0,
        "harsh_accel": 0,
        "harsh_brake": 0,
        "driver_id": "D-BOB",
        "complete": True,
        "stops": [],
    }


# ---- trips -------------------------------------------------------------------------------------


async def test_trips_are_found_with_their_stops_distance_fuel_speeding_and_driver(
    fixed: httpx.AsyncClient,
) -> None:
    rows = await t1(fixed)
    page = ok(await fixed.get(f"{TRUCKS}/T1/trips", params=DAY_D))
    assert page["truck_id"] == "T1"
    assert page["period"] == DAY_D
    assert page["next_cursor"] is None
    assert page["items"] == [expected_trip_a(rows), expected_trip_b(rows)]

    (c,) = await all_trips(fixed, "T1", {"from": iso(at("00:00", 1)), "to": iso(at("00:00", 2))})
    assert (c["start"], c["end"], c["driver_id"]) == (
        iso(at("08:00", 1)),
        iso(at("08:30", 1)),
        "D-ALICE",
    )
    assert c["distance_mi"] == pytest.approx(30.0, abs=0.002)
    assert c["mpg"] == pytest.approx(6.0, abs=0.002)


async def test_a_period_cut_mid_day_is_widened_to_whole_days(fixed: httpx.AsyncClient) -> None:
    await t1(fixed)
    page = ok(
        await fixed.get(
            f"{TRUCKS}/T1/trips", params={"from": iso(at("09:00")), "to": iso(at("09:30"))}
        )
    )
    assert page["period"] == DAY_D
    assert [t["start"] for t in page["items"]] == [iso(at("06:30")), iso(at("10:00"))]


async def test_limit_one_pages_through_every_trip_once(fixed: httpx.AsyncClient) -> None:
    await t1(fixed)
    everything = await all_trips(fixed, "T1", TWO_DAYS)
    assert len(everything) == 3
    walked: list[Any] = []
    params: dict[str, Any] = {**TWO_DAYS, "limit": 1}
    for _ in range(10):
        page = ok(await fixed.get(f"{TRUCKS}/T1/trips", params=params))
        assert len(page["items"]) == 1
        walked += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert walked == everything
    assert len({t["trip_id"] for t in walked}) == 3
    two = ok(await fixed.get(f"{TRUCKS}/T1/trips", params={**TWO_DAYS, "limit": 2}))
    assert two["items"] == everything[:2]
    rest = ok(
        await fixed.get(
            f"{TRUCKS}/T1/trips", params={**TWO_DAYS, "limit": 2, "cursor": two["next_cursor"]}
        )
    )
    assert rest["items"] == everything[2:]
    assert rest["next_cursor"] is None


async def test_a_trip_by_its_id_is_the_list_item(fixed: httpx.AsyncClient) -> None:
    await t1(fixed)
    for item in await all_trips(fixed, "T1", TWO_DAYS):
        assert ok(await fixed.get(f"{TRIPS}/{item['trip_id']}")) == item


async def test_an_unknown_trip_is_a_404_and_a_malformed_id_a_422(
    fixed: httpx.AsyncClient,
) -> None:
    await t1(fixed)
    a = int(at("06:30").timestamp())
    for unknown in (f"T1.{a + 1}", f"T1.{a - 60}", f"NOPE.{a}", f"t1.{a}", f"T1.0{a}", "T1.0"):
        assert_problem(await fixed.get(f"{TRIPS}/{unknown}"), 404, "trip_id")
    malformed = (
        "T1", "T1.", f".{a}", "T1.abc", f"T1.{a}x", "T1.1e9", f"T1.-{a}", "T1.\u00b2",
        "T1.\u0661\u0662", "T1.999999999999", "T1." + "9" * 13, "T" * 60 + f".{a}",
    )  # fmt: skip
    for text in malformed:
        response = await fixed.get(f"{TRIPS}/{quote(text)}")
        assert_problem(response, 422, "trip_id")


async def test_every_truck_endpoint_answers_404_for_an_unknown_truck(
    fixed: httpx.AsyncClient,
) -> None:
    await t1(fixed)
    for tail in ("trips", "speeding-events", "score", "benchmark"):
        assert_problem(await fixed.get(f"{TRUCKS}/NOPE/{tail}", params=DAY_D), 404, "truck_id")
        assert_problem(await fixed.get(f"{TRUCKS}/t1/{tail}", params=DAY_D), 404, "truck_id")
        assert_problem(await fixed.get(f"{TRUCKS}/bad%20id/{tail}"), 422, "truck_id")


# ---- late readings -----------------------------------------------------------------------------


def without_ids(trips: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in t.items() if k not in ("trip_id", "truck_id")} for t in trips]


async def test_late_readings_split_and_extend_trips_as_a_full_recompute_would(
    fixed: httpx.AsyncClient,
) -> None:
    """L1 gets its morning in two batches: first without its 20-min stop (the readings on
    either side are 21 min apart: one trip) and without its last 20 min (the trip breaks
    off still moving); then the rest. ALL gets every reading at once."""
    legs = (off(5), drive(40, 60, 10, "D-DAN"), off(20), drive(40, 60, 10, "D-DAN"), off(16))
    rows = History("L1").run(at("06:00", 1), *legs).rows
    hole = (at("06:45", 1), at("07:05", 1))
    late = [r for r in rows if hole[0] <= datetime.fromisoformat(r["ts"]) < hole[1]]
    late += [r for r in rows if datetime.fromisoformat(r["ts"]) >= at("07:25", 1)]
    assert len(late) == 20 + 36
    await ingest(fixed, [r for r in rows if r not in late])

    (before,) = await all_trips(fixed, "L1", TWO_DAYS)
    assert (before["start"], before["end"], before["complete"]) == (
        iso(at("06:05", 1)),
        iso(at("07:24", 1)),
        False,
    )
    assert before["stops"] == []

    await ingest(fixed, late)
    # the first read after the late batch is of the trip by its id: it is recomputed too
    by_id = ok(await fixed.get(f"{TRIPS}/{before['trip_id']}"))
    assert (by_id["end"], by_id["complete"]) == (iso(at("06:45", 1)), True)
    after = await all_trips(fixed, "L1", TWO_DAYS)
    assert [(t["start"], t["end"], t["complete"]) for t in after] == [
        (iso(at("06:05", 1)), iso(at("06:45", 1)), True),
        (iso(at("07:05", 1)), iso(at("07:45", 1)), True),
    ]
    assert after[0]["trip_id"] == before["trip_id"]  # the same start: the same id
    assert ok(await fixed.get(f"{TRIPS}/{before['trip_id']}")) == after[0]
    assert [t["distance_mi"] for t in after] == [pytest.approx(40.0, abs=0.002)] * 2

    await ingest(fixed, [{**r, "truck_id": "ALL"} for r in rows])
    at_once = await all_trips(fixed, "ALL", TWO_DAYS)
    assert without_ids(after) == without_ids(at_once)
    scores = [
        ok(await fixed.get(f"{TRUCKS}/{truck}/score", params=TWO_DAYS)) for truck in ("L1", "ALL")
    ]
    for score in scores:
        score.pop("subject")
        score["trips"] = without_ids(score["trips"])
    assert scores[0] == scores[1]


async def test_a_late_batch_the_next_morning_extends_the_overnight_trip_like_a_full_recompute(
    fixed: httpx.AsyncClient,
) -> None:
    """N1 drives through the night, 23:00 to 09:30 the next day (a team, one 5-min stop at
    03:00). Its readings 08:20-09:00 arrive late: until then the trip broke off at 08:19 and
    a second one started at 09:00; with them it is one trip, as for ALL given everything."""
    legs = (off(10), drive(240, 60, 10, "D-EVE"), idle(5, "D-EVE"), drive(385, 60, 10, "D-EVE"))
    rows = History("N1").run(at("22:50"), *legs, off(20)).rows
    assert rows[-21]["ts"] == iso(at("09:29", 1))
    hole = (at("08:20", 1), at("09:00", 1))
    late = [r for r in rows if hole[0] <= datetime.fromisoformat(r["ts"]) < hole[1]]
    await ingest(fixed, [r for r in rows if r not in late])
    before = await all_trips(fixed, "N1", TWO_DAYS)
    assert [(t["start"], t["end"], t["complete"]) for t in before] == [
        (iso(at("23:00")), iso(at("08:19", 1)), False),
        (iso(at("09:00", 1)), iso(at("09:30", 1)), True),
    ]

    await ingest(fixed, late)
    await ingest(fixed, [{**r, "truck_id": "ALL"} for r in rows])
    at_once = await all_trips(fixed, "ALL", TWO_DAYS)
    assert [(t["start"], t["end"], t["complete"]) for t in at_once] == [
        (iso(at("23:00")), iso(at("09:30", 1)), True)
    ]
    in_time = await all_trips(fixed, "N1", TWO_DAYS)
    assert without_ids(in_time) == without_ids(at_once)


# ---- speeding ----------------------------------------------------------------------------------


async def test_speeding_events_have_their_duration_top_speed_place_and_driver(
    fixed: httpx.AsyncClient,
) -> None:
    rows = await t1(fixed)
    body = ok(await fixed.get(f"{TRUCKS}/T1/speeding-events", params=DAY_D))
    assert body["truck_id"] == "T1"
    assert body["period"] == DAY_D
    assert body["speeding_above_mph"] == 68.0
    assert body["items"] == [
        {
            "start": iso(at("06:59") + timedelta(seconds=30)),
            "end": iso(at("07:09") + timedelta(seconds=30)),
            "duration_s": pytest.approx(600.0, abs=0.01),
            "max_speed_mph": 80.0,
            "place": place(at("07:05"), rows),
            "driver_id": "D-ALICE",
        }
    ]
    # the period is exact (not widened): an hour that misses the stretch has none
    hour = {"from": iso(at("08:00")), "to": iso(at("09:00"))}
    assert ok(await fixed.get(f"{TRUCKS}/T1/speeding-events", params=hour))["items"] == []


async def test_the_speeding_period_is_at_most_31_days(fixed: httpx.AsyncClient) -> None:
    await t1(fixed)
    url = f"{TRUCKS}/T1/speeding-events"
    end = D + timedelta(days=1)
    longest = {"from": iso(end - timedelta(days=31)), "to": iso(end)}
    assert len(ok(await fixed.get(url, params=longest))["items"]) == 1
    too_long = {"from": iso(end - timedelta(days=31, seconds=1)), "to": iso(end)}
    assert_problem(await fixed.get(url, params=too_long), 422, "from")


async def test_a_truck_can_be_given_its_own_trip_thresholds(fixed: httpx.AsyncClient) -> None:
    """DOMAIN.md §2: per-truck overrides of any detection threshold, trips' included."""
    thresholds = {"speeding_above_mph": 75.0, "trip_end_stop_s": 900.0}
    await register(fixed, "T1", **REGISTRY["T1"], thresholds=thresholds)
    assert ok(await fixed.get(f"{TRUCKS}/T1"))["thresholds"] == thresholds
    response = await fixed.put(f"{TRUCKS}/T1", json={"thresholds": {"speeding_above_mph": -1}})
    assert_problem(response, 422, "thresholds.speeding_above_mph")


async def test_a_trucks_own_speeding_threshold_applies_to_its_trips_and_events(
    db: AsyncEngine, fixed: httpx.AsyncClient
) -> None:
    """Above 75 mph, T1's stretch at 76-80 mph crosses 75 at 06:59:56.25 and 07:09:03.75
    (547.5 s). The truck is stored directly: the registry's PUT is another test's."""
    spec = dict(REGISTRY["T1"])
    thresholds = {"speeding_above_mph": 75.0}
    await SqlTrucks(db).save(Truck(truck_id=TruckId("T1"), thresholds=thresholds, **spec))
    await ingest(fixed, t1_history())
    body = ok(await fixed.get(f"{TRUCKS}/T1/speeding-events", params=DAY_D))
    assert body["speeding_above_mph"] == 75.0
    (event,) = body["items"]
    assert event["start"] == iso(at("06:59") + timedelta(seconds=56.25))
    assert event["duration_s"] == pytest.approx(547.5, abs=0.01)
    trips = await all_trips(fixed, "T1", DAY_D)
    assert trips[0]["speeding_s"] == pytest.approx(547.5, abs=0.01)


# ---- behaviour scores --------------------------------------------------------------------------


def parts_of(score: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert [p["name"] for p in score["parts"]] == ["mpg", "idle", "speeding", "harsh"]
    assert [p["weight"] for p in score["parts"]] == [0.4, 0.3, 0.15, 0.15]
    assert all(p["explanation"] for p in score["parts"])
    return {p["name"]: p for p in score["parts"]}


def overall(parts: dict[str, dict[str, Any]]) -> float:
    return float(sum(p["weight"] * p["score"] for p in parts.values()))


async def test_a_trucks_score_has_four_parts_from_the_constructed_truth(
    fixed: httpx.AsyncClient,
) -> None:
    rows = await t1(fixed)
    score = ok(await fixed.get(f"{TRUCKS}/T1/score", params=DAY_D))
    assert (score["subject"], score["kind"], score["period"]) == ("T1", "truck", DAY_D)
    assert score["baseline_mpg"] == 7.0
    assert score["trip_count"] == 2
    assert score["distance_mi"] == pytest.approx(A_MI + B_MI, abs=0.002)
    assert score["driving_h"] == pytest.approx((A_DRIVING_S + B_DRIVING_S) / 3600, abs=0.001)
    assert score["trips"] == [expected_trip_a(rows), expected_trip_b(rows)]
    parts = parts_of(score)

    mpg = (A_MI + B_MI) / (A_GAL + B_GAL)
    assert parts["mpg"]["value"] == pytest.approx(mpg, abs=0.001)
    assert parts["mpg"]["score"] == pytest.approx(linear((mpg / 7 - 1) * 100, 0, -50), abs=0.05)
    idle_pct = T1_IDLE_H / T1_ENGINE_H * 100  # over the whole period, not only the trips
    assert parts["idle"]["value"] == pytest.approx(idle_pct, abs=0.01)
    assert parts["idle"]["score"] == pytest.approx(linear(idle_pct, 10, 50), abs=0.05)
    per_hour = 10.0 / T1_DRIVING_H
    assert parts["speeding"]["value"] == pytest.approx(per_hour, abs=0.001)
    assert parts["speeding"]["score"] == pytest.approx(linear(per_hour, 0, 10), abs=0.05)
    per_100 = 3 / (A_MI + B_MI) * 100
    assert parts["harsh"]["value"] == pytest.approx(per_100, abs=0.001)
    assert parts["harsh"]["score"] == pytest.approx(linear(per_100, 0, 5), abs=0.05)
    assert score["score"] == pytest.approx(overall(parts), abs=0.06)
    assert 70 < score["score"] < 76


async def test_a_drivers_score_covers_the_trucks_they_drove(fixed: httpx.AsyncClient) -> None:
    rows = await fleet(fixed)
    bob = ok(await fixed.get("/api/v2/drivers/D-BOB/score", params=DAY_D))
    assert (bob["subject"], bob["kind"], bob["period"]) == ("D-BOB", "driver", DAY_D)
    assert [(t["truck_id"], t["start"]) for t in bob["trips"]] == [
        ("T1", iso(at("10:00"))),
        ("T2", iso(at("13:40"))),
    ]
    assert bob["trips"][0] == expected_trip_b(rows)
    assert bob["trip_count"] == 2
    assert bob["distance_mi"] == pytest.approx(B_MI + 110, abs=0.002)
    # MPG against the distance-weighted baseline of the trucks driven
    assert bob["baseline_mpg"] == pytest.approx((7.0 * 50 + 6.5 * 110) / 160, abs=0.001)
    parts = parts_of(bob)
    t2_gal = 110 / 7.5 + IDLE_GPH / 60  # with the idling minute before T2 set off
    assert parts["mpg"]["value"] == pytest.approx(160 / (B_GAL + t2_gal), abs=0.001)
    assert parts["idle"]["value"] == 0.0  # no idling inside Bob's trips
    assert parts["speeding"]["value"] == 0.0
    assert parts["harsh"]["value"] == 0.0
    assert bob["score"] == 100.0

    alice = ok(await fixed.get("/api/v2/drivers/D-ALICE/score", params=DAY_D))
    assert alice["trips"] == [expected_trip_a(rows)]
    parts = parts_of(alice)
    assert parts["mpg"]["value"] == pytest.approx(A_MI / A_GAL, abs=0.001)
    assert parts["idle"]["value"] == pytest.approx(300 / (A_DRIVING_S + 300) * 100, abs=0.01)
    assert parts["speeding"]["value"] == pytest.approx(10 / (A_DRIVING_S / 3600), abs=0.001)
    assert parts["harsh"]["value"] == pytest.approx(3 / A_MI * 100, abs=0.001)
    assert alice["score"] == pytest.approx(overall(parts), abs=0.06)

    both_days = ok(await fixed.get("/api/v2/drivers/D-ALICE/score", params=TWO_DAYS))
    assert both_days["trip_count"] == 2  # trip C on D+1


async def test_an_unknown_driver_is_a_404_and_a_long_one_a_422(fixed: httpx.AsyncClient) -> None:
    await t1(fixed)
    assert_problem(
        await fixed.get("/api/v2/drivers/D-NOBODY/score", params=DAY_D), 404, "driver_id"
    )
    assert_problem(await fixed.get("/api/v2/drivers/d-alice/score", params=DAY_D), 404, "driver_id")
    ok(await fixed.get("/api/v2/drivers/D-ALICE/score", params=DAY_D))
    longest = "/api/v2/drivers/" + "d" * 64 + "/score"
    assert_problem(await fixed.get(longest, params=DAY_D), 404, "driver_id")
    assert_problem(
        await fixed.get("/api/v2/drivers/" + "d" * 65 + "/score", params=DAY_D), 422, "driver_id"
    )


async def test_the_fleet_ranks_drivers_best_and_worst(fixed: httpx.AsyncClient) -> None:
    await fleet(fixed)
    body = ok(await fixed.get(BEHAVIOUR, params=DAY_D))
    assert body["period"] == DAY_D
    assert [d["subject"] for d in body["drivers"]] == ["D-BOB", "D-ALICE", "D-CARL"]
    assert [d["subject"] for d in body["best"]] == ["D-BOB", "D-ALICE", "D-CARL"]
    assert [d["subject"] for d in body["worst"]] == ["D-CARL", "D-ALICE", "D-BOB"]
    assert all(d["kind"] == "driver" for d in body["drivers"])
    scores = [d["score"] for d in body["drivers"]]
    assert scores == sorted(scores, reverse=True)
    carl = parts_of(body["drivers"][2])
    assert carl["speeding"]["score"] == 0.0  # 59 of 60 minutes above 68 mph
    assert carl["harsh"]["value"] == pytest.approx(4 / 70 * 100, abs=0.001)
    assert [t["subject"] for t in body["trucks"]] == ["T4", "T5", "T2", "T1", "T3"]
    assert all(t["kind"] == "truck" for t in body["trucks"])
    t1_score = ok(await fixed.get(f"{TRUCKS}/T1/score", params=DAY_D))
    (listed,) = [t for t in body["trucks"] if t["subject"] == "T1"]
    assert listed == {k: v for k, v in t1_score.items() if k != "trips"}


# ---- utilization -------------------------------------------------------------------------------


async def test_utilization_counts_engine_driving_and_idle_hours(fixed: httpx.AsyncClient) -> None:
    await fleet(fixed)
    body = ok(await fixed.get(UTILIZATION, params=DAY_D))
    assert body["period"] == DAY_D
    by_truck = {u["truck_id"]: u for u in body["trucks"]}
    assert sorted(by_truck) == sorted(REGISTRY)
    truth = {  # engine-on, driving, idle hours
        "T1": (T1_ENGINE_H, T1_DRIVING_H, T1_IDLE_H),
        "T2": (2.5, 2.0, 0.5),
        "T3": (2.0, 1.0, 1.0),
        "T4": (1.0, 1.0, 0.0),
        "T5": (1.0, 1.0, 0.0),
        "T6": (0.0, 0.0, 0.0),
        "T7": (1.0, 0.0, 1.0),
    }
    for truck, (engine, driving, idle_h) in truth.items():
        u = by_truck[truck]
        assert u["engine_on_h"] == pytest.approx(engine, abs=0.001), truck
        assert u["driving_h"] == pytest.approx(driving, abs=0.001), truck
        assert u["idle_h"] == pytest.approx(idle_h, abs=0.001), truck
        assert u["available_h"] == 24.0
        assert u["engine_pct"] == pytest.approx(engine / 24 * 100, abs=0.01)
        assert u["driving_pct"] == pytest.approx(driving / 24 * 100, abs=0.01)
        assert u["active_days"] == (1 if driving else 0)
        assert u["active_dates"] == ([D.date().isoformat()] if driving else [])
        assert u["idle_all_period"] is (driving == 0)
    assert body["idle_all_period"] == ["T6", "T7"]
    engine = sum(e for e, _, _ in truth.values())
    driving = sum(d for _, d, _ in truth.values())
    assert body["engine_on_h"] == pytest.approx(engine, abs=0.005)
    assert body["driving_h"] == pytest.approx(driving, abs=0.005)
    assert body["idle_h"] == pytest.approx(sum(i for _, _, i in truth.values()), abs=0.005)
    assert body["available_h"] == 24.0 * len(REGISTRY)
    assert body["engine_pct"] == pytest.approx(engine / (24 * 7) * 100, abs=0.01)
    assert body["driving_pct"] == pytest.approx(driving / (24 * 7) * 100, abs=0.01)

    two = ok(await fixed.get(UTILIZATION, params=TWO_DAYS))
    (u,) = [u for u in two["trucks"] if u["truck_id"] == "T1"]
    assert u["available_h"] == 48.0
    assert u["driving_h"] == pytest.approx(T1_DRIVING_H + 0.5, abs=0.001)
    assert u["active_dates"] == [D.date().isoformat(), date(2026, 2, 3).isoformat()]


# ---- benchmarking ------------------------------------------------------------------------------


async def test_a_truck_is_benchmarked_against_its_peer_group(fixed: httpx.AsyncClient) -> None:
    await fleet(fixed)
    body = ok(await fixed.get(f"{TRUCKS}/T1/benchmark", params=DAY_D))
    assert body["truck_id"] == "T1"
    assert body["period"] == DAY_D
    assert "2017" in body["peer_group"]
    assert "2023" in body["peer_group"]
    # T3 spells make and model in other cases; T4 (2016) is outside ±3 years, T5 a Volvo
    assert [p["truck_id"] for p in body["peers"]] == ["T2", "T3", "T6"]
    assert body["peers"][0] == {
        "truck_id": "T2", "make": "Freightliner", "model": "Cascadia", "year": 2022,
    }  # fmt: skip
    measures = {m["measure"]: m for m in body["measures"]}
    assert list(measures) == ["mpg", "idle_pct", "cost_per_mile"]
    t1_fuel = 115 * 10 / 60 + B_GAL + T1_IDLE_H * IDLE_GPH
    truth = {  # value, percentile (higher is better) among T2 and T3 (T6 has no data)
        "mpg": ((A_MI + B_MI) / (115 * 10 / 60 + B_GAL), 50.0),  # 7.5 > it > 5.0
        "idle_pct": (T1_IDLE_H / T1_ENGINE_H * 100, 100.0),  # below 20 % and 50 %
        "cost_per_mile": (t1_fuel * PRICE / (A_MI + B_MI), 50.0),  # T2 0.53, T3 0.84 $/mi
    }
    for name, (value, percentile) in truth.items():
        m = measures[name]
        assert m["value"] == pytest.approx(value, abs=0.002), name
        assert m["percentile"] == percentile, name
        assert m["peers_measured"] == 2, name
        assert m["reason"] is None

    lonely = ok(await fixed.get(f"{TRUCKS}/T6/benchmark", params=DAY_D))
    assert [p["truck_id"] for p in lonely["peers"]] == ["T1", "T2"]  # T3 is 6 years older
    assert all(m["value"] is None and m["reason"] for m in lonely["measures"])
    assert ok(await fixed.get(f"{TRUCKS}/T7/benchmark", params=DAY_D))["peers"] == []


# ---- requests ----------------------------------------------------------------------------------


async def test_bad_query_parameters_are_422s_naming_the_parameter(
    fixed: httpx.AsyncClient,
) -> None:
    await t1(fixed)
    backwards = {"from": DAY_D["to"], "to": DAY_D["from"]}
    empty = {"from": DAY_D["from"], "to": DAY_D["from"]}
    urls = (
        f"{TRUCKS}/T1/trips", f"{TRUCKS}/T1/speeding-events", f"{TRUCKS}/T1/score",
        "/api/v2/drivers/D-ALICE/score", BEHAVIOUR, UTILIZATION, f"{TRUCKS}/T1/benchmark",
    )  # fmt: skip
    for url in urls:
        assert_problem(await fixed.get(url, params=backwards), 422, "to")
        assert_problem(await fixed.get(url, params=empty), 422, "to")
        assert_problem(await fixed.get(url, params={**DAY_D, "bogus": "1"}), 422, "bogus")
        assert_problem(await fixed.get(url, params={"from": "yesterday"}), 422, "from")
    trips = f"{TRUCKS}/T1/trips"
    for limit in ("0", "501", "x"):
        assert_problem(await fixed.get(trips, params={**DAY_D, "limit": limit}), 422, "limit")
    assert_problem(await fixed.get(trips, params={**DAY_D, "cursor": "garbage"}), 422, "cursor")
    year = {"from": iso(D - timedelta(days=367)), "to": iso(D)}
    assert_problem(await fixed.get(trips, params=year), 422, "from")


# ---- the OpenAPI document ----------------------------------------------------------------------

ENDPOINTS = (
    "/api/v2/trucks/{truck_id}/trips",
    "/api/v2/trips/{trip_id}",
    "/api/v2/trucks/{truck_id}/speeding-events",
    "/api/v2/trucks/{truck_id}/score",
    "/api/v2/drivers/{driver_id}/score",
    "/api/v2/fleet/driver-behavior",
    "/api/v2/fleet/utilization",
    "/api/v2/trucks/{truck_id}/benchmark",
)
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref: str = node["$ref"]
        assert ref.startswith("#/components/schemas/"), ref
        node = document["components"]["schemas"][ref.removeprefix("#/components/schemas/")]
    return node


def violations(document: dict[str, Any], schema: dict[str, Any], value: Any, at: str) -> list[str]:
    """The subset of JSON Schema that the app's models produce, strictly."""
    schema = resolve(document, schema)
    if "anyOf" in schema or "oneOf" in schema:
        options: list[dict[str, Any]] = schema.get("anyOf") or schema["oneOf"]
        if any(not violations(document, option, value, at) for option in options):
            return []
        return [f"{at}: {value!r} matches no option"]
    found: list[str] = []
    for part in schema.get("allOf", ()):
        found += violations(document, part, value, at)
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{at}: {value!r} is not {schema['const']!r}")
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds and not any(checks[k](value) for k in kinds):
        return [*found, f"{at}: {value!r} is not {kind}"]
    formats = {"date-time": DATE_TIME, "date": DATE}
    pattern = formats.get(schema.get("format", ""))
    if isinstance(value, str) and pattern is not None and not pattern.match(value):
        found.append(f"{at}: {value!r} is not a {schema['format']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                found.append(f"{at}: {name} missing")
        for name, item in value.items():
            if name in properties:
                found += violations(document, properties[name], item, f"{at}.{name}")
            elif schema.get("additionalProperties") is False or properties:
                found.append(f"{at}: {name} is not documented")
    if isinstance(value, list) and "items" in schema:
        for k, item in enumerate(value):
            found += violations(document, schema["items"], item, f"{at}[{k}]")
    return found


@pytest.fixture
async def openapi(fixed: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = ok(await fixed.get("/openapi.json"))
    return document


async def test_every_endpoint_is_documented_with_a_typed_response(
    openapi: dict[str, Any],
) -> None:
    for path in ENDPOINTS:
        operation = openapi["paths"][path]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert set(schema) == {"$ref"}, path
        component = resolve(openapi, schema)
        assert component["type"] == "object", path
        assert component["properties"], path
        assert set(component["required"]) == set(component["properties"]), path
        for name in re.findall(r"{(\w+)}", path):
            assert any(p["name"] == name and p["in"] == "path" for p in operation["parameters"])
        queries = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
        if path != "/api/v2/trips/{trip_id}":
            assert {"from", "to"} <= queries, path
        for code in ("404", "422") if "{" in path else ("422",):
            assert code in operation["responses"], (path, code)
    trips = openapi["paths"]["/api/v2/trucks/{truck_id}/trips"]["get"]
    assert {p["name"] for p in trips["parameters"] if p["in"] == "query"} == {
        "from", "to", "cursor", "limit",
    }  # fmt: skip


async def test_every_answer_matches_its_documented_schema(
    fixed: httpx.AsyncClient, openapi: dict[str, Any]
) -> None:
    await fleet(fixed)
    a = f"T1.{int(at('06:30').timestamp())}"
    urls: dict[str, tuple[str, dict[str, Any]]] = {
        "/api/v2/trucks/{truck_id}/trips": (f"{TRUCKS}/T1/trips", {**TWO_DAYS, "limit": 2}),
        "/api/v2/trips/{trip_id}": (f"{TRIPS}/{a}", {}),
        "/api/v2/trucks/{truck_id}/speeding-events": (f"{TRUCKS}/T1/speeding-events", DAY_D),
        "/api/v2/trucks/{truck_id}/score": (f"{TRUCKS}/T1/score", DAY_D),
        "/api/v2/drivers/{driver_id}/score": ("/api/v2/drivers/D-BOB/score", DAY_D),
        "/api/v2/fleet/driver-behavior": (BEHAVIOUR, DAY_D),
        "/api/v2/fleet/utilization": (UTILIZATION, DAY_D),
        "/api/v2/trucks/{truck_id}/benchmark": (f"{TRUCKS}/T1/benchmark", DAY_D),
    }
    assert set(urls) == set(ENDPOINTS)
    extra: dict[
        str, tuple[str, dict[str, Any]]
    ] = {  # answers with the nulls: no data, no peers, no position
        "/api/v2/trucks/{truck_id}/benchmark": (f"{TRUCKS}/T6/benchmark", DAY_D),
        "/api/v2/trucks/{truck_id}/score": (f"{TRUCKS}/T7/score", DAY_D),
    }
    for path, (url, params) in [*urls.items(), *extra.items()]:
        body = ok(await fixed.get(url, params=params))
        schema = openapi["paths"][path]["get"]["responses"]["200"]["content"]
        assert violations(openapi, schema["application/json"]["schema"], body, path) == []
    # the validator is not blind: a wrong type and an undocumented key are caught
    trip_schema = openapi["paths"]["/api/v2/trips/{trip_id}"]["get"]["responses"]["200"]
    schema = trip_schema["content"]["application/json"]["schema"]
    body = ok(await fixed.get(f"{TRIPS}/{a}"))
    assert violations(openapi, schema, {**body, "harsh_accel": "2"}, "trip")
    assert violations(openapi, schema, {**body, "extra": 1}, "trip")
    assert violations(openapi, schema, {k: v for k, v in body.items() if k != "mpg"}, "trip")
