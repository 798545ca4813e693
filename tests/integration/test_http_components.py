"""Components over HTTP, on SQLite and MySQL, through the real app with its clock fixed just
after a small synthetic history posted through POST /api/v2/telemetry: component health per
truck, histories (day, hour, raw, paged), the fleet's maintenance view, and fault codes.

History: 12 days (2025-12-20 to 2025-12-31), each with 24 readings of a running engine
(rpm 1400, every 20 min from 08:00 to 15:40 UTC) and 2 readings with the engine off in the
evening. Every monitored sensor is reported with a small wobble that repeats every day (so
daily means of a healthy sensor are equal, and no value repeats twice in a row); the
coolant of a "rising" truck climbs 2.5 °F a day.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
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
MAINTENANCE = "/api/v2/fleet/maintenance"
BATCH = 10_000

D0 = datetime(2025, 12, 20, tzinfo=UTC)
DAYS = 12
NOW = D0 + timedelta(days=DAYS, minutes=30)  # 2026-01-01T00:30Z
RUNNING_PER_DAY = 24
WOBBLE = (-1.5, -0.5, 0.5, 1.5, 0.0, -1.0, 1.0)
RISE_PER_DAY = 2.5

MONITORS = {
    "oil_pressure_psi",
    "coolant_temp_f",
    "oil_temp_f",
    "trans_temp_f",
    "boost_pressure_psi",
    "intake_air_temp_f",
    "battery_voltage.engine_running",
    "battery_voltage.engine_off",
    "def_level_pct",
}
HEALTHY = {
    "oil_pressure_psi": 45.0,
    "oil_temp_f": 215.0,
    "trans_temp_f": 175.0,
    "boost_pressure_psi": 22.0,
    "intake_air_temp_f": 110.0,
    "def_level_pct": 60.0,
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def component_history(truck: str, coolant_base: float, rise: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for day in range(DAYS):
        midnight = D0 + timedelta(days=day)
        for k in range(RUNNING_PER_DAY):
            w = WOBBLE[k % len(WOBBLE)]
            moment = midnight + timedelta(hours=8, minutes=20 * k)
            rows.append(
                {
                    "truck_id": truck,
                    "ts": iso(moment),
                    "speed_mph": 55.0,
                    "rpm": 1400.0,
                    "engine_load_pct": 65.0,
                    "coolant_temp_f": round(coolant_base + rise * day + w, 4),
                    **{name: value + w for name, value in HEALTHY.items()},
                    "battery_voltage": round(14.0 + w / 10, 4),
                }
            )
        for hour, volts in ((20, 12.6), (22, 12.7)):
            rows.append(
                {
                    "truck_id": truck,
                    "ts": iso(midnight + timedelta(hours=hour)),
                    "speed_mph": 0.0,
                    "rpm": 0.0,
                    "coolant_temp_f": 95.0,  # engine off: not a coolant sample
                    "battery_voltage": volts,
                }
            )
    return rows


def running_coolant(rows: list[dict[str, Any]]) -> list[tuple[datetime, float]]:
    return [(at(r["ts"]), r["coolant_temp_f"]) for r in rows if r["rpm"] > 300]


def expected_buckets(
    samples: list[tuple[datetime, float]], width: timedelta
) -> list[dict[str, Any]]:
    """count, mean, min, max and nearest-rank p95 per UTC-aligned bucket."""
    groups: dict[datetime, list[float]] = defaultdict(list)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for moment, value in samples:
        groups[epoch + ((moment - epoch) // width) * width].append(value)
    out = []
    for start in sorted(groups):
        values = sorted(groups[start])
        out.append(
            {
                "start": iso(start),
                "count": len(values),
                "mean": pytest.approx(sum(values) / len(values)),
                "min": values[0],
                "max": values[-1],
                "p95": values[math.ceil(0.95 * len(values)) - 1],
            }
        )
    return out


async def ingest(http: httpx.AsyncClient, rows: list[dict[str, Any]]) -> None:
    for lo in range(0, len(rows), BATCH):
        part = rows[lo : lo + BATCH]
        body = ok(await http.post("/api/v2/telemetry", json={"readings": part}))
        assert body["rejected"] == [], body
        assert body["accepted"] == len(part), body


async def put(http: httpx.AsyncClient, truck: str, **spec: Any) -> None:
    response = await http.put(f"{TRUCKS}/{truck}", json=spec)
    assert response.status_code in (200, 201), response.text


def history_url(truck: str, sensor: str = "coolant_temp_f") -> str:
    return f"{TRUCKS}/{truck}/components/{sensor}/history"


@pytest.fixture
async def fixed(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(db, settings_for(database_url), clock=FixedClock(NOW)) as http:
        yield http


@pytest.fixture
async def rising(fixed: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Truck HOT: coolant 185 °F rising 2.5 °F/day (mean 212.4 °F on its 12th day)."""
    rows = component_history("HOT", 185.0, RISE_PER_DAY)
    await ingest(fixed, rows)
    return rows


