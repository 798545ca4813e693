"""Derived results kept incrementally (late, out-of-order, split batches, recomputes in
between) equal one full recompute over the same readings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.adapters.memory.components import MemoryComponentBuckets
from fuel_analytics.adapters.memory.fuel import MemoryFuelResults
from fuel_analytics.adapters.memory.repositories import (
    MemoryDirtyDays,
    MemoryReadings,
    MemoryStore,
    MemoryTrucks,
)
from fuel_analytics.domain.fuel import FuelRules
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.domain.model import Reading
from fuel_analytics.services.derived import ALL_DAYS, DerivedResults, day_spans
from fuel_analytics.simulation import FleetConfig, shuffled_delivery, simulate_fleet

END = datetime(2026, 1, 20, tzinfo=UTC)
FLEET = simulate_fleet(FleetConfig(trucks=3, days=4, seed=7, end=END))
READINGS = list(FLEET.iter_readings())


Pipeline = tuple[MemoryReadings, MemoryFuelResults, MemoryComponentBuckets, DerivedResults]


def pipeline() -> Pipeline:
    store = MemoryStore()
    readings, trucks = MemoryReadings(store), MemoryTrucks(store)
    results, buckets = MemoryFuelResults(), MemoryComponentBuckets()
    derived = DerivedResults(
        readings, trucks, MemoryDirtyDays(store), results, FuelRules(), buckets
    )
    for truck in FLEET.trucks:
        store.trucks[truck.truck_id] = truck
    return readings, results, buckets, derived


async def snapshot(
    results: MemoryFuelResults, buckets: MemoryComponentBuckets
) -> tuple[object, object, object]:
    days = await results.daily(None, *ALL_DAYS)
    events = await results.events(EventQuery(limit=1_000_000))
    return days, [(s.event_id, s.event) for s in events], dict(buckets.rows)


async def drain(derived: DerivedResults) -> None:
    while await derived.refresh_pending(50):
        pass


async def full_recompute() -> tuple[object, object, object]:
    readings, results, buckets, derived = pipeline()
    await readings.store(READINGS)
    await drain(derived)
    return await snapshot(results, buckets)


FULL: list[tuple[object, object, object]] = []


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.integers(50, 3_000), st.floats(0.0, 1.0))
async def test_incremental_equals_full_recompute(
    seed: int, batch: int, refresh_odds: float
) -> None:
    if not FULL:
        FULL.append(await full_recompute())
    rng = random.Random(seed)
    readings, results, buckets, derived = pipeline()
    delivered: list[Reading] = list(shuffled_delivery(READINGS, seed, late_fraction=0.1))
    for start in range(0, len(delivered), batch):
        await readings.store(delivered[start : start + batch])
        if rng.random() < refresh_odds:
            await derived.refresh_pending(rng.randint(1, 20))
    await drain(derived)
    days, events, component_buckets = await snapshot(results, buckets)
    full_days, full_events, full_buckets = FULL[0]
    assert days == full_days
    assert events == full_events
    assert component_buckets == full_buckets
    assert events, "the simulated fleet must produce events, else this proves nothing"
    assert component_buckets, "and component buckets"


def test_day_spans_are_contiguous_runs() -> None:
    day = END.date()
    days = [day, day + timedelta(days=1), day + timedelta(days=3), day - timedelta(days=1)]
    assert day_spans(days) == [
        (day - timedelta(days=1), day + timedelta(days=2)),
        (day + timedelta(days=3), day + timedelta(days=4)),
    ]
