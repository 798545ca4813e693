"""Any input to ingestion (JSON, NDJSON, CSV) gives stored rows or named rejections, never a
5xx, never a row stored that was not counted (hypothesis, on SQLite and MySQL)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.tables import readings
from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading
from fuel_analytics.domain.telemetry import SPECS, from_text_fields, parse_reading
from tests.conftest import NOW

TELEMETRY = "/api/v2/telemetry"
FIELDS = ["truck_id", "ts", *SPECS]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["2026-01-05T13:59:00Z", "T-1", "1e309", "", "NaN", "-0"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
truck_ids = st.sampled_from(["H1", "H2", "h1"]) | st.text(max_size=40)
timestamps = st.sampled_from(
    ["2026-01-05T13:59:00Z", "2026-01-05T12:00:00.123456+02:00", "2026-01-05T13:59:00"]
) | st.datetimes().map(lambda d: d.isoformat())
# rows close enough to valid that many reach the database, with any field possibly wrong
rows = (
    st.fixed_dictionaries(
        {"truck_id": truck_ids, "ts": timestamps},
        optional=dict.fromkeys([*FIELDS[2:], "extra"], values),
    )
    | values
)

bodies = st.lists(rows, max_size=6)


async def stored(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(readings))).scalar_one())


async def check(response: httpx.Response, engine: AsyncEngine, before: int) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert await stored(engine) == before
        return
    body = response.json()
    assert body["accepted"] + body["duplicates"] + len(body["rejected"]) == body["received"]
    for rejection in body["rejected"]:
        assert isinstance(rejection["index"], int)
        assert isinstance(rejection["field"], str)
        assert rejection["field"]
        assert rejection["reason"]
    assert await stored(engine) == before + body["accepted"]


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


VALID = {"truck_id": "H1", "ts": "2026-01-05T13:59:00Z", "fuel_level_pct": 50.0}


@SETTINGS
@given(bodies, st.sampled_from(["wrapped", "bare", "ndjson"]))
@example([VALID, {**VALID, "speed_mph": -1}], "wrapped")  # one stored, one rejected
async def test_any_json_or_ndjson_body_is_stored_or_named(
    client: httpx.AsyncClient, db: AsyncEngine, items: list[Any], shape: str
) -> None:
    before = await stored(db)
    if shape == "ndjson":
        content = "\n".join(json.dumps(item, allow_nan=True) for item in items).encode()
        headers = {"content-type": "application/x-ndjson"}
    else:
        payload: Any = {"readings": items} if shape == "wrapped" else items
        content = json.dumps(payload, allow_nan=True).encode()
        headers = {"content-type": "application/json"}
    await check(await client.post(TELEMETRY, content=content, headers=headers), db, before)


@SETTINGS
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
async def test_any_bytes_are_a_clean_answer(
    client: httpx.AsyncClient, db: AsyncEngine, content: bytes
) -> None:
    before = await stored(db)
    for media in ("application/json", "application/x-ndjson"):
        response = await client.post(TELEMETRY, content=content, headers={"content-type": media})
        await check(response, db, before)
        before = await stored(db)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "other"]), st.none() | st.text(max_size=30)))
def test_any_csv_row_is_a_reading_or_a_named_rejection(cells: dict[str, str | None]) -> None:
    """CSV (`fuel-analytics import`): text cells, converted, then the telemetry contract."""
    outcome = csv_outcome(cells)
    if isinstance(outcome, InvalidField):
        assert outcome.field
        assert outcome.field.split(".")[0] in [*FIELDS, "other", "reading"], outcome.field
    else:
        assert isinstance(outcome, Reading)


def csv_outcome(cells: dict[str, str | None]) -> Reading | InvalidField:
    try:
        return parse_reading(from_text_fields(cells), now=NOW)
    except InvalidField as error:
        return error
