"""A batch of many trucks cut into shards of its trucks (decision 46): disjoint trucks,
nothing lost or added, primary-key order kept, the same trucks together in every batch,
and a batch of few trucks (or one shard) left whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fuel_analytics.adapters.sqlalchemy.readings import SHARD_MIN_TRUCKS, by_shard
from fuel_analytics.domain.model import Reading, TruckId

T0 = datetime(2026, 1, 5, tzinfo=UTC)

# (truck, minute) pairs of 1 to 200 trucks, 1 to 3 minutes each: about half the batches
# have SHARD_MIN_TRUCKS trucks or more
keys = st.sets(st.integers(0, 400), min_size=1, max_size=200).flatmap(
    lambda trucks: st.lists(
        st.tuples(st.sampled_from(sorted(trucks)), st.integers(0, 2)),
        min_size=len(trucks),
        max_size=3 * len(trucks),
        unique=True,
    )
)


def batch(pairs: list[tuple[int, int]]) -> list[Reading]:
    readings = [Reading(truck_id=TruckId(f"T{t}"), ts=T0 + timedelta(minutes=m)) for t, m in pairs]
    return sorted(readings, key=lambda r: r.key)


def together(parts: list[list[Reading]]) -> dict[TruckId, int]:
    return {r.truck_id: index for index, part in enumerate(parts) for r in part}


@given(keys, st.integers(1, 4))
def test_the_parts_hold_the_batch_by_truck_in_order(
    pairs: list[tuple[int, int]], shards: int
) -> None:
    readings = batch(pairs)
    parts = by_shard(readings, shards)
    trucks = {r.truck_id for r in readings}
    if shards == 1 or len(trucks) < SHARD_MIN_TRUCKS:
        assert parts == [readings]
        return
    assert 1 <= len(parts) <= shards
    assert all(parts)
    for part in parts:
        assert part == sorted(part, key=lambda r: r.key)
    assert sorted((r for part in parts for r in part), key=lambda r: r.key) == readings
    index = together(parts)
    for part_index, part in enumerate(parts):
        assert all(index[r.truck_id] == part_index for r in part)  # a truck in one part


@given(keys, keys)
def test_trucks_that_share_a_part_share_it_in_every_batch(
    first: list[tuple[int, int]], second: list[tuple[int, int]]
) -> None:
    a, b = together(by_shard(batch(first), 2)), together(by_shard(batch(second), 2))
    if min(len(a), len(b)) < SHARD_MIN_TRUCKS:
        return  # left whole
    both = sorted(set(a) & set(b))
    for x in both:
        for y in both:
            assert (a[x] == a[y]) == (b[x] == b[y])


def test_a_fleet_is_cut_about_in_half() -> None:
    readings = batch([(t, 0) for t in range(1_000)])
    assert sorted(len(part) for part in by_shard(readings, 2)) == [500, 500]
    few = batch([(t, m) for t in range(SHARD_MIN_TRUCKS - 1) for m in range(20)])
    assert by_shard(few, 2) == [few]
