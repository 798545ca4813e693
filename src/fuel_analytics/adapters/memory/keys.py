"""In-memory API keys and audit log (unit tests only)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fuel_analytics.domain.auth import ApiKey, AuditEntry
from fuel_analytics.domain.model import CarrierId


class MemoryApiKeys:
    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.keys[key.key_id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        return self.keys.get(key_id)

    async def all(self, carrier_id: CarrierId | None = None) -> list[ApiKey]:
        found = sorted(self.keys.values(), key=lambda k: (k.created_at, k.key_id))
        return [k for k in found if carrier_id is None or k.carrier_id == carrier_id]

    async def revoke(self, key_id: str, at: datetime) -> bool:
        key = self.keys.get(key_id)
        if key is None:
            return False
        if key.revoked_at is None:
            self.keys[key_id] = replace(key, revoked_at=at)
        return True


class MemoryAuditLog:
    def __init__(self) -> None:
        self.rows: list[AuditEntry] = []

    async def append(self, entry: AuditEntry) -> None:
        self.rows.append(replace(entry, entry_id=len(self.rows) + 1))

    async def entries(
        self,
        carrier_id: CarrierId | None,
        start: datetime | None,
        end: datetime | None,
        before: int | None,
        limit: int,
    ) -> list[AuditEntry]:
        found = [
            e
            for e in reversed(self.rows)
            if (carrier_id is None or e.carrier_id == carrier_id)
            and (start is None or e.at >= start)
            and (end is None or e.at < end)
            and (before is None or (e.entry_id or 0) < before)
        ]
        return found[:limit]
