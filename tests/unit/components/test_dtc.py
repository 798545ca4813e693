"""J1939 fault codes: decoding and fault events."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuel_analytics.domain.components import decode, fault_events
from fuel_analytics.domain.components.dtc_table import FMI_DESCRIPTIONS, SPN_NAMES
from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading, TruckId
from tests.unit.components import START, T1

HOUR = timedelta(hours=1)


def test_a_known_spn_decodes_with_its_name() -> None:
    code = decode("110-0")
    assert (code.code, code.spn, code.fmi) == ("110-0", 110, 0)
    assert code.spn_description == "Engine Coolant Temperature"
    assert code.fmi_description.startswith("Data valid but above normal operational range")
    assert code.description.startswith("Engine Coolant Temperature: Data valid but above")
    assert decode("4364-18").spn_description == "Aftertreatment 1 SCR Conversion Efficiency"
    assert decode(" 0100-01 ").code == "100-1"


def test_an_unknown_spn_stays_a_number() -> None:
    code = decode("520999-31")
    assert code.spn == 520999
    assert code.spn_description is None
    assert code.fmi_description == "Condition exists"
    assert code.description == "SPN 520999: Condition exists"


def test_every_fmi_from_0_to_31_is_described() -> None:
    assert sorted(FMI_DESCRIPTIONS) == list(range(32))
    for fmi in range(32):
        assert decode(f"100-{fmi}").fmi_description == FMI_DESCRIPTIONS[fmi]
    assert decode("100-25").fmi_description == "Reserved for SAE assignment"


@pytest.mark.parametrize("text", ["100-32", "100-99", "100", "SPN100-1", "100-1-2", "-1", ""])
def test_malformed_codes_and_fmi_above_31_are_rejected(text: str) -> None:
    with pytest.raises(InvalidField) as error:
        decode(text)
    assert error.value.field == "code"


def test_the_table_holds_the_common_spns() -> None:
    for spn in (84, 91, 94, 100, 102, 105, 110, 111, 157, 168, 171, 175, 177, 190, 513, 520):
        assert SPN_NAMES[spn]
    for spn in (636, 651, 656, 723, 1127, 1209, 1569, 2659, 3216, 3226, 3251, 3364, 4094):
        assert SPN_NAMES[spn]
    for spn in (4360, 4364, 5246, 5394):
        assert SPN_NAMES[spn]
    assert len(SPN_NAMES) >= 40


def at(hours: float, codes: tuple[str, ...] | None, truck: str = "T1") -> Reading:
    return Reading(truck_id=TruckId(truck), ts=START + hours * HOUR, dtc_codes=codes)


def test_an_event_opens_clears_after_24_hours_absent_and_reopens() -> None:
    readings = [
        at(0, ("110-0",)),
        at(1, ("110-0", "100-1")),
        at(2, ()),
        at(10, None),  # says nothing
        at(25.5, ()),  # 24.5 h after 110-0 was last seen: cleared here
        at(30, ("110-0",)),  # a new event
    ]
    events = fault_events(T1, readings, now=START + 40 * HOUR)
    summary = [
        (e.code.code, e.first_seen, e.last_seen, e.active, e.cleared_at, e.occurrences)
        for e in events
    ]
    assert summary == [
        ("110-0", START, START + HOUR, False, START + 25.5 * HOUR, 2),
        ("100-1", START + HOUR, START + HOUR, False, START + 25.5 * HOUR, 1),
        ("110-0", START + 30 * HOUR, START + 30 * HOUR, True, None, 1),
    ]
    assert events[0].code.spn_description == "Engine Coolant Temperature"


def test_silence_and_none_never_clear_a_code() -> None:
    readings = [at(0, ("3251-0",)), at(30, None), at(60, None)]
    (event,) = fault_events(T1, readings, now=START + 100 * HOUR)
    assert event.active
    assert event.cleared_at is None
    # absence seen less than 24 h after, then the code again: the same event goes on
    readings = [at(0, ("3251-0",)), at(5, ()), at(48, ("3251-0",))]
    (event,) = fault_events(T1, readings, now=START + 100 * HOUR)
    assert (event.active, event.occurrences, event.last_seen) == (True, 2, START + 48 * HOUR)


def test_now_and_other_trucks_limit_what_counts() -> None:
    readings = [at(0, ("110-0",)), at(30, ()), at(1, ("94-1",), truck="T2")]
    (event,) = fault_events(T1, readings, now=START + 10 * HOUR)  # the clearing is later
    assert event.active
    (event,) = fault_events(T1, readings, now=START + 30 * HOUR)
    assert not event.active


codes = st.sampled_from(["110-0", "100-1", "3226-2", "639-14"])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 200),
            st.one_of(st.none(), st.lists(codes, max_size=3).map(tuple)),
        ),
        max_size=40,
        unique_by=lambda row: row[0],
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_order_of_the_readings_never_matters(
    rows: list[tuple[int, tuple[str, ...] | None]], seed: int
) -> None:
    readings = [at(hour, found) for hour, found in rows]
    shuffled = readings[:]
    random.Random(seed).shuffle(shuffled)
    now = START + 300 * HOUR
    events = fault_events(T1, readings, now=now)
    assert fault_events(T1, shuffled, now=now) == events
    for event in events:
        assert event.first_seen <= event.last_seen
        assert event.active == (event.cleared_at is None)
        if event.cleared_at is not None:
            assert event.cleared_at - event.last_seen >= timedelta(hours=24)
