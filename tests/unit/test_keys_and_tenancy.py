"""API keys, scopes, rate limits and tenancy against the in-memory fakes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from fuel_analytics.adapters.memory.keys import MemoryApiKeys, MemoryAuditLog
from fuel_analytics.adapters.memory.repositories import (
    FixedClock,
    MemoryReadings,
    MemoryStore,
    MemoryTrucks,
)
from fuel_analytics.domain.auth import ANONYMOUS, Principal, Scope, Tenant, granted, parse_scopes
from fuel_analytics.domain.errors import InvalidField, NotFound, NotPermitted, TruckNotFound
from fuel_analytics.domain.model import CarrierId, Truck, TruckId
from fuel_analytics.domain.telemetry import TelemetryRules
from fuel_analytics.entrypoints.http.auth import TokenBuckets
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.keys import AuditTrail, KeyService, split_key
from fuel_analytics.services.registry import RegistryService
from tests.conftest import NOW

A = Tenant(CarrierId("A"))


def key_service() -> tuple[KeyService, MemoryApiKeys, MemoryAuditLog]:
    keys, log, clock = MemoryApiKeys(), MemoryAuditLog(), FixedClock(NOW)
    return KeyService(keys, AuditTrail(log, clock), clock), keys, log


def test_admin_implies_read_and_ingest_but_ingest_does_not_imply_read() -> None:
    assert granted([Scope.ADMIN]) == frozenset(Scope)
    assert granted([Scope.INGEST]) == {Scope.INGEST}
    assert parse_scopes("ingest, READ") == (Scope.READ, Scope.INGEST)
    with pytest.raises(ValueError, match="root"):
        parse_scopes("read,root")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("fak_abc123_s3cr_et-x", ("abc123", "s3cr_et-x")),
        ("fak__secret", None),
        ("fak_abc", None),
        ("xyz_abc_secret", None),
        ("fak_a-b_secret", None),
    ],
)
def test_split_key(text: str, parts: tuple[str, str] | None) -> None:
    assert split_key(text) == parts


async def test_a_key_is_stored_as_its_hash_and_authenticates_until_revoked() -> None:
    service, keys, log = key_service()
    key, text = await service.create([Scope.READ], name="gw", actor=ANONYMOUS)
    secret = text.split("_", 2)[2]
    assert keys.keys[key.key_id].secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(keys.keys[key.key_id])
    principal = await service.authenticate(text)
    assert principal == Principal(key.key_id, frozenset({Scope.READ}), Tenant())
    assert await service.authenticate(text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    assert await service.authenticate(f"fak_ffff_{secret}") is None
    await service.revoke(key.key_id, actor=ANONYMOUS)
    assert await service.authenticate(text) is None
    assert [e.action for e in log.rows] == ["key.create", "key.revoke"]


async def test_a_carriers_admin_stays_in_its_carrier() -> None:
    service, _, log = key_service()
    admin = Principal("adm", frozenset({Scope.ADMIN}), A)
    key, _ = await service.create([Scope.READ], actor=admin)
    assert key.carrier_id == "A"
    with pytest.raises(NotPermitted):
        await service.create([Scope.READ], carrier_id="B", actor=admin)
    other, _ = await service.create([Scope.READ], carrier_id="B", actor=ANONYMOUS)
    with pytest.raises(NotFound):
        await service.revoke(other.key_id, actor=admin)
    assert [k.key_id for k in await service.list(admin)] == [key.key_id]
    assert [e.carrier_id for e in await service.audit.entries(admin, None, None, None, 10)] == ["A"]
    with pytest.raises(InvalidField):
        await service.create([], actor=ANONYMOUS)
    assert len(log.rows) == 2


def test_token_buckets_refill_at_the_rate_up_to_the_burst() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=3, clock=lambda: now[0])
    assert [buckets.take("k") for _ in range(3)] == [None, None, None]
    assert buckets.take("k") == pytest.approx(0.5)
    assert buckets.take("other") is None
    now[0] = 0.5
    assert buckets.take("k") is None
    now[0] = 100.0
    assert [buckets.take("k") is None for _ in range(4)] == [True, True, True, False]
    assert TokenBuckets(rate=0, burst=1).take("k") is None


async def test_the_registry_hides_and_protects_another_carriers_trucks() -> None:
    store = MemoryStore()
    trucks = MemoryTrucks(store)
    await trucks.save(Truck(TruckId("A1"), carrier_id=CarrierId("A")))
    await trucks.save(Truck(TruckId("B1"), carrier_id=CarrierId("B")))
    await trucks.save(Truck(TruckId("X1")))
    registry = RegistryService(trucks).for_tenant(A)
    assert [t.truck_id for t in await registry.trucks.all()] == ["A1"]
    assert (await registry.trucks.page(0, 10)).total == 1
    with pytest.raises(TruckNotFound):
        await registry.get(TruckId("B1"))
    with pytest.raises(TruckNotFound):
        await registry.put(Truck(TruckId("B1"), make="Mack"))
    with pytest.raises(NotPermitted):
        await registry.put(Truck(TruckId("A1"), carrier_id=CarrierId("B")))
    stored, created = await registry.put(Truck(TruckId("A2")))
    assert (stored.carrier_id, created) == ("A", True)
    untouched = await trucks.get(TruckId("B1"))
    assert untouched is not None
    assert (untouched.carrier_id, untouched.make) == ("B", None)


async def test_a_carriers_ingestion_rejects_other_trucks_and_registers_its_own() -> None:
    store = MemoryStore()
    readings, trucks = MemoryReadings(store), MemoryTrucks(store)
    await trucks.save(Truck(TruckId("B1"), carrier_id=CarrierId("B")))
    await trucks.save(Truck(TruckId("A1"), carrier_id=CarrierId("A")))
    ingest = IngestService(readings, trucks, FixedClock(NOW + timedelta(hours=1)), TelemetryRules())
    ts = NOW.isoformat()
    rows = [{"truck_id": t, "ts": ts, "rpm": 700} for t in ("A1", "B1", "N1")]
    result = await ingest.ingest(rows, tenant=A)
    assert result.accepted == 2
    assert [(r.index, r.field, r.reason) for r in result.rejected] == [
        (1, "truck_id", "unknown truck 'B1'")
    ]
    assert store.trucks[TruckId("N1")].carrier_id == "A"
    everyone = await ingest.ingest([{"truck_id": "B1", "ts": ts, "rpm": 700}])
    assert everyone.accepted == 1  # a key of every carrier writes any truck
