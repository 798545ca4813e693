"""Who may do what: API keys, their scopes, the tenant (carrier) a key belongs to, and the
audit trail of what keys did. Values only; hashing and lookup live in services.keys."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fuel_analytics.domain.model import CarrierId, Truck


class Scope(enum.StrEnum):
    READ = "read"
    INGEST = "ingest"
    ADMIN = "admin"


def granted(scopes: Iterable[Scope]) -> frozenset[Scope]:
    """What a key may do: its scopes, and everything when it holds ``admin``
    (admin implies read and ingest; ingest does not imply read)."""
    held = frozenset(scopes)
    return frozenset(Scope) if Scope.ADMIN in held else held


def parse_scopes(text: str) -> tuple[Scope, ...]:
    """``"read,ingest"`` -> (READ, INGEST); ValueError naming the unknown one."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("at least one scope: read, ingest or admin")
    known = {s.value: s for s in Scope}
    for name in names:
        if name not in known:
            raise ValueError(f"unknown scope {name!r}: read, ingest or admin")
    return tuple(sorted({known[n] for n in names}, key=list(Scope).index))


@dataclass(frozen=True, slots=True)
class Tenant:
    """Whose trucks a caller sees: one carrier's, or every truck (``carrier_id`` None)."""

    carrier_id: CarrierId | None = None

    @property
    def everything(self) -> bool:
        return self.carrier_id is None

    def sees(self, truck: Truck) -> bool:
        return self.carrier_id is None or truck.carrier_id == self.carrier_id


ALL_CARRIERS = Tenant()


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request: the key's id (None when authentication is off or for the
    command line), what it may do and whose trucks it sees."""

    key_id: str | None
    scopes: frozenset[Scope]
    tenant: Tenant = ALL_CARRIERS

    def may(self, scope: Scope) -> bool:
        return scope in granted(self.scopes)


ANONYMOUS = Principal(None, frozenset(Scope))  # FUEL_AUTH=off, and the command line


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key: never its secret, only the secret's SHA-256 (hex)."""

    key_id: str
    name: str
    scopes: tuple[Scope, ...]
    carrier_id: CarrierId | None
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.carrier_id)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action: who (key id; None: authentication off or the command line),
    when, what, on what, how many rows."""

    at: datetime
    key_id: str | None
    carrier_id: CarrierId | None
    action: str
    target: str | None = None
    rows: int | None = None
    detail: str | None = None
    entry_id: int | None = None  # given by the store
