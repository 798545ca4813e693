"""API keys: create (the secret shown once), list, revoke, authenticate; the audit trail.

A key reads ``fak_<key_id>_<secret>``: the id finds the stored key, the secret (32 random
bytes, base64url) is checked against the stored SHA-256 with a constant-time comparison.
A random 256-bit secret cannot be guessed or brute-forced from its hash, so a slow password
hash (bcrypt, argon2) would add latency to every request and no protection.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fuel_analytics.domain.auth import ApiKey, AuditEntry, Principal, Scope, Tenant
from fuel_analytics.domain.errors import InvalidField, NotFound, NotPermitted
from fuel_analytics.domain.model import CarrierId
from fuel_analytics.domain.ports import ApiKeys, AuditLog, Clock

KEY_PREFIX = "fak"
MAX_NAME = 128
MAX_CARRIER = 64
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(token: str) -> tuple[str, str] | None:
    """(key id, secret) of ``fak_<key_id>_<secret>``, None when it is not shaped so."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    if len(parts[1]) > 32 or not parts[1].isalnum() or len(parts[2]) > 128:
        return None
    return parts[1], parts[2]


def check_carrier(carrier_id: str | None) -> CarrierId | None:
    if carrier_id is None:
        return None
    if not 1 <= len(carrier_id) <= MAX_CARRIER or not carrier_id.isprintable():
        raise InvalidField("carrier_id", f"1-{MAX_CARRIER} printable characters")
    return CarrierId(carrier_id)


@dataclass(frozen=True, slots=True)
class AuditTrail:
    """Admin actions and ingestion batches: who (key id), when, what, how many rows."""

    log: AuditLog
    clock: Clock

    async def record(
        self,
        actor: Principal,
        action: str,
        *,
        target: str | None = None,
        rows: int | None = None,
        detail: str | None = None,
    ) -> None:
        await self.log.append(
            AuditEntry(
                at=self.clock.now(),
                key_id=actor.key_id,
                carrier_id=actor.tenant.carrier_id,
                action=action,
                target=target,
                rows=rows,
                detail=detail,
            )
        )

    async def entries(
        self,
        actor: Principal,
        start: datetime | None,
        end: datetime | None,
        before: int | None,
        limit: int,
    ) -> list[AuditEntry]:
        """Newest first; a carrier's admin sees its carrier's entries only."""
        if start is not None and end is not None and end <= start:
            raise InvalidField("to", "must be after from")
        return await self.log.entries(actor.tenant.carrier_id, start, end, before, limit)


@dataclass(frozen=True, slots=True)
class KeyService:
    keys: ApiKeys
    audit: AuditTrail
    clock: Clock

    async def authenticate(self, token: str) -> Principal | None:
        """The key's principal, or None for a malformed, unknown or revoked key (all alike)."""
        parts = split_key(token)
        if parts is None:
            return None
        key_id, secret = parts
        key = await self.keys.get(key_id)
        expected = _DUMMY_HASH if key is None else key.secret_hash
        matches = hmac.compare_digest(expected, secret_hash(secret))
        if key is None or not matches or not key.active:
            return None
        return Principal(key.key_id, frozenset(key.scopes), key.tenant)

    async def create(
        self,
        scopes: Sequence[Scope],
        *,
        carrier_id: str | None = None,
        name: str = "",
        actor: Principal,
    ) -> tuple[ApiKey, str]:
        """A new key and its full text (``fak_<id>_<secret>``), which is shown this once.
        A carrier's admin creates keys of its own carrier only."""
        if not scopes:
            raise InvalidField("scopes", "at least one of read, ingest, admin")
        if len(name) > MAX_NAME or not name.isprintable():
            raise InvalidField("name", f"at most {MAX_NAME} printable characters")
        carrier = check_carrier(carrier_id)
        own = actor.tenant.carrier_id
        if own is not None:
            if carrier not in (None, own):
                raise NotPermitted(
                    f"this key may only create keys of carrier {own!r}", field="carrier_id"
                )
            carrier = own
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(
            key_id=key_id,
            name=name,
            scopes=tuple(sorted(set(scopes), key=list(Scope).index)),
            carrier_id=carrier,
            secret_hash=secret_hash(secret),
            created_at=self.clock.now(),
        )
        await self.keys.add(key)
        await self.audit.record(
            actor,
            "key.create",
            target=key_id,
            detail=f"scopes={','.join(key.scopes)} carrier={carrier or '*'} name={name}",
        )
        return key, f"{KEY_PREFIX}_{key_id}_{secret}"

    async def list(self, actor: Principal) -> list[ApiKey]:
        return await self.keys.all(actor.tenant.carrier_id)

    async def revoke(self, key_id: str, *, actor: Principal) -> ApiKey:
        """Revoke a key (again: no change); another carrier's key is not found."""
        key = await self.keys.get(key_id)
        if key is None or not _visible(actor.tenant, key):
            raise NotFound(f"no key {key_id!r}", field="key_id")
        await self.keys.revoke(key_id, self.clock.now())
        await self.audit.record(actor, "key.revoke", target=key_id)
        revoked = await self.keys.get(key_id)
        assert revoked is not None
        return revoked


def _visible(tenant: Tenant, key: ApiKey) -> bool:
    return tenant.carrier_id is None or key.carrier_id == tenant.carrier_id
