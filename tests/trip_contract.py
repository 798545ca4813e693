"""Contract of the persisted trips (memory, SQLite, MySQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.ports import TripResults
from fuel_analytics.domain.trips.model import Stop, Trip
from fuel_analytics.domain.trips.store import TripQuery, trip_id
from tests.conftest import NOW

DAY = NOW.date()
MIDNIGHT = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
ONE_DAY = timedelta(days=1)


def trip(truck: str, start: datetime, **values: object) -> Trip:
    """A trip with every field set to a distinct, non-round value."""
    fields: dict[str, object] = {
        "truck_id": TruckId(truck), "trip_id": trip_id(TruckId(truck), start), "start": start,
        "end": start + timedelta(hours=2, minutes=3, microseconds=250_001),
        "start_lat": 41.878113, "start_lon": -87.629799, "end_lat": 42.331427,
        "end_lon": -83.045754, "distance_mi": 117.733333, "distance_source": Source.ODOMETER,
        "fuel_gal": 19.286667, "fuel_source": Source.ECU_COUNTER, "mpg": 6.104356,
        "driving_s": 6900.5, "idle_s": 300.25, "max_speed_mph": 80.5, "speeding_s": 600.125,
        "harsh_accel": 2, "harsh_brake": 1, "driver_id": "D-ALICE",
        "stops": (
            Stop(
                start + timedelta(minutes=60, microseconds=123_456),
                start + timedelta(minutes=65, microseconds=654_321),
                41.9, -87.7, 300.530865,
            ),
            Stop(
                start + timedelta(minutes=90), start + timedelta(minutes=91), None, None, 60.0
            ),
        ),
        "complete": True,
    }  # fmt: skip
    fields.update(values)
    return Trip(**fields)  # type: ignore[arg-type]


def at(hours: float, day: int = 0) -> datetime:
    return MIDNIGHT + timedelta(days=day, hours=hours)


async def store(results: TripResults, *trips: Trip) -> None:
    """Each truck-day replaced with its own trips, as the recompute does."""
    by_key: dict[tuple[TruckId, datetime], list[Trip]] = {}
    for t in trips:
        day = datetime(t.start.year, t.start.month, t.start.day, tzinfo=UTC)
        by_key.setdefault((t.truck_id, day), []).append(t)
    for (truck, day), found in by_key.items():
        await results.replace(truck, day.date(), (day + ONE_DAY).date(), found)


class TripResultsContract:
    """Subclasses provide a ``trip_results`` fixture."""

    async def test_every_field_round_trips_with_stops_nones_and_microseconds(
        self, trip_results: TripResults
    ) -> None:
        full = trip("T1", at(6.5) + timedelta(microseconds=123_457))
        bare = trip(
            "T1",
            at(14),
            start_lat=None, start_lon=None, end_lat=None, end_lon=None, distance_mi=None,
            distance_source=Source.NONE, fuel_gal=None, fuel_source=Source.NONE, mpg=None,
            max_speed_mph=None, driver_id=None, stops=(), complete=False, harsh_accel=0,
            harsh_brake=0, driving_s=0.0, idle_s=0.0, speeding_s=0.0,
        )  # fmt: skip
        await store(trip_results, full, bare)
        found = await trip_results.trips(TripQuery())
        assert found == [full, bare]
        assert found[0].start.microsecond == 123_457
        assert found[0].stops[0].start.microsecond == 123_457 + 123_456
        assert found[0].start.utcoffset() == timedelta(0)
        assert found[0].stops[1].end.utcoffset() == timedelta(0)
        assert isinstance(found[0].distance_source, Source)
        assert found[1].complete is False

    async def test_the_longest_ids_and_driver_round_trip(self, trip_results: TripResults) -> None:
        truck = "T" * 32  # the longest truck id the API accepts
        driver = "d" * 64  # the longest driver id
        longest = trip(truck, at(1), driver_id=driver)
        assert len(longest.trip_id) == 32 + 1 + 10
        await store(trip_results, longest)
        assert await trip_results.trips(TripQuery(driver_ids=[driver])) == [longest]
        assert await trip_results.trip(TruckId(truck), at(1)) == longest

    async def test_a_city_trip_with_many_stops_round_trips(self, trip_results: TripResults) -> None:
        """Stop-and-go: a stop at every light of a 10-hour city trip (800 of them)."""
        start = at(7) + timedelta(microseconds=1)
        stops = tuple(
            Stop(
                start + timedelta(seconds=45 * k, microseconds=123_456),
                start + timedelta(seconds=45 * k + 30, microseconds=654_321),
                41.878113 + k * 1e-5,
                -87.629799 - k * 1e-5,
                30.530865,
            )
            for k in range(800)
        )
        city = trip("T1", start, end=start + timedelta(hours=10), stops=stops)
        await store(trip_results, city)
        assert await trip_results.trips(TripQuery()) == [city]

    async def test_a_replace_changes_only_its_truck_and_days(
        self, trip_results: TripResults
    ) -> None:
        day0 = [trip("T1", at(8)), trip("T1", at(23, 0) + timedelta(minutes=59, seconds=59))]
        day1 = [trip("T1", at(0, 1)), trip("T1", at(10, 1))]
        day2 = [trip("T1", at(0, 2))]  # exactly midnight: a trip of day 2
        other = [trip("T2", at(10, 1))]
        await store(trip_results, *day0, *day1, *day2, *other)
        assert await trip_results.trips(TripQuery()) == sorted(
            [*day0, *day1, *day2, *other], key=lambda t: (t.start, t.trip_id)
        )

        newer = trip("T1", at(12, 1), driver_id="D-NEW", mpg=None)
        await trip_results.replace(TruckId("T1"), (DAY + ONE_DAY), (DAY + 2 * ONE_DAY), [newer])
        assert await trip_results.trips(TripQuery()) == [*day0, other[0], newer, *day2]

        # a recompute that finds the same trip again replaces it, never duplicates it
        changed = replace(newer, end=newer.end + timedelta(minutes=5), complete=False)
        await trip_results.replace(TruckId("T1"), DAY + ONE_DAY, DAY + 2 * ONE_DAY, [changed])
        assert await trip_results.trips(TripQuery(truck_ids=[TruckId("T1")])) == [
            *day0,
            changed,
            *day2,
        ]

        await trip_results.replace(TruckId("T1"), DAY, DAY + 3 * ONE_DAY, [])
        assert await trip_results.trips(TripQuery()) == other

    async def test_queries_filter_by_truck_driver_and_start(
        self, trip_results: TripResults
    ) -> None:
        a = trip("T1", at(6), driver_id="D-ALICE")
        b = trip("T1", at(10), driver_id="D-BOB")
        c = trip("T2", at(10), driver_id="D-BOB")  # the same start as b
        d = trip("t1", at(11), driver_id="d-bob")  # ids differ only in case: others
        e = trip("T2", at(12), driver_id=None)
        f = trip("T1", at(0, 1), driver_id="D-ALICE")
        await store(trip_results, a, b, c, d, e, f)

        assert await trip_results.trips(TripQuery()) == [a, b, c, d, e, f]
        assert await trip_results.trips(TripQuery(truck_ids=[TruckId("T1")])) == [a, b, f]
        assert await trip_results.trips(TripQuery(truck_ids=[TruckId("t1")])) == [d]
        both = await trip_results.trips(TripQuery(truck_ids=[TruckId("T1"), TruckId("T2")]))
        assert both == [a, b, c, e, f]
        assert await trip_results.trips(TripQuery(truck_ids=[])) == []
        assert await trip_results.trips(TripQuery(driver_ids=["D-BOB"])) == [b, c]
        assert await trip_results.trips(TripQuery(driver_ids=["d-bob", "D-ALICE"])) == [a, d, f]
        assert await trip_results.trips(
            TripQuery(truck_ids=[TruckId("T2")], driver_ids=["D-BOB"])
        ) == [c]
        # start in [start, end): a trip starting at `end` is out, one at `start` in
        window = await trip_results.trips(TripQuery(start=at(10), end=at(12)))
        assert window == [b, c, d]
        assert await trip_results.trips(TripQuery(start=at(10) + timedelta(microseconds=1))) == [
            d,
            e,
            f,
        ]
        assert await trip_results.trips(TripQuery(end=at(10))) == [a]

    async def test_pages_follow_the_start_and_id_cursor(self, trip_results: TripResults) -> None:
        same = at(9)
        trips = [
            trip("T1", at(6)), trip("T2", same), trip("T1", same), trip("T3", same),
            trip("T4", at(9) + timedelta(microseconds=1)), trip("T2", at(0, 1)),
        ]  # fmt: skip
        await store(trip_results, *trips)
        everything = await trip_results.trips(TripQuery(limit=100))
        assert everything == sorted(trips, key=lambda t: (t.start, t.trip_id))
        assert [t.trip_id for t in everything[1:4]] == [
            f"T1.{int(same.timestamp())}",
            f"T2.{int(same.timestamp())}",
            f"T3.{int(same.timestamp())}",
        ]
        for size in (1, 2, 4):
            walked: list[Trip] = []
            after = None
            while True:
                page = await trip_results.trips(TripQuery(after=after, limit=size))
                assert len(page) <= size
                if not page:
                    break
                walked += page
                after = (page[-1].start, page[-1].trip_id)
            assert walked == everything, size
        # the cursor composes with the filters
        page = await trip_results.trips(
            TripQuery(truck_ids=[TruckId("T2")], after=(same, f"T2.{int(same.timestamp())}"))
        )
        assert page == [everything[5]]
        assert await trip_results.trips(TripQuery(limit=2)) == everything[:2]

    async def test_one_trip_is_found_by_its_truck_and_start_second(
        self, trip_results: TripResults
    ) -> None:
        start = at(6) + timedelta(microseconds=750_000)
        mine, other = trip("T1", start), trip("T2", start)
        later = trip("T1", at(6) + timedelta(seconds=1))
        await store(trip_results, mine, other, later)
        second = at(6)
        assert mine.trip_id == f"T1.{int(second.timestamp())}"
        assert await trip_results.trip(TruckId("T1"), second) == mine
        assert await trip_results.trip(TruckId("T2"), second) == other
        assert await trip_results.trip(TruckId("T1"), second + timedelta(seconds=1)) == later
        assert await trip_results.trip(TruckId("T1"), second - timedelta(seconds=1)) is None
        assert await trip_results.trip(TruckId("t1"), second) is None
        assert await trip_results.trip(TruckId("T3"), second) is None
