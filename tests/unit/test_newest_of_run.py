"""The store's newest values of one truck's run of new readings (time order, each timestamp
once, as a group's readings reach the latest-state merge) are exactly domain's
``newest_values``: the same pairs in the same order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fuel_analytics.adapters.sqlalchemy.readings import newest_of_run
from fuel_analytics.domain.latest import newest_values
from fuel_analytics.domain.model import Reading, TruckId

START = datetime(2026, 1, 5, tzinfo=UTC)
maybe_float = st.none() | st.floats(0, 100, allow_nan=False)


def at(second: int) -> st.SearchStrategy[Reading]:
    return st.builds(
        Reading,
        truck_id=st.just(TruckId("T1")),
        ts=st.just(START + timedelta(seconds=second)),
        fuel_level_pct=maybe_float,
        speed_mph=maybe_float,
        rpm=st.none() | st.integers(0, 3000).map(float),
        dtc_codes=st.none() | st.lists(st.sampled_from(["P0420", "P0300"]), max_size=2).map(tuple),
        driver_id=st.none() | st.sampled_from(["D1", "D2"]),
        harsh_brake=st.none() | st.booleans(),
    )


runs = st.lists(st.integers(0, 600), min_size=1, max_size=12, unique=True).flatmap(
    lambda seconds: st.tuples(*(at(s) for s in sorted(seconds)))
)


@given(runs)
def test_newest_of_a_run_is_newest_values(run: tuple[Reading, ...]) -> None:
    assert list(newest_of_run(list(run)).items()) == list(newest_values(run).items())
