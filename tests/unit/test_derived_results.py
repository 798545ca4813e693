"""Derived results kept incrementally (late, out-of-order, split batches, recomputes in
between) equal one full recompute over the same readings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
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
from fuel_analytics.adapters.memory.trips import MemoryTripResults
from fuel_analytics.domain.fuel import FuelRules
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.domain.model import Reading
from fuel_analytics.domain.trips import TripRules, detect_trips
from fuel_analytics.domain.trips.store import TripQuery
from fuel_analytics.services.derived import ALL_DAYS, DerivedResults, day_spans
from fuel_analytics.simulation import FleetConfig, shuffled_delivery, simulate_fleet
from tests.unit.trips import TRUCK, Builder

END = datetime(2026, 1, 20, tzinfo=UTC)
FLEET = simulate_fleet(FleetConfig(trucks=3, days=4, seed=7, end=END))
READINGS = list(FLEET.iter_readings())


Pipeline = tuple[MemoryReadings, MemoryFuelResults, MemoryComponentBuckets, DerivedResults]
Snapshot = tuple[object, object, object, list[object]]


def pipeline() -> Pipeline:
    store = MemoryStore()
    readings, trucks = MemoryReadings(store), MemoryTrucks(store)
    results, buckets = MemoryFuelResults(), MemoryComponentBuckets()
    derived = DerivedResults(
        readings,
        trucks,
        MemoryDirtyDays(store),
        results,
        FuelRules(),
        buckets,
        MemoryTripResults(),
        TripRules(),
    )
    for truck in FLEET.trucks:
        store.trucks[truck.truck_id] = truck
    return readings, results, buckets, derived


async def snapshot(
    results: MemoryFuelResults, buckets: MemoryComponentBuckets, derived: DerivedResults
) -> Snapshot:
    days = await results.daily(None, *ALL_DAYS)
    events = await results.events(EventQuery(limit=1_000_000))
    trips: list[object] = list(await derived.trips.trips(TripQuery(limit=1_000_000)))
    return days, [(s.event_id, s.event) for s in events], dict(buckets.rows), trips


async def drain(derived: DerivedResults) -> None:
    while await derived.refresh_pending(50):
        pass


async def full_recompute() -> Snapshot:
    readings, results, buckets, derived = pipeline()
    await readings.store(READINGS)
    await drain(derived)
    return await snapshot(results, buckets, derived)


FULL: list[Snapshot] = []


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
    days, events, component_buckets, trips = await snapshot(results, buckets, derived)
    full_days, full_events, full_buckets, full_trips = FULL[0]
    assert days == full_days
    assert events == full_events
    assert component_buckets == full_buckets
    assert trips == full_trips
    assert events, "the simulated fleet must produce events, else this proves nothing"
    assert component_buckets, "and component buckets"
    assert len(trips) >= 3 * 4, "and trips (a few a day per truck)"


def test_day_spans_are_contiguous_runs() -> None:
    day = END.date()
    days = [day, day + timedelta(days=1), day + timedelta(days=3), day - timedelta(days=1)]
    assert day_spans(days) == [
        (day - timedelta(days=1), day + timedelta(days=2)),
        (day + timedelta(days=3), day + timedelta(days=4)),
    ]


async def test_stored_trips_equal_detection_over_all_readings_at_once() -> None:
    """Trips are recomputed per truck-day with a day of context each side; what is stored
    must be what detection finds over each truck's whole history (no trip here is longer
    than the context)."""
    if not FULL:
        FULL.append(await full_recompute())
    stored = FULL[0][3]
    direct = sorted(
        (
            trip
            for truck in FLEET.trucks
            for trip in detect_trips(
                truck, [r for r in READINGS if r.truck_id == truck.truck_id], TripRules()
            )
        ),
        key=lambda t: (t.start, t.trip_id),
    )
    assert stored == direct
    assert len(direct) >= 12


async def test_a_trip_across_midnight_is_one_trip_whichever_day_arrives_first() -> None:
    """22:00-02:00 on the road: the half after midnight arrives first (and is recomputed
    alone), the half before it later; the stored trip is the one trip over both days."""
    b = Builder(t=datetime(2026, 1, 5, 21, tzinfo=UTC))
    b.phase(3600, 0, engine=False).phase(4 * 3600, 55).phase(3600, 0, engine=False)
    store = MemoryStore()
    readings, trucks = MemoryReadings(store), MemoryTrucks(store)
    trips = MemoryTripResults()
    derived = DerivedResults(
        readings, trucks, MemoryDirtyDays(store), MemoryFuelResults(), FuelRules(),
        MemoryComponentBuckets(), trips, TripRules(),
    )  # fmt: skip
    store.trucks[TRUCK.truck_id] = TRUCK
    midnight = datetime(2026, 1, 6, tzinfo=UTC)
    await readings.store([r for r in b.readings if r.ts >= midnight])
    await drain(derived)
    early = await trips.trips(TripQuery())
    assert [t.start for t in early] == [midnight]  # all it could know then
    await readings.store([r for r in b.readings if r.ts < midnight])
    await drain(derived)
    (trip,) = await trips.trips(TripQuery())
    assert trip == detect_trips(TRUCK, b.readings, TripRules())[0]
    assert (trip.start, trip.end) == (
        datetime(2026, 1, 5, 22, tzinfo=UTC),
        midnight.replace(hour=2),
    )
    assert trip.distance_mi == pytest.approx(4 * 55, rel=1e-3)