# ---- health per truck ------------------------------------------------------------------------


async def test_a_rising_coolant_is_flagged_with_its_trend_and_days_to_critical(
    fixed: httpx.AsyncClient, rising: list[dict[str, Any]]
) -> None:
    body = ok(await fixed.get(f"{TRUCKS}/HOT/components"))
    assert body["truck_id"] == "HOT"
    assert body["generated_at"] == iso(NOW)
    components = body["components"]
    by_key = {c["monitor_key"]: c for c in components}
    assert set(by_key) == MONITORS
    assert len(components) == len(MONITORS)

    coolant = by_key["coolant_temp_f"]
    assert components[0]["monitor_key"] == "coolant_temp_f"  # the most urgent first
    assert coolant["status"] in ("HIGH", "CRITICAL")
    assert coolant["component"] == "cooling"
    assert coolant["unit"] == "°F"
    assert (coolant["warning"], coolant["critical"], coolant["bad_side"]) == (210, 225, "HIGH")
    trend = coolant["trend"]
    assert trend["slope_per_day"] == pytest.approx(RISE_PER_DAY, abs=0.05)
    assert trend["slope_per_day"] > 0
    assert trend["r2"] > 0.99
    assert trend["days"] == DAYS
    assert trend["stable"] is False
    assert coolant["degrading"] is True
    last_mean = sum(v for _, v in running_coolant(rising)[-RUNNING_PER_DAY:]) / RUNNING_PER_DAY
    assert last_mean > 210  # past warning on its latest full day
    # a reliable rising trend: the level is its line now, half a day after the last day's middle
    elapsed = (NOW - (D0 + timedelta(days=DAYS - 0.5))) / timedelta(days=1)
    assert coolant["level"] == pytest.approx(last_mean + RISE_PER_DAY * elapsed, abs=0.05)
    assert coolant["days_to_warning"] == 0
    # (225 - 212.4) / 2.5 days from the middle of the last day, less the half day since
    dtc = coolant["days_to_critical"]
    assert dtc is not None
    assert 0 < dtc <= 7
    assert dtc == pytest.approx((225 - last_mean) / RISE_PER_DAY - elapsed, abs=0.1)
    assert "coolant" in coolant["reason"].lower()
    assert "rising" in coolant["reason"]
    assert coolant["latest_value"] == running_coolant(rising)[-1][1]
    assert coolant["latest_ts"] == iso(running_coolant(rising)[-1][0])

    for key, health in by_key.items():
        if key == "coolant_temp_f":
            continue
        assert health["status"] == "OK", health
        assert health["reason"], key
        assert not health["reason"].startswith("no "), health  # it has data, and it is fine
        assert health["level"] is not None, key
        assert health["days_to_critical"] is None, health
    assert by_key["battery_voltage.engine_off"]["level"] == pytest.approx(12.65)
    assert by_key["battery_voltage.engine_running"]["level"] == pytest.approx(
        14.0 + sum(WOBBLE[k % 7] for k in range(RUNNING_PER_DAY)) / 10 / RUNNING_PER_DAY
    )


