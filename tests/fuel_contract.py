"""Contract of the persisted fuel results (memory, SQLite, MySQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fuel_analytics.domain.components.buckets import DAY as DAY_WIDTH
from fuel_analytics.domain.components.buckets import HOUR, Bucket
from fuel_analytics.domain.fuel.model import (
    DailyFuel,
    EvidencePoint,
    FuelEvent,
    FuelEventKind,
    Source,
)
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.ports import ComponentBuckets, FuelResults
from tests.conftest import NOW

DAY = NOW.date()


def daily(truck: str, day: date, **values: object) -> DailyFuel:
    start = datetime.combine(day, datetime.min.time(), tzinfo=NOW.tzinfo)
    fields: dict[str, object] = {
        "truck_id": TruckId(truck), "day": day, "start": start,
        "end": start + timedelta(days=1), "readings": 700, "distance_mi": 412.25,
        "distance_source": Source.ODOMETER, "fuel_used_gal": 61.5,
        "fuel_source": Source.ECU_COUNTER, "moving_distance_mi": 410.0, "moving_fuel_gal": 58.0,
        "moving_hours": 7.5, "idle_hours": 1.25, "engine_on_hours": 8.75, "idle_fuel_gal": 1.1,
        "idle_fuel_source": Source.ESTIMATED, "refuel_count": 1, "refuel_gal": 120.0,
        "drop_gal": 0.0, "start_level_pct": 40.0, "end_level_pct": 70.0, "level_use_gal": 60.0,
        "unexplained_gal": -0.5, "data_quality_issues": 2, "def_start_pct": None,
        "def_end_pct": 55.5,
    }  # fmt: skip
    fields.update(values)
    return DailyFuel(**fields)  # type: ignore[arg-type]


def event(
    truck: str, minute: int, kind: FuelEventKind = FuelEventKind.REFUEL, confidence: float = 0.9
) -> FuelEvent:
    start = NOW + timedelta(minutes=minute)
    return FuelEvent(
        truck_id=TruckId(truck),
        kind=kind,
        start=start,
        end=start + timedelta(minutes=12),
        level_before_pct=20.0,
        level_after_pct=85.5,
        gallons=131.0,
        lat=41.5,
        lon=None,
        confidence=confidence,
        evidence=(
            EvidencePoint(start, 20.4, 20.0, 0.0),
            EvidencePoint(start + timedelta(minutes=12), 85.6, None, None),
        ),
        reason="level rose 65.5 % while parked",
    )


class FuelResultsContract:
    """Subclasses provide a ``results`` fixture."""

    async def test_daily_rows_round_trip_and_replace_only_their_range(
        self, results: FuelResults
    ) -> None:
        day0, day1, day2 = DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)
        first = [daily("T1", day0), daily("T1", day1), daily("T1", day2), daily("T2", day1)]
        for row in first:
            await results.replace(row.truck_id, row.day, row.day + timedelta(days=1), [row], [])
        assert await results.daily(None, day0, day2 + timedelta(days=1)) == first
        newer = daily("T1", day1, distance_mi=None, distance_source=Source.NONE)
        await results.replace(TruckId("T1"), day1, day2, [newer], [])
        assert await results.daily([TruckId("T1")], day0, day2 + timedelta(days=1)) == [
            first[0],
            newer,
            first[2],
        ]
        await results.replace(TruckId("T1"), day0, day2 + timedelta(days=1), [], [])
        assert await results.daily(None, day0, day2 + timedelta(days=1)) == [first[3]]

    async def test_events_round_trip_with_evidence(self, results: FuelResults) -> None:
        stored = event("T1", 30)
        await results.replace(TruckId("T1"), DAY, DAY + timedelta(days=1), [], [stored])
        (found,) = await results.events(EventQuery())
        assert found.event == stored
        assert found.event_id.startswith("T1.REFUEL.")

    async def test_a_replace_returns_the_events_it_stores_for_the_first_time(
        self, results: FuelResults
    ) -> None:
        day = (TruckId("T1"), DAY, DAY + timedelta(days=1))
        refuel, theft = event("T1", 30), event("T1", 90, FuelEventKind.THEFT_SUSPECTED)
        assert await results.replace(*day, [], [refuel]) == [refuel]
        assert await results.replace(*day, [], [refuel, theft]) == [theft]  # refuel: again
        assert await results.replace(*day, [], [refuel, theft]) == []
        siphon = event("T1", 120, FuelEventKind.SIPHONING)
        assert await results.replace_siphoning(*day, [siphon]) == [siphon]
        assert await results.replace_siphoning(*day, [siphon]) == []
        await results.replace(*day, [], [])  # gone: found again later, it is new again
        assert await results.replace(*day, [], [theft]) == [theft]

    async def test_replacing_a_range_keeps_siphoning_and_other_days(
        self, results: FuelResults
    ) -> None:
        refuel, theft, later = (
            event("T1", 0),
            event("T1", 60, FuelEventKind.THEFT_SUSPECTED),
            event("T1", 60 * 24),
        )
        siphon = event("T1", 120, FuelEventKind.SIPHONING)
        await results.replace(
            TruckId("T1"), DAY, DAY + timedelta(days=2), [], [refuel, theft, later]
        )
        await results.replace_siphoning(TruckId("T1"), DAY, DAY + timedelta(days=1), [siphon])
        await results.replace(TruckId("T1"), DAY, DAY + timedelta(days=1), [], [refuel])
        kinds = [s.event.kind for s in await results.events(EventQuery())]
        assert kinds == [FuelEventKind.REFUEL, FuelEventKind.SIPHONING, FuelEventKind.REFUEL]
        await results.replace_siphoning(TruckId("T1"), DAY, DAY + timedelta(days=1), [])
        assert FuelEventKind.SIPHONING not in [
            s.event.kind for s in await results.events(EventQuery())
        ]

    async def test_event_filters_and_cursor_pages(self, results: FuelResults) -> None:
        events = [
            event("T1", 0), event("T2", 0), event("T1", 10, FuelEventKind.THEFT_SUSPECTED, 0.4),
            event("T2", 20, FuelEventKind.SENSOR_GLITCH, 0.95), event("T1", 30),
        ]  # fmt: skip
        for truck in ("T1", "T2"):
            mine = [e for e in events if e.truck_id == truck]
            await results.replace(TruckId(truck), DAY, DAY + timedelta(days=1), [], mine)
        by_truck = await results.events(EventQuery(truck_ids=[TruckId("T2")]))
        assert [s.event.truck_id for s in by_truck] == ["T2", "T2"]
        thefts = await results.events(EventQuery(kinds=[FuelEventKind.THEFT_SUSPECTED]))
        assert [s.event.start for s in thefts] == [NOW + timedelta(minutes=10)]
        confident = await results.events(EventQuery(min_confidence=0.9))
        assert len(confident) == 4
        window = await results.events(
            EventQuery(start=NOW + timedelta(minutes=10), end=NOW + timedelta(minutes=30))
        )
        assert [s.event.start.minute for s in window] == [10, 20]
        pages, after = [], None
        while True:
            page = await results.events(EventQuery(after=after, limit=2))
            if not page:
                break
            pages.append([s.event_id for s in page])
            after = (page[-1].event.start, page[-1].event_id)
        flat = [i for page in pages for i in page]
        everything = [s.event_id for s in await results.events(EventQuery(limit=100))]
        assert flat == everything
        assert len(flat) == 5
        assert [len(p) for p in pages] == [2, 2, 1]


class ComponentBucketsContract:
    """Subclasses provide a ``buckets`` fixture."""

    async def test_buckets_round_trip_by_resolution_and_replace_by_range(
        self, buckets: ComponentBuckets
    ) -> None:
        hour0 = Bucket("coolant_temp_f", NOW, 60, 195.25, 190.0, 201.5, 200.0)
        hour1 = Bucket("coolant_temp_f", NOW + timedelta(hours=1), 58, 196.0, 191.0, 203.0, 202.5)
        volts = Bucket("battery_voltage.engine_off", NOW, 12, 12.61, 12.5, 12.7, 12.7)
        day = Bucket("coolant_temp_f", NOW.replace(hour=0), 700, 195.5, 180.0, 205.0, 201.0)
        start, end = NOW.replace(hour=0), NOW.replace(hour=0) + timedelta(days=1)
        await buckets.replace(TruckId("T1"), start, end, [hour0, hour1, volts], [day])
        await buckets.replace(TruckId("T2"), start, end, [hour0], [])
        hourly = await buckets.buckets(None, None, HOUR, start, end)
        assert hourly == [
            ("T1", volts), ("T1", hour0), ("T1", hour1), ("T2", hour0),
        ]  # fmt: skip
        assert await buckets.buckets([TruckId("T1")], "coolant_temp_f", DAY_WIDTH, start, end) == [
            ("T1", day)
        ]
        limited = await buckets.buckets([TruckId("T1")], "coolant_temp_f", HOUR, start, end, 1)
        assert limited == [("T1", hour0)]
        await buckets.replace(TruckId("T1"), NOW + timedelta(hours=1), end, [], [])
        assert await buckets.buckets([TruckId("T1")], None, HOUR, start, end) == [
            ("T1", volts),
            ("T1", hour0),
        ]
