"""Who may do what, on SQLite and MySQL, through the real app with FUEL_AUTH on: every
operation of /openapi.json needs its scope (401 without a key, 403 with a key that lacks
it), keys are stored as hashes only and a revoked key is refused, the audit log records admin
actions and ingestion batches, a key's rate limit answers 429, and the access log names the
key's id, never the key. Carrier isolation is in test_auth_tenancy.py."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.memory.repositories import FixedClock
from fuel_analytics.adapters.sqlalchemy.keys import SqlApiKeys, SqlAuditLog
from fuel_analytics.adapters.sqlalchemy.tables import api_keys
from fuel_analytics.domain.auth import ANONYMOUS, Scope
from fuel_analytics.entrypoints import cli
from fuel_analytics.entrypoints.logs import ACCESS_LOGGER
from tests.integration.conftest import serving
from tests.integration.conftest import test_settings as settings_for
from tests.integration.http_helpers import PROBLEM, assert_problem, iso, ok
from tests.integration.test_request_logs import logged

NOW = datetime(2026, 2, 3, 12, tzinfo=UTC)
KEYS = "/api/v2/admin/keys"
AUDIT = "/api/v2/admin/audit"
PUBLIC = ["/health", "/metrics", "/openapi.json", "/docs", "/", "/dashboard/app.js"]
PATH_VALUES = {
    "truck_id": "AAA-1",
    "sensor": "coolant_temp_f",
    "trip_id": "AAA-1.1770000000",
    "driver_id": "D-A",
    "key_id": "0123abcd",
}
BODIES: dict[tuple[str, str], Any] = {
    ("post", "/api/v2/telemetry"): {
        "readings": [{"truck_id": "AAA-1", "ts": iso(NOW - timedelta(hours=1)), "rpm": 700}]
    },
    ("put", "/api/v2/trucks/{truck_id}"): {"make": "Volvo"},
    ("post", KEYS): {"scopes": ["read"], "name": "made in a test"},
}
# a key that lacks what each scope needs
LACKING = {"read": [Scope.INGEST], "ingest": [Scope.READ], "admin": [Scope.READ, Scope.INGEST]}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def make_key(
    engine: AsyncEngine, scopes: list[Scope], carrier: str | None = None, name: str = ""
) -> str:
    from fuel_analytics.services.keys import AuditTrail, KeyService

    clock = FixedClock(NOW)
    keys = KeyService(SqlApiKeys(engine), AuditTrail(SqlAuditLog(engine), clock), clock)
    _, key = await keys.create(scopes, carrier_id=carrier, name=name, actor=ANONYMOUS)
    return key


@asynccontextmanager
async def secured(
    engine: AsyncEngine, database_url: str, **overrides: object
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with authentication on (the other integration tests run with it off)."""
    settings = settings_for(database_url, auth="on", **overrides)
    async with serving(engine, settings, clock=FixedClock(NOW)) as http:
        yield http


@pytest.fixture
async def api(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with secured(db, database_url) as http:
        yield http


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, str, list[Any]]]:
    """(method, template, concrete path, security) of every documented operation."""
    for template, item in document["paths"].items():
        path = template
        for name, value in PATH_VALUES.items():
            path = path.replace(f"{{{name}}}", value)
        assert "{" not in path, f"no test value for a parameter of {template}"
        for method, op in item.items():
            yield method, template, path, op["security"]