async def test_a_truck_without_readings_has_every_monitor_ok_and_says_why(
    fixed: httpx.AsyncClient,
) -> None:
    await put(fixed, "NEW")
    body = ok(await fixed.get(f"{TRUCKS}/NEW/components"))
    assert {c["monitor_key"] for c in body["components"]} == MONITORS
    for health in body["components"]:
        assert health["status"] == "OK", health
        assert health["level"] is None
        assert health["trend"] is None
        assert "no " in health["reason"], health


async def test_unknown_trucks_are_404_problems(fixed: httpx.AsyncClient) -> None:
    for path in (
        f"{TRUCKS}/NOPE/components",
        history_url("NOPE"),
        f"{TRUCKS}/NOPE/dtcs",
    ):
        body = assert_problem(await fixed.get(path), 404, "truck_id")
        assert "NOPE" in body["detail"]


async def test_a_trucks_own_thresholds_apply_to_its_components_only(
    fixed: httpx.AsyncClient,
) -> None:
    """A steady 190 °F coolant is OK by default and HIGH on a truck whose warning is 185 °F;
    component overrides sit beside fuel thresholds without upsetting the fuel report."""
    thresholds = {"coolant_temp_f.warn": 185.0, "coolant_temp_f.crit": 200.0, "refuel_min_pct": 9}
    await put(fixed, "STRICT", thresholds=thresholds)
    await ingest(fixed, component_history("STRICT", 190.0, 0.0) + component_history("STD", 190, 0))
    strict = {
        c["monitor_key"]: c
        for c in ok(await fixed.get(f"{TRUCKS}/STRICT/components"))["components"]
    }
    standard = {
        c["monitor_key"]: c for c in ok(await fixed.get(f"{TRUCKS}/STD/components"))["components"]
    }
    assert standard["coolant_temp_f"]["status"] == "OK"
    coolant = strict["coolant_temp_f"]
    assert (coolant["warning"], coolant["critical"]) == (185, 200)
    assert coolant["status"] == "HIGH"  # past its own warning, far from its critical
    assert "185" in coolant["reason"]
    history = ok(await fixed.get(history_url("STRICT"), params={"resolution": "day"}))
    assert (history["warn"], history["crit"]) == (185, 200)
    assert len(history["items"]) == DAYS
    maintenance = ok(await fixed.get(MAINTENANCE))
    assert [(h["truck_id"], h["monitor_key"]) for h in maintenance["items"]] == [
        ("STRICT", "coolant_temp_f")
    ]
    assert maintenance["systemic"] == []
    report = ok(await fixed.get(f"{TRUCKS}/STRICT/fuel"))
    assert report["truck_id"] == "STRICT"


# ---- histories -------------------------------------------------------------------------------


async def test_the_daily_history_has_one_bucket_per_day_matching_the_readings(
    fixed: httpx.AsyncClient, rising: list[dict[str, Any]]
) -> None:
    params = {"from": iso(D0), "to": iso(NOW), "resolution": "day"}
    body = ok(await fixed.get(history_url("HOT"), params=params))
    assert body["truck_id"] == "HOT"
    assert body["monitor_key"] == "coolant_temp_f"
    assert (body["component"], body["unit"]) == ("cooling", "°F")
    assert (body["warn"], body["crit"]) == (210, 225)
    assert body["resolution"] == "day"
    assert body["period"] == {"from": iso(D0), "to": iso(NOW)}
    assert body["next_from"] is None
    items = body["items"]
    assert [at(b["start"]) for b in items] == [D0 + timedelta(days=d) for d in range(DAYS)]
    for bucket in items:
        assert bucket["count"] == RUNNING_PER_DAY  # the engine-off readings do not count
        assert bucket["min"] <= bucket["mean"] <= bucket["max"]
        assert bucket["p95"] <= bucket["max"]
        assert bucket["min"] > 150
    assert items == expected_buckets(running_coolant(rising), timedelta(days=1))
    means = [b["mean"] for b in items]
    assert [b - a for a, b in itertools.pairwise(means)] == [pytest.approx(RISE_PER_DAY)] * (
        DAYS - 1
    )


