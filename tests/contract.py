"""Repository contract tests: the in-memory fakes and the SQL adapters (SQLite and MySQL)
must all pass these, so the fakes the unit tests use behave like production."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

from fuel_analytics.domain.model import Truck, TruckId
from fuel_analytics.domain.ports import (
    DirtyDays,
    LatestReadings,
    ReadingHistory,
    ReadingStore,
    TruckRegistry,
)
from tests.conftest import NOW, reading


@dataclass
class Repos:
    store: ReadingStore
    history: ReadingHistory
    latest: LatestReadings
    trucks: TruckRegistry
    dirty: DirtyDays


class RepositoryContract:
    """Subclasses provide a ``repos`` fixture."""

    async def test_store_is_idempotent_on_truck_and_ts(self, repos: Repos) -> None:
        batch = [reading("T1", 0, speed_mph=10.0), reading("T1", 1, speed_mph=20.0)]
        first = await repos.store.store(batch)
        again = await repos.store.store(batch)
        assert (first.accepted, first.duplicates) == (2, 0)
        assert (again.accepted, again.duplicates) == (0, 2)
        assert await repos.history.count() == 2

    async def test_duplicates_inside_one_batch_count_once(self, repos: Repos) -> None:
        result = await repos.store.store([reading("T1", 0), reading("T1", 0), reading("T2", 0)])
        assert (result.accepted, result.duplicates) == (2, 1)

    async def test_a_stored_reading_sent_again_with_other_values_changes_nothing(
        self, repos: Repos
    ) -> None:
        await repos.store.store([reading("T1", 5, speed_mph=5.0), reading("T1", 0, rpm=600.0)])
        day = NOW.date()
        (marked,) = await repos.dirty.pending([TruckId("T1")], day, day + timedelta(days=1))
        again = [
            reading("T1", 5, speed_mph=99.0, fuel_level_pct=80.0),  # first stored wins
            reading("T1", 0, rpm=2000.0),
            reading("T2", 1, speed_mph=1.0),
            reading("T2", 1, speed_mph=2.0),  # repeated inside the batch: the first wins
        ]
        result = await repos.store.store(again)
        assert (result.accepted, result.duplicates) == (1, 3)
        stored = await repos.history.readings(TruckId("T1"))
        assert [(r.speed_mph, r.fuel_level_pct, r.rpm) for r in stored] == [
            (None, None, 600.0),
            (5.0, None, None),
        ]
        state = await repos.latest.latest(TruckId("T1"))
        assert state is not None
        assert state.ts == NOW + timedelta(minutes=5)
        assert {name: s.value for name, s in state.sensors.items()} == {
            "speed_mph": 5.0,
            "rpm": 600.0,
        }
        other = await repos.latest.latest(TruckId("T2"))
        assert other is not None
        assert other.sensors["speed_mph"].value == 1.0
        # the duplicates marked nothing: T1's day keeps its version, T2's day is new
        (unchanged,) = await repos.dirty.pending([TruckId("T1")], day, day + timedelta(days=1))
        assert unchanged.version == marked.version

    async def test_readings_round_trip_every_field(self, repos: Repos) -> None:
        full = reading(
            "T1", 0, fuel_level_pct=55.123456789, fuel_rate_gph=3.25, total_fuel_gal=123456.789,
            total_idle_fuel_gal=2345.5, speed_mph=61.5, rpm=1450.0, odometer_mi=456789.123,
            engine_hours=12345.6, idle_hours=2345.6, engine_load_pct=66.0, coolant_temp_f=195.5,
            oil_temp_f=220.0, trans_temp_f=180.0, intake_air_temp_f=95.0, ambient_temp_f=-12.5,
            oil_pressure_psi=42.0, boost_pressure_psi=18.5, battery_voltage=13.9,
            def_level_pct=71.2, lat=41.123456789, lon=-93.987654321, dtc_codes=("100-1", "110-0"),
            driver_id="driver-7", harsh_accel=False, harsh_brake=True,
        )  # fmt: skip
        empty_codes = reading("T1", 1, dtc_codes=())
        bare = reading("T1", 2)
        await repos.store.store([full, empty_codes, bare])
        assert await repos.history.readings(TruckId("T1")) == [full, empty_codes, bare]

    async def test_microseconds_and_utc_survive(self, repos: Repos) -> None:
        precise = reading("T1", 0).__class__(
            truck_id=TruckId("T1"), ts=NOW + timedelta(microseconds=123456)
        )
        await repos.store.store([precise])
        (stored,) = await repos.history.readings(TruckId("T1"))
        assert stored.ts == precise.ts
        assert stored.ts.utcoffset() == timedelta(0)

    async def test_history_range_is_half_open_and_ordered(self, repos: Repos) -> None:
        await repos.store.store([reading("T1", m) for m in (3, 1, 2, 0)] + [reading("T2", 1)])
        got = await repos.history.readings(
            TruckId("T1"), NOW + timedelta(minutes=1), NOW + timedelta(minutes=3)
        )
        assert [r.ts for r in got] == [NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)]

    async def test_latest_state_merges_sensors_by_their_own_time(self, repos: Repos) -> None:
        await repos.store.store([reading("T1", 5, speed_mph=5.0)])
        await repos.store.store([reading("T1", 1, speed_mph=50.0, fuel_level_pct=40.0)])
        state = await repos.latest.latest(TruckId("T1"))
        assert state is not None
        assert state.ts == NOW + timedelta(minutes=5)
        assert state.sensors["speed_mph"].value == 5.0
        assert state.sensors["fuel_level_pct"].value == 40.0
        assert state.sensors["fuel_level_pct"].ts == NOW + timedelta(minutes=1)
        assert await repos.latest.latest(TruckId("NOPE")) is None
        assert [s.truck_id for s in await repos.latest.all_latest()] == ["T1"]

    async def test_storing_registers_unknown_trucks_with_defaults(self, repos: Repos) -> None:
        await repos.store.store([reading("NEW", 0)])
        truck = await repos.trucks.get(TruckId("NEW"))
        assert truck is not None
        assert truck.tank_capacity_gal == 200.0
        assert await repos.trucks.existing([TruckId("NEW"), TruckId("OTHER")]) == {"NEW"}

    async def test_registry_save_replaces_and_keeps_unknown_defaults(self, repos: Repos) -> None:
        truck = Truck(
            truck_id=TruckId("T9"), carrier_id=None, make="Volvo", model="VNL", year=2021,
            tank_capacity_gal=300.0, baseline_mpg=7.1, thresholds={"refuel_min_gal": 12.0},
        )  # fmt: skip
        saved = await repos.trucks.save(truck)
        assert saved.tank_capacity_gal == 300.0
        assert saved.thresholds == {"refuel_min_gal": 12.0}
        await repos.store.store([reading("T9", 0)])  # ingestion never overwrites the registry
        again = await repos.trucks.get(TruckId("T9"))
        assert again is not None
        assert again.make == "Volvo"
        assert again.created_at == saved.created_at

    async def test_registry_pages_in_id_order(self, repos: Repos) -> None:
        for name in ("C", "A", "B"):
            await repos.trucks.save(Truck(truck_id=TruckId(name)))
        page = await repos.trucks.page(1, 1)
        assert [t.truck_id for t in page.items] == ["B"]
        assert page.total == 3
        assert [t.truck_id for t in await repos.trucks.all()] == ["A", "B", "C"]

    async def test_concurrent_batches_for_the_same_trucks_lose_nothing(self, repos: Repos) -> None:
        batches = [
            [reading(f"T{t}", m * 10 + k, speed_mph=float(k)) for t in range(3) for m in range(2)]
            for k in range(6)
        ]
        results = await asyncio.gather(*(repos.store.store(b) for b in batches))
        assert sum(r.accepted for r in results) == 36
        assert await repos.history.count() == 36
        state = await repos.latest.latest(TruckId("T0"))
        assert state is not None
        assert state.ts == NOW + timedelta(minutes=15)

    async def test_stored_readings_mark_their_days_stale(self, repos: Repos) -> None:
        await repos.store.store([reading("T1", 0), reading("T2", 60 * 23)])  # 14:00, 13:00+1d
        day = NOW.date()
        marked = await repos.dirty.pending(None, day - timedelta(days=5), day + timedelta(days=5))
        assert {(d.truck_id, d.day) for d in marked} == {("T1", day), ("T2", date(2026, 1, 6))}
        only_t1 = await repos.dirty.pending([TruckId("T1")], day, day + timedelta(days=1))
        assert [d.truck_id for d in only_t1] == ["T1"]
        assert len(await repos.dirty.oldest(1)) == 1

    async def test_a_reading_near_midnight_marks_the_neighbouring_day(self, repos: Repos) -> None:
        await repos.store.store([reading("T1", 60 * 10 - 30)])  # 23:30 on Jan 5
        days = await repos.dirty.pending(None, date(2026, 1, 1), date(2026, 1, 10))
        assert [d.day for d in days] == [date(2026, 1, 5), date(2026, 1, 6)]

    async def test_a_day_marked_again_keeps_its_place_in_the_queue(self, repos: Repos) -> None:
        await repos.store.store([reading("T1", 0)])
        await repos.store.store([reading("T2", 0)])
        await repos.store.store([reading("T1", 1)])  # waits since its first mark
        assert [(d.truck_id, d.version) for d in await repos.dirty.oldest(10)] == [
            ("T1", 2),
            ("T2", 1),
        ]

    async def test_clearing_keeps_marks_that_moved_on(self, repos: Repos) -> None:
        await repos.store.store([reading("T1", 0)])
        (seen,) = await repos.dirty.oldest(10)
        await repos.store.store([reading("T1", 1)])  # arrives while a recompute runs
        assert await repos.dirty.clear([seen]) == 0
        (again,) = await repos.dirty.oldest(10)
        assert again.version == seen.version + 1
        assert await repos.dirty.clear([again]) == 1
        assert await repos.dirty.oldest(10) == []
