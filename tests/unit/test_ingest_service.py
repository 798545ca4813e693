"""IngestService against the in-memory fakes."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.adapters.memory.repositories import (
    FixedClock,
    MemoryReadings,
    MemoryStore,
    MemoryTrucks,
)
from fuel_analytics.domain.errors import (
    BatchTooLarge,
    InvalidField,
    NoReadingsYet,
    StorageUnavailable,
    TruckNotFound,
)
from fuel_analytics.domain.latest import StatusRules
from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.telemetry import TelemetryRules
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.live import LiveService
from fuel_analytics.services.registry import RegistryService
from tests.conftest import NOW


def services(
    *, auto_register: bool = True, max_batch: int = 100
) -> tuple[MemoryStore, IngestService, LiveService]:
    store = MemoryStore()
    readings, trucks = MemoryReadings(store), MemoryTrucks(store)
    clock = FixedClock(NOW + timedelta(hours=3))
    ingest = IngestService(readings, trucks, clock, TelemetryRules(), auto_register, max_batch)
    live = LiveService(readings, trucks, clock, StatusRules())
    return store, ingest, live


def raw(truck: str = "T1", minute: int = 0, **values: Any) -> dict[str, Any]:
    ts = (NOW + timedelta(minutes=minute)).isoformat()
    return {"truck_id": truck, "ts": ts, **values}


async def test_valid_rows_are_stored_and_invalid_rows_named_by_index() -> None:
    store, ingest, _ = services()
    result = await ingest.ingest(
        [raw(minute=0), raw(minute=1, speed_mph=500), raw(minute=2), {"ts": "x"}], first_index=10
    )
    assert (result.accepted, result.duplicates) == (2, 0)
    assert [(r.index, r.field) for r in result.rejected] == [(11, "speed_mph"), (13, "truck_id")]
    assert len(store.readings) == 2


async def test_unknown_trucks_are_rejected_when_auto_registration_is_off() -> None:
    store, ingest, _ = services(auto_register=False)
    await MemoryTrucks(store).save(Truck(truck_id=TruckId("KNOWN")))
    result = await ingest.ingest([raw("KNOWN"), raw("STRANGER")])
    assert result.accepted == 1
    assert [(r.index, r.field) for r in result.rejected] == [(1, "truck_id")]
    assert "STRANGER" not in store.trucks


async def test_a_batch_over_the_limit_is_refused_whole() -> None:
    store, ingest, _ = services(max_batch=2)
    with pytest.raises(BatchTooLarge):
        await ingest.ingest([raw(minute=m) for m in range(3)])
    assert not store.readings


async def test_a_failed_store_leaves_nothing_and_a_retry_stores_everything() -> None:
    store, ingest, _ = services()
    store.fail_next_store = StorageUnavailable("database went away")
    batch = [raw(minute=m, fuel_level_pct=50.0) for m in range(5)]
    with pytest.raises(StorageUnavailable):
        await ingest.ingest(batch)
    assert not store.readings
    assert not store.latest_states
    retried = await ingest.ingest(batch)
    assert retried.accepted == 5


history = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.integers(0, 120),
        st.floats(0, 100, allow_nan=False),
        st.floats(0, 80, allow_nan=False),
    ),
    max_size=40,
    unique_by=lambda row: (row[0], row[1]),
).map(
    lambda rows: [raw(t, m, fuel_level_pct=level, speed_mph=speed) for t, m, level, speed in rows]
)


@settings(max_examples=100)
@given(history, st.randoms(use_true_random=False), st.integers(1, 6))
async def test_any_order_and_any_batch_split_store_the_same(
    rows: list[dict[str, Any]], rng: random.Random, parts: int
) -> None:
    reference, ingest_once, live_once = services()
    await ingest_once.ingest(rows)

    store, ingest, live = services()
    shuffled = list(rows)
    rng.shuffle(shuffled)
    size = max(1, len(shuffled) // parts)
    for start in range(0, len(shuffled), size):
        await ingest.ingest(shuffled[start : start + size])
    assert store.readings == reference.readings
    assert store.latest_states == reference.latest_states
    for truck in store.latest_states:
        split_snap, once_snap = await live.snapshot(truck), await live_once.snapshot(truck)
        assert (split_snap.status, split_snap.state, split_snap.fuel_gal) == (
            once_snap.status,
            once_snap.state,
            once_snap.fuel_gal,
        )

    resent = await ingest.ingest(rows)  # re-sending changes nothing
    assert (resent.accepted, resent.duplicates) == (0, len(rows))
    assert store.readings == reference.readings
    assert store.latest_states == reference.latest_states


async def test_a_registered_truck_without_readings_says_so() -> None:
    store, _, live = services()
    await MemoryTrucks(store).save(Truck(truck_id=TruckId("QUIET")))
    with pytest.raises(NoReadingsYet, match="no reading yet"):
        await live.snapshot(TruckId("QUIET"))
    with pytest.raises(TruckNotFound):
        await live.snapshot(TruckId("NOBODY"))


async def test_registry_checks_threshold_overrides_by_name() -> None:
    store, _, _ = services()
    registry = RegistryService(MemoryTrucks(store))
    ok = {"refuel_min_pct": 10.0, "coolant_temp_f.warn": 205.0}
    saved, created = await registry.put(Truck(truck_id=TruckId("T1"), thresholds=ok))
    assert created
    assert saved.thresholds == ok
    for bad, field in (
        ({"refuel_min_pctt": 10.0}, "thresholds.refuel_min_pctt"),
        ({"coolant_temp_f.warm": 205.0}, "thresholds.coolant_temp_f.warm"),
        ({"drop_min_gal": -1.0}, "thresholds.drop_min_gal"),
    ):
        with pytest.raises(InvalidField) as caught:
            await registry.put(Truck(truck_id=TruckId("T2"), thresholds=bad))
        assert caught.value.field == field
    assert await MemoryTrucks(store).get(TruckId("T2")) is None