async def test_the_hourly_history_matches_the_readings(
    fixed: httpx.AsyncClient, rising: list[dict[str, Any]]
) -> None:
    last_day = D0 + timedelta(days=DAYS - 1)
    params = {"from": iso(last_day), "to": iso(last_day + timedelta(days=1))}
    body = ok(await fixed.get(history_url("HOT"), params={**params, "resolution": "hour"}))
    assert body["resolution"] == "hour"
    items = body["items"]
    assert [at(b["start"]) for b in items] == [last_day + timedelta(hours=8 + h) for h in range(8)]
    assert all(b["count"] == 3 for b in items)
    samples = [(t, v) for t, v in running_coolant(rising) if t >= last_day]
    assert items == expected_buckets(samples, timedelta(hours=1))
    # hour is the default resolution
    assert ok(await fixed.get(history_url("HOT"), params=params))["items"] == items


async def test_the_daily_history_pages_with_next_from(
    fixed: httpx.AsyncClient, rising: list[dict[str, Any]]
) -> None:
    params: dict[str, Any] = {"from": iso(D0), "to": iso(NOW), "resolution": "day", "limit": 5}
    starts: list[str] = []
    for _ in range(10):
        body = ok(await fixed.get(history_url("HOT"), params=params))
        assert len(body["items"]) <= 5
        starts += [b["start"] for b in body["items"]]
        if body["next_from"] is None:
            break
        params["from"] = body["next_from"]
    assert starts == [iso(D0 + timedelta(days=d)) for d in range(DAYS)]


async def test_the_raw_history_pages_through_every_point_once(
    fixed: httpx.AsyncClient, rising: list[dict[str, Any]]
) -> None:
    params: dict[str, Any] = {"from": iso(D0), "to": iso(NOW), "resolution": "raw", "limit": 50}
    points: list[tuple[datetime, float]] = []
    pages = 0
    for _ in range(20):
        body = ok(await fixed.get(history_url("HOT"), params=params))
        pages += 1
        assert body["resolution"] == "raw"
        assert len(body["items"]) <= 50
        for b in body["items"]:
            assert b["count"] == 1
            assert b["mean"] == b["min"] == b["max"] == b["p95"]
            points.append((at(b["start"]), b["mean"]))
        if body["next_from"] is None:
            break
        assert at(body["next_from"]) > points[-1][0]
        params["from"] = body["next_from"]
    expected = running_coolant(rising)
    assert len(expected) == DAYS * RUNNING_PER_DAY
    assert pages == math.ceil(len(expected) / 50)
    assert len({t for t, _ in points}) == len(points)  # no point twice
    assert points == expected  # none missing, in time order, engine-off readings left out


async def test_a_monitor_with_a_condition_in_its_key_has_its_own_history(
    fixed: httpx.AsyncClient, rising: list[dict[str, Any]]
) -> None:
    params = {"from": iso(D0), "to": iso(NOW), "resolution": "day"}
    body = ok(await fixed.get(history_url("HOT", "battery_voltage.engine_off"), params=params))
    assert body["monitor_key"] == "battery_voltage.engine_off"
    assert body["component"] == "battery"
    assert [(b["count"], b["min"], b["max"]) for b in body["items"]] == [(2, 12.6, 12.7)] * DAYS


