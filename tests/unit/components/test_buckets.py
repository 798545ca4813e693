"""Hourly and daily aggregates: exact figures, UTC alignment, order invariance, speed."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from itertools import repeat

from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.components import (
    DAY,
    HOUR,
    Bucket,
    aggregate,
    bucket_start,
    monitor_named,
)
from fuel_analytics.domain.model import Reading
from tests.unit.components import START, T1

COOLANT = monitor_named("coolant_temp_f")
DEF = monitor_named("def_level_pct")


def at(minute: int, value: float, **extra: object) -> Reading:
    return Reading(
        truck_id=T1,
        ts=START + timedelta(minutes=minute),
        def_level_pct=value,
        **extra,  # type: ignore[arg-type]
    )


def test_figures_are_exact_on_known_data() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20 within one hour
    buckets = aggregate(DEF, [at(i, v) for i, v in enumerate(values)], HOUR)
    assert buckets == [Bucket("def_level_pct", START, 20, 10.5, 1.0, 20.0, 19.0)]
    # nearest rank: ceil(0.95 * 20) = 19th value; with 21 values ceil(19.95) = 20th
    buckets = aggregate(DEF, [at(i, float(i + 1)) for i in range(21)], HOUR)
    assert buckets[0].p95 == 20.0
    assert aggregate(DEF, [at(0, 7.0)], HOUR)[0].p95 == 7.0
    # 30 values: ceil(28.5) = 29th
    assert aggregate(DEF, [at(i, float(i + 1)) for i in range(30)], HOUR)[0].p95 == 29.0
    # a constant bucket's mean is the constant itself, to the last bit
    (tenths,) = aggregate(DEF, [at(i, 0.1) for i in range(3)], HOUR)
    assert (tenths.mean, tenths.min, tenths.max) == (0.1, 0.1, 0.1)


def test_buckets_are_aligned_to_utc_and_skip_empty_ones() -> None:
    readings = [at(0, 1.0), at(59, 3.0), at(60, 5.0), at(60 * 5 + 1, 9.0)]
    hours = aggregate(DEF, readings, HOUR)
    assert [(b.start, b.count, b.mean) for b in hours] == [
        (START, 2, 2.0),
        (START + HOUR, 1, 5.0),
        (START + 5 * HOUR, 1, 9.0),
    ]
    days = aggregate(DEF, readings, DAY)
    assert [(b.start, b.count, b.max) for b in days] == [(START, 4, 9.0)]
    # a timestamp with an offset lands in its UTC day
    eastern = datetime(2026, 1, 1, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert bucket_start(eastern, DAY) == datetime(2026, 1, 2, tzinfo=UTC)
    assert bucket_start(eastern.replace(tzinfo=None), HOUR) == datetime(2026, 1, 1, 21, tzinfo=UTC)


def test_only_readings_that_meet_the_condition_count() -> None:
    readings = [
        Reading(truck_id=T1, ts=START, coolant_temp_f=190.0, rpm=1200.0),
        Reading(truck_id=T1, ts=START + HOUR, coolant_temp_f=70.0, rpm=0.0),  # parked
        Reading(truck_id=T1, ts=START + 2 * HOUR, rpm=1200.0),  # no coolant value
    ]
    assert [(b.count, b.mean) for b in aggregate(COOLANT, readings, DAY)] == [(1, 190.0)]


values = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(st.tuples(st.integers(0, 3 * 1440), values), min_size=1, max_size=80),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_order_gives_the_same_buckets(points: list[tuple[int, float]], seed: int) -> None:
    readings = [at(minute, value) for minute, value in points]
    shuffled = readings[:]
    random.Random(seed).shuffle(shuffled)
    for width in (HOUR, DAY):
        buckets = aggregate(DEF, readings, width)
        assert aggregate(DEF, shuffled, width) == buckets
        assert sum(b.count for b in buckets) == len(readings)
        for b in buckets:
            assert b.min <= b.mean <= b.max
            assert b.min <= b.p95 <= b.max


def many_readings(values: Mapping[str, Sequence[object]], n: int) -> list[Reading]:
    """``n`` genuine Readings (all other fields None), built a field at a time in C.

    Reading has no ``__post_init__``, so this equals calling the constructor; it only skips
    the 27 Python-level ``__setattr__`` calls per reading that would make building half a
    million readings take longer than the rest of the suite.
    """
    readings: list[Reading] = list(map(object.__new__, repeat(Reading, n)))
    for field in dataclasses.fields(Reading):
        slot = getattr(Reading, field.name)
        list(map(slot.__set__, readings, values.get(field.name, repeat(None, n))))
    return readings


def test_a_year_of_minutes_into_daily_buckets_in_under_two_seconds() -> None:
    n = 365 * 1440
    minute = timedelta(minutes=1)
    stamps = [START + m * minute for m in range(n)]
    temps = [190.0 + (m % 97) / 97 for m in range(n)]
    readings = many_readings(
        {"truck_id": [T1] * n, "ts": stamps, "rpm": [1400.0] * n, "coolant_temp_f": temps}, n
    )
    assert readings[777] == Reading(
        truck_id=T1, ts=START + 777 * minute, rpm=1400.0, coolant_temp_f=temps[777]
    )
    began = time.perf_counter()
    buckets = aggregate(COOLANT, readings, DAY)
    elapsed = time.perf_counter() - began
    assert len(buckets) == 365
    assert all(b.count == 1440 for b in buckets)
    assert elapsed < 2.0, f"aggregate took {elapsed:.2f} s"
