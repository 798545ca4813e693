"""The existence check's groups: time order, at most KEYS_PER_LOOKUP keys and LOOKUP_SPAN each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fuel_analytics.adapters.sqlalchemy.readings import (
    KEYS_PER_LOOKUP,
    LOOKUP_SPAN,
    _lookup_groups,
)
from fuel_analytics.domain.model import TruckId

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def test_a_live_batch_is_one_group_per_keys_per_lookup() -> None:
    keys = [(TruckId(f"T{i}"), T0 + timedelta(seconds=i % 30)) for i in range(1_200)]
    groups = _lookup_groups(keys)
    assert [len(g[2]) for g in groups] == [KEYS_PER_LOOKUP, KEYS_PER_LOOKUP, 200]
    assert {t for g in groups for t in g[2]} == {k[0] for k in keys}
    for lo, hi, _ in groups:
        assert hi - lo <= LOOKUP_SPAN


def test_a_late_reading_gets_a_group_of_its_own_not_a_month_wide_range() -> None:
    late = (TruckId("A"), T0 - timedelta(days=30))
    fresh = [(TruckId(f"T{i}"), T0 + timedelta(seconds=i)) for i in range(3)]
    groups = _lookup_groups([*fresh, late])
    assert groups == [
        (late[1], late[1], {TruckId("A")}),
        (T0, T0 + timedelta(seconds=2), {TruckId("T0"), TruckId("T1"), TruckId("T2")}),
    ]
    # every key lies inside its group's range
    for truck_id, ts in [*fresh, late]:
        assert any(lo <= ts <= hi and truck_id in members for lo, hi, members in groups)