@pytest.mark.parametrize(
    ("sensor", "params", "status", "field"),
    [
        pytest.param("brake_temp_f", {}, 404, "sensor", id="unknown-sensor"),
        pytest.param("battery_voltage", {}, 404, "sensor", id="sensor-needing-a-condition"),
        pytest.param("coolant_temp_f", {"resolution": "weekly"}, 422, "resolution", id="weekly"),
        pytest.param(
            "coolant_temp_f",
            {"resolution": "raw", "from": "2025-11-20T00:00:00Z"},
            422,
            "resolution",
            id="raw-over-31-days",
        ),
        pytest.param("coolant_temp_f", {"limit": "0"}, 422, "limit", id="limit-0"),
        pytest.param("coolant_temp_f", {"limit": "10001"}, 422, "limit", id="limit-10001"),
        pytest.param("coolant_temp_f", {"from": "last week"}, 422, "from", id="bad-from"),
        pytest.param(
            "coolant_temp_f",
            {"from": "2025-12-31T00:00:00Z", "to": "2025-12-30T00:00:00Z"},
            422,
            "to",
            id="to<from",
        ),
        pytest.param("coolant_temp_f", {"bucket": "day"}, 422, "bucket", id="unknown-parameter"),
    ],
)
async def test_a_bad_history_request_is_a_problem_naming_the_parameter(
    fixed: httpx.AsyncClient, sensor: str, params: dict[str, str], status: int, field: str
) -> None:
    await put(fixed, "HOT")
    body = assert_problem(await fixed.get(history_url("HOT", sensor), params=params), status, field)
    if field == "sensor":
        assert sensor in body["detail"]
        assert "coolant_temp_f" in body["detail"]  # the valid keys are named


async def test_raw_history_of_exactly_31_days_is_accepted(fixed: httpx.AsyncClient) -> None:
    await put(fixed, "HOT")
    params = {"resolution": "raw", "from": iso(NOW - timedelta(days=31)), "to": iso(NOW)}
    assert ok(await fixed.get(history_url("HOT"), params=params))["items"] == []


# ---- fleet maintenance -----------------------------------------------------------------------


async def test_the_fleet_view_ranks_components_and_flags_a_systemic_cooling_issue(
    fixed: httpx.AsyncClient,
) -> None:
    rows: list[dict[str, Any]] = []
    # latest daily means 217.4, 212.4 and 209.4 °F, all rising 2.5 °F/day
    for truck, base in (("C1", 190.0), ("C2", 185.0), ("C3", 182.0)):
        rows += component_history(truck, base, RISE_PER_DAY)
    rows += component_history("OK1", 190.0, 0.0)
    await ingest(fixed, rows)

    body = ok(await fixed.get(MAINTENANCE))
    assert body["generated_at"] == iso(NOW)
    items = body["items"]
    assert [(h["truck_id"], h["monitor_key"]) for h in items] == [
        ("C1", "coolant_temp_f"),
        ("C2", "coolant_temp_f"),
        ("C3", "coolant_temp_f"),
    ]
    assert [h["status"] for h in items] == ["CRITICAL", "HIGH", "HIGH"]
    dtc = [h["days_to_critical"] for h in items]
    assert dtc[0] <= 3
    assert dtc[1] < dtc[2] <= 7
    assert all(h["status"] != "OK" for h in items)

    assert body["systemic"] == [
        {
            "component": "cooling",
            "truck_count": 3,
            "trucks": ["C1", "C2", "C3"],
            "monitor_keys": ["coolant_temp_f"],
            "worst": "CRITICAL",
        }
    ]
    first = ok(await fixed.get(MAINTENANCE, params={"limit": 1}))
    assert [h["truck_id"] for h in first["items"]] == ["C1"]
    assert first["systemic"] == body["systemic"]  # limit cuts the list, not the analysis
    assert_problem(await fixed.get(MAINTENANCE, params={"limit": "0"}), 422, "limit")
    assert_problem(await fixed.get(MAINTENANCE, params={"top": "5"}), 422, "top")