async def call(
    http: httpx.AsyncClient, method: str, template: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    body = BODIES.get((method, template))
    return await http.request(method.upper(), path, json=body, headers=headers)


async def test_every_operation_needs_its_scope(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    document = ok(await api.get("/openapi.json"))
    assert set(document["components"]["securitySchemes"]) == {"bearerKey", "apiKeyHeader"}
    keys = {scope: await make_key(db, [Scope(scope)]) for scope in ("read", "ingest", "admin")}
    lacking = {scope: await make_key(db, found) for scope, found in LACKING.items()}
    checked = {"public": 0, "read": 0, "ingest": 0, "admin": 0}
    for method, template, path, security in operations(document):
        anonymous = await call(api, method, template, path, {})
        if security == []:
            assert anonymous.status_code not in (401, 403), (method, path, anonymous.text)
            checked["public"] += 1
            continue
        (scope,) = {s for entry in security for scopes in entry.values() for s in scopes}
        assert {name for entry in security for name in entry} == {"bearerKey", "apiKeyHeader"}
        documented = document["paths"][template][method]["responses"]
        assert {"401", "403", "429"} <= set(documented), (method, template)
        where = f"{method.upper()} {path}"
        assert_problem(anonymous, 401, None)
        assert anonymous.headers["www-authenticate"].startswith("Bearer"), where
        wrong = await call(api, method, template, path, bearer(lacking[scope]))
        assert_problem(wrong, 403, None)
        right = await call(api, method, template, path, bearer(keys[scope]))
        assert right.status_code not in (401, 403), (where, right.text)
        # the other header works as well
        other = await call(api, method, template, path, {"X-API-Key": keys[scope]})
        assert other.status_code not in (401, 403), (where, other.text)
        checked[scope] += 1
    # /health is the one public operation (the other public paths are not in the document)
    assert checked == {"public": 1, "read": 25, "ingest": 2, "admin": 4}
    for path in PUBLIC:
        response = await api.get(path)
        assert response.status_code == 200, (path, response.status_code)


async def test_admin_implies_read_and_ingest(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    admin = bearer(await make_key(db, [Scope.ADMIN]))
    assert (await api.get("/api/v2/trucks", headers=admin)).status_code == 200
    body = BODIES[("post", "/api/v2/telemetry")]
    assert (await api.post("/api/v2/telemetry", json=body, headers=admin)).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        {"Authorization": "Bearer fak_0123abcd_not-the-secret"},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "fak__"},
    ],
)
async def test_an_invalid_key_is_401(api: httpx.AsyncClient, header: dict[str, str]) -> None:
    response = await api.get("/api/v2/trucks", headers=header)
    assert_problem(response, 401, None)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_key_with_a_wrong_secret_is_401(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    key = await make_key(db, [Scope.READ])
    prefix, key_id, secret = key.split("_", 2)
    forged = f"{prefix}_{key_id}_{'A' * len(secret)}"
    assert_problem(await api.get("/api/v2/trucks", headers=bearer(forged)), 401, None)
    assert (await api.get("/api/v2/trucks", headers=bearer(key))).status_code == 200


async def test_keys_are_stored_as_hashes_only_and_a_revoked_key_is_401(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    admin = bearer(await make_key(db, [Scope.ADMIN], name="ops"))
    created = ok(
        await api.post(KEYS, json={"scopes": ["read"], "name": "gateway"}, headers=admin), 201
    )
    key: str = created["key"]
    prefix, key_id, secret = key.split("_", 2)
    assert (prefix, key_id, created["scopes"], created["active"]) == (
        "fak",
        created["key_id"],
        ["read"],
        True,
    )
    assert len(secret) >= 43  # 32 random bytes
    async with db.connect() as conn:
        row = (await conn.execute(select(api_keys).where(api_keys.c.key_id == key_id))).one()
        dump = " ".join(
            str(v) for r in await conn.execute(text("SELECT * FROM api_keys")) for v in r
        )
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in dump
    assert key not in dump
    listed = await api.get(KEYS, headers=admin)
    assert secret not in listed.text
    assert key_id in {k["key_id"] for k in ok(listed)["items"]}
    assert "key" not in ok(listed)["items"][0]

    assert (await api.get("/api/v2/trucks", headers=bearer(key))).status_code == 200
    revoked = ok(await api.delete(f"{KEYS}/{key_id}", headers=admin))
    assert revoked["active"] is False
    assert revoked["revoked_at"] is not None
    response = await api.get("/api/v2/trucks", headers=bearer(key))
    assert_problem(response, 401, None)
    assert "invalid_token" in response.headers["www-authenticate"]
    assert_problem(await api.delete(f"{KEYS}/ffffffff", headers=admin), 404, "key_id")


async def test_the_audit_log_records_admin_actions_and_ingestion_batches(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    admin_key = await make_key(db, [Scope.ADMIN])
    admin = bearer(admin_key)
    admin_id = admin_key.split("_")[1]
    ingest_key = await make_key(db, [Scope.INGEST])
    made = ok(await api.post(KEYS, json={"scopes": ["read"]}, headers=admin), 201)
    ok(await api.delete(f"{KEYS}/{made['key_id']}", headers=admin))
    rows = [
        {"truck_id": "AAA-1", "ts": iso(NOW - timedelta(minutes=m)), "rpm": 700} for m in (1, 2)
    ] + [{"truck_id": "AAA-1", "ts": "yesterday"}]
    ok(await api.post("/api/v2/telemetry", json={"readings": rows}, headers=bearer(ingest_key)))

    page = ok(await api.get(AUDIT, headers=admin))
    actions = [(e["action"], e["key_id"], e["target"], e["rows"]) for e in page["items"]]
    assert actions[:3] == [
        ("telemetry.ingest", ingest_key.split("_")[1], None, 3),
        ("key.revoke", admin_id, made["key_id"], None),
        ("key.create", admin_id, made["key_id"], None),
    ]
    assert page["items"][0]["detail"] == "accepted=2 duplicates=0 rejected=1"
    # cursor paging, newest first, and a period
    first = ok(await api.get(AUDIT, params={"limit": 2}, headers=admin))
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = ok(
        await api.get(AUDIT, params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin)
    )
    ids = [e["entry_id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    later = {"from": iso(NOW + timedelta(days=1))}
    assert ok(await api.get(AUDIT, params=later, headers=admin))["items"] == []
    # a carrier's admin sees its own carrier's entries only
    carrier_admin = bearer(await make_key(db, [Scope.ADMIN], carrier="carrier-a"))
    ok(await api.post(KEYS, json={"scopes": ["read"]}, headers=carrier_admin), 201)
    own = ok(await api.get(AUDIT, headers=carrier_admin))["items"]
    assert [e["carrier_id"] for e in own] == ["carrier-a"]


async def test_a_carrier_admin_manages_its_own_carriers_keys(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    other = (await make_key(db, [Scope.READ], carrier="carrier-b")).split("_")[1]
    admin = bearer(await make_key(db, [Scope.ADMIN], carrier="carrier-a"))
    made = ok(await api.post(KEYS, json={"scopes": ["read"]}, headers=admin), 201)
    assert made["carrier_id"] == "carrier-a"
    refused = await api.post(
        KEYS, json={"scopes": ["read"], "carrier_id": "carrier-b"}, headers=admin
    )
    assert_problem(refused, 403, "carrier_id")
    listed = {k["carrier_id"] for k in ok(await api.get(KEYS, headers=admin))["items"]}
    assert listed == {"carrier-a"}
    assert_problem(await api.delete(f"{KEYS}/{other}", headers=admin), 404, "key_id")


async def test_the_rate_limit_answers_429_with_retry_after(
    db: AsyncEngine, database_url: str
) -> None:
    key = bearer(await make_key(db, [Scope.READ]))
    other = bearer(await make_key(db, [Scope.READ]))
    async with secured(db, database_url, rate_limit_per_s=0.5, rate_limit_burst=3) as http:
        for _ in range(3):
            assert (await http.get("/api/v2/trucks", headers=key)).status_code == 200
        limited = await http.get("/api/v2/trucks", headers=key)
        assert_problem(limited, 429, None)
        assert int(limited.headers["retry-after"]) >= 1
        # per key: another key still has its burst
        assert (await http.get("/api/v2/trucks", headers=other)).status_code == 200
        assert (await http.get("/health")).status_code == 200  # public: not limited


async def test_the_access_log_names_the_key_id_never_the_key(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    key = await make_key(db, [Scope.READ])
    key_id, secret = key.split("_", 2)[1:]
    with logged() as logs:
        await api.get("/api/v2/trucks", headers=bearer(key))
        await api.get("/api/v2/trucks", headers={"X-API-Key": key})
        await api.get("/api/v2/trucks")
        await api.get("/api/v2/trucks", headers=bearer(key[:-2] + "xx"))
    lines = logs.parsed(ACCESS_LOGGER)
    assert [(line["status"], line["key_id"]) for line in lines] == [
        (200, key_id),
        (200, key_id),
        (401, None),
        (401, None),
    ]
    assert all(secret not in line for line in logs.lines)


async def test_auth_off_logs_a_warning_at_start(
    db: AsyncEngine, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fuel_analytics"):
        async with serving(db, settings_for(database_url, auth="off")) as http:
            assert (await http.get("/api/v2/trucks")).status_code == 200
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("FUEL_AUTH=off" in r.getMessage() for r in warnings)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fuel_analytics"):
        async with secured(db, database_url) as http:
            assert (await http.get("/api/v2/trucks")).status_code == 401
    assert not any("FUEL_AUTH=off" in r.getMessage() for r in caplog.records)


def test_auth_is_on_unless_set_off() -> None:
    from fuel_analytics.entrypoints.settings import Settings

    assert Settings(_env_file=None).auth == "on"  # type: ignore[call-arg]


def test_the_keys_command_prints_the_key_once_and_lists_no_secret(
    db: AsyncEngine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FUEL_DATABASE_URL", database_url)
    monkeypatch.delenv("DB_HOST", raising=False)
    assert cli.main(["keys", "create", "--scope", "read,ingest", "--carrier", "C9"]) == 0
    created = capsys.readouterr().out
    key = created.strip().splitlines()[-1]
    assert key.startswith("fak_")
    key_id, secret = key.split("_", 2)[1:]
    assert cli.main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed
    assert "read,ingest" in listed
    assert "C9" in listed
    assert secret not in listed
    assert cli.main(["keys", "revoke", key_id]) == 0
    assert cli.main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert cli.main(["keys", "revoke", "ffff"]) == 1
    assert cli.main(["keys", "create", "--scope", "root"]) == 2
    capsys.readouterr()


async def test_problem_bodies_for_auth_errors(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    response = await api.get("/api/v2/fleet/summary")
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["title"] == "Unauthorized"
    forbidden = await api.get(
        "/api/v2/fleet/summary", headers=bearer(await make_key(db, [Scope.INGEST]))
    )
    assert forbidden.json()["title"] == "Forbidden"
    assert "`read`" in forbidden.json()["detail"]
