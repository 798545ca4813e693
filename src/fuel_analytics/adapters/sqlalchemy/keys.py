"""API keys (hashes only) and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.connections import begin, connect
from fuel_analytics.adapters.sqlalchemy.errors import storage_errors
from fuel_analytics.adapters.sqlalchemy.tables import api_keys, audit_log
from fuel_analytics.domain.auth import ApiKey, AuditEntry, Scope
from fuel_analytics.domain.model import CarrierId


def _key(row: RowMapping) -> ApiKey:
    carrier = row["carrier_id"]
    return ApiKey(
        key_id=row["key_id"],
        name=row["name"],
        scopes=tuple(Scope(s) for s in row["scopes"].split(",") if s),
        carrier_id=None if carrier is None else CarrierId(carrier),
        secret_hash=row["secret_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class SqlApiKeys:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, key: ApiKey) -> None:
        with storage_errors():
            async with begin(self._engine) as conn:
                await conn.execute(
                    insert(api_keys).values(
                        key_id=key.key_id,
                        name=key.name,
                        scopes=",".join(key.scopes),
                        carrier_id=key.carrier_id,
                        secret_hash=key.secret_hash,
                        created_at=key.created_at,
                        revoked_at=key.revoked_at,
                    )
                )

    async def get(self, key_id: str) -> ApiKey | None:
        with storage_errors():
            async with connect(self._engine) as conn:
                row = (
                    await conn.execute(select(api_keys).where(api_keys.c.key_id == key_id))
                ).first()
        return None if row is None else _key(row._mapping)

    async def all(self, carrier_id: CarrierId | None = None) -> list[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
        if carrier_id is not None:
            query = query.where(api_keys.c.carrier_id == carrier_id)
        with storage_errors():
            async with connect(self._engine) as conn:
                return [_key(row._mapping) for row in await conn.execute(query)]

    async def revoke(self, key_id: str, at: datetime) -> bool:
        with storage_errors():
            async with begin(self._engine) as conn:
                found = (
                    await conn.execute(select(api_keys.c.key_id).where(api_keys.c.key_id == key_id))
                ).first()
                await conn.execute(
                    update(api_keys)
                    .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                    .values(revoked_at=at)
                )
        return found is not None


def _entry(row: RowMapping) -> AuditEntry:
    carrier = row["carrier_id"]
    return AuditEntry(
        at=row["at"],
        key_id=row["key_id"],
        carrier_id=None if carrier is None else CarrierId(carrier),
        action=row["action"],
        target=row["target"],
        rows=row["row_count"],
        detail=row["detail"],
        entry_id=int(row["entry_id"]),
    )


class SqlAuditLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def append(self, entry: AuditEntry) -> None:
        with storage_errors():
            async with begin(self._engine) as conn:
                await conn.execute(
                    insert(audit_log).values(
                        at=entry.at,
                        key_id=entry.key_id,
                        carrier_id=entry.carrier_id,
                        action=entry.action,
                        target=None if entry.target is None else entry.target[:255],
                        row_count=entry.rows,
                        detail=entry.detail,
                    )
                )

    async def entries(
        self,
        carrier_id: CarrierId | None,
        start: datetime | None,
        end: datetime | None,
        before: int | None,
        limit: int,
    ) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.entry_id.desc()).limit(limit)
        if carrier_id is not None:
            query = query.where(audit_log.c.carrier_id == carrier_id)
        if start is not None:
            query = query.where(audit_log.c.at >= start)
        if end is not None:
            query = query.where(audit_log.c.at < end)
        if before is not None:
            query = query.where(audit_log.c.entry_id < before)
        with storage_errors():
            async with connect(self._engine) as conn:
                return [_entry(row._mapping) for row in await conn.execute(query)]