# ---- fault codes -----------------------------------------------------------------------------

H0 = datetime(2025, 12, 29, tzinfo=UTC)
HOURS = 72


def dtc_history() -> list[dict[str, Any]]:
    """Hourly readings, every one with a dtc_codes list (possibly empty)."""
    rows = []
    for h in range(HOURS):
        codes = ["100-1"]
        if h <= 10 or 60 <= h <= 65:
            codes.append("0110-00" if h == 5 else "110-0")  # the same code, zero-padded
        if h >= 40:
            codes.append("999999-3")
        rows.append(
            {"truck_id": "D1", "ts": iso(H0 + timedelta(hours=h)), "rpm": 700.0, "dtc_codes": codes}
        )
    # D2 reports 110-0 for 6 h, then readings that do not carry dtc_codes at all
    for h in range(HOURS):
        row: dict[str, Any] = {"truck_id": "D2", "ts": iso(H0 + timedelta(hours=h)), "rpm": 700.0}
        if h < 6:
            row["dtc_codes"] = ["110-0"]
        rows.append(row)
    return rows


def hour(h: int) -> str:
    return iso(H0 + timedelta(hours=h))


async def test_fault_codes_become_events_active_or_cleared_and_decoded(
    fixed: httpx.AsyncClient,
) -> None:
    await ingest(fixed, dtc_history())
    body = ok(await fixed.get(f"{TRUCKS}/D1/dtcs"))
    assert body["truck_id"] == "D1"
    assert body["period"] == {"from": iso(NOW - timedelta(days=30)), "to": iso(NOW)}
    items = body["items"]
    summary = [
        (e["code"], e["first_seen"], e["last_seen"], e["active"], e["cleared_at"], e["occurrences"])
        for e in items
    ]
    assert summary == [
        ("100-1", hour(0), hour(71), True, None, 72),
        # absent from hour 11 on, while readings keep coming: cleared 24 h after last seen
        ("110-0", hour(0), hour(10), False, hour(34), 11),
        ("999999-3", hour(40), hour(71), True, None, 32),
        # seen again after it was cleared: a new event
        ("110-0", hour(60), hour(65), True, None, 6),
    ]
    coolant = items[1]
    assert (coolant["spn"], coolant["fmi"]) == (110, 0)
    assert "coolant" in coolant["spn_description"].lower()
    assert "above normal" in coolant["fmi_description"]
    unknown = items[2]
    assert (unknown["spn"], unknown["fmi"]) == (999999, 3)
    assert unknown["spn_description"] is None
    assert unknown["fmi_description"].startswith("Voltage above normal")
    assert items[0]["spn_description"]  # 100: engine oil pressure, in the table


async def test_a_fault_code_is_not_cleared_by_readings_that_do_not_report_codes(
    fixed: httpx.AsyncClient,
) -> None:
    await ingest(fixed, dtc_history())
    items = ok(await fixed.get(f"{TRUCKS}/D2/dtcs"))["items"]
    assert [(e["code"], e["last_seen"], e["active"], e["cleared_at"]) for e in items] == [
        ("110-0", hour(5), True, None)
    ]


async def test_fault_events_are_as_of_the_end_of_the_period(fixed: httpx.AsyncClient) -> None:
    await ingest(fixed, dtc_history())
    params = {"from": hour(0), "to": hour(20)}
    body = ok(await fixed.get(f"{TRUCKS}/D1/dtcs", params=params))
    assert body["period"] == params
    assert [(e["code"], e["last_seen"], e["active"]) for e in body["items"]] == [
        ("100-1", hour(19), True),
        ("110-0", hour(10), True),  # not yet absent for 24 h at the end of the period
    ]
    assert_problem(
        await fixed.get(f"{TRUCKS}/D1/dtcs", params={"from": hour(20), "to": hour(0)}), 422, "to"
    )
