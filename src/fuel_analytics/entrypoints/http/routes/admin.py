"""Admin: API keys (create, list, revoke) and the audit log. Scope `admin`; a carrier's admin
key manages its own carrier's keys and sees its own carrier's audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from dependency_injector.wiring import Provide, inject
from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import ApiKey, AuditEntry, Scope
from fuel_analytics.entrypoints.http.auth import principal_of
from fuel_analytics.entrypoints.http.body import decode_json, media_type, read_limited
from fuel_analytics.entrypoints.http.endpoints import Endpoint, json_response, parse_query
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.schemas import Model, PeriodQuery
from fuel_analytics.services.keys import AuditTrail, KeyService

ADMIN_BODY_LIMIT = 16_000


class KeyIn(Model):
    scopes: list[Scope] = Field(min_length=1, max_length=3, description="read, ingest, admin")
    carrier_id: str | None = Field(
        None, min_length=1, max_length=64, description="the carrier whose trucks the key sees; "
        "absent: every truck (a carrier's admin key always creates keys of its carrier)",
    )  # fmt: skip
    name: str = Field("", max_length=128, description="what the key is for")


class KeyOut(Model):
    key_id: str
    name: str
    scopes: list[Scope]
    carrier_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def from_domain(cls, key: ApiKey) -> Self:
        return cls(
            key_id=key.key_id,
            name=key.name,
            scopes=list(key.scopes),
            carrier_id=key.carrier_id,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            active=key.active,
        )


class KeyCreatedOut(KeyOut):
    key: str = Field(description="the key itself: shown this once, only its hash is stored")


class KeyListOut(Model):
    items: list[KeyOut]


class AuditQuery(PeriodQuery):
    limit: int = Field(100, ge=1, le=1000, description="entries per page (max 1000)")
    cursor: str | None = Field(None, max_length=20, pattern=r"^[0-9]{1,19}$",
                               description="next_cursor of the previous page")  # fmt: skip


class AuditEntryOut(Model):
    entry_id: int
    at: datetime
    key_id: str | None = Field(description="who: the key's id (null: auth off or the CLI)")
    carrier_id: str | None
    action: str = Field(description="key.create, key.revoke, truck.put, telemetry.ingest")
    target: str | None
    rows: int | None
    detail: str | None

    @classmethod
    def from_domain(cls, entry: AuditEntry) -> Self:
        return cls(
            entry_id=entry.entry_id or 0,
            at=entry.at,
            key_id=entry.key_id,
            carrier_id=entry.carrier_id,
            action=entry.action,
            target=entry.target,
            rows=entry.rows,
            detail=entry.detail,
        )


class AuditPageOut(Model):
    items: list[AuditEntryOut] = Field(description="newest first")
    next_cursor: str | None


@inject
async def create_key(request: Request, keys: KeyService = Provide["key_service"]) -> Response:
    if media_type(request) != "application/json":
        raise ProblemError(415, "send the key as application/json", field="content-type")
    body = KeyIn.model_validate(decode_json(await read_limited(request, ADMIN_BODY_LIMIT)))
    key, text = await keys.create(
        body.scopes, carrier_id=body.carrier_id, name=body.name, actor=principal_of(request)
    )
    return json_response(
        KeyCreatedOut(**KeyOut.from_domain(key).model_dump(), key=text), status=201
    )


@inject
async def list_keys(request: Request, keys: KeyService = Provide["key_service"]) -> Response:
    found = await keys.list(principal_of(request))
    return json_response(KeyListOut(items=[KeyOut.from_domain(k) for k in found]))


@inject
async def revoke_key(request: Request, keys: KeyService = Provide["key_service"]) -> Response:
    key_id: str = request.path_params["key_id"]
    if not 1 <= len(key_id) <= 32 or not key_id.isalnum():
        raise ProblemError(422, "key_id: 1-32 letters or digits", field="key_id")
    revoked = await keys.revoke(key_id, actor=principal_of(request))
    return json_response(KeyOut.from_domain(revoked))


@inject
async def audit_log(request: Request, audit: AuditTrail = Provide["audit_trail"]) -> Response:
    query = parse_query(AuditQuery, request)
    before = int(query.cursor) if query.cursor else None
    found = await audit.entries(
        principal_of(request), query.from_, query.to, before, query.limit + 1
    )
    page = found[: query.limit]
    more = len(found) > query.limit
    return json_response(
        AuditPageOut(
            items=[AuditEntryOut.from_domain(e) for e in page],
            next_cursor=str(page[-1].entry_id) if more and page else None,
        )
    )


ENDPOINTS = [
    Endpoint(
        "POST", "/api/v2/admin/keys", create_key,
        "Create an API key (its text is in this answer only)", "admin",
        response=KeyCreatedOut, status=201, body=KeyIn, errors=(400, 403, 413, 415, 422, 503),
        description="Scopes: read, ingest, admin (admin implies read and ingest). A key with "
        "a carrier sees that carrier's trucks only.",
        scope=Scope.ADMIN,
    ),
    Endpoint(
        "GET", "/api/v2/admin/keys", list_keys, "Every API key (never its secret)", "admin",
        response=KeyListOut, errors=(503,), scope=Scope.ADMIN,
    ),
    Endpoint(
        "DELETE", "/api/v2/admin/keys/{key_id}", revoke_key, "Revoke an API key", "admin",
        response=KeyOut, errors=(404, 422, 503),
        description="The key answers 401 from now on. Revoking twice is harmless.",
        scope=Scope.ADMIN,
    ),
    Endpoint(
        "GET", "/api/v2/admin/audit", audit_log,
        "Audit log: admin actions and ingestion batches (who, when, what, how many rows)",
        "admin", response=AuditPageOut, query=AuditQuery, errors=(422, 503),
        description="Newest first, cursor-paged; `from`/`to` bound the entries' time.",
        scope=Scope.ADMIN,
    ),
]  # fmt: skip
