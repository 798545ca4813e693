"""Raw readings retention: the window's arithmetic, ingestion's age limit, the setting."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from fuel_analytics.domain.dirty import affected_days
from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading, TruckId
from fuel_analytics.domain.retention import (
    MIN_RETENTION_DAYS,
    RetentionWindow,
    add_months,
    month_start,
    partition_name,
)
from fuel_analytics.domain.telemetry import TelemetryRules, parse_reading
from fuel_analytics.entrypoints.settings import Settings

NOW = datetime(2026, 11, 29, 14, 35, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_month_arithmetic_and_partition_names() -> None:
    assert month_start(datetime(2026, 11, 29, 23, 59, tzinfo=UTC)) == datetime(
        2026, 11, 1, tzinfo=UTC
    )
    assert add_months(datetime(2026, 11, 1, tzinfo=UTC), 2) == datetime(2027, 1, 1, tzinfo=UTC)
    assert add_months(datetime(2026, 1, 1, tzinfo=UTC), -13) == datetime(2024, 12, 1, tzinfo=UTC)
    # named after the last month it holds
    assert partition_name(datetime(2026, 12, 1, tzinfo=UTC)) == "p202611"
    assert partition_name(datetime(2027, 1, 1, tzinfo=UTC)) == "p202612"


def test_no_retention_keeps_everything() -> None:
    window = RetentionWindow(NOW, 0)
    assert window.keeps_everything
    assert (window.cutoff, window.keep_from) == (None, None)
    assert window.partitions_until == datetime(2027, 3, 1, tzinfo=UTC)


def test_a_window_of_400_days() -> None:
    window = RetentionWindow(NOW, 400)
    assert window.cutoff == NOW - timedelta(days=400) == datetime(2025, 10, 25, 14, 35, tzinfo=UTC)
    assert window.keep_from == datetime(2025, 10, 1, tzinfo=UTC)


def test_the_margin_moves_keep_from_to_the_month_before_near_its_start() -> None:
    # cutoff 2026-10-02: its day and the day before (a stale mark) and that day's context
    # (2026-09-30) must stay whole, so September stays
    window = RetentionWindow(datetime(2026, 11, 11, 8, 0, tzinfo=UTC), 40)
    assert window.cutoff == datetime(2026, 10, 2, 8, 0, tzinfo=UTC)
    assert window.keep_from == datetime(2026, 9, 1, tzinfo=UTC)


@pytest.mark.parametrize("days", [MIN_RETENTION_DAYS, 36, 40, 62, 400, 3650])
def test_every_day_a_reading_still_accepted_can_make_stale_keeps_its_readings(days: int) -> None:
    """For every hour of two years: readings at or after the cutoff mark days (their own and
    neighbours) whose readings, and a day of context before them, are all kept; and the
    whole previous calendar month is always kept."""
    now = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    while now < datetime(2028, 1, 1, tzinfo=UTC):
        window = RetentionWindow(now, days)
        assert window.cutoff is not None
        assert window.keep_from is not None
        assert window.keep_from == month_start(window.keep_from)
        oldest = Reading(truck_id=TruckId("T1"), ts=window.cutoff)
        for _, day in affected_days([oldest]):
            context = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(days=1)
            assert window.keep_from <= context, (now, days)
        assert window.keep_from <= add_months(month_start(now), -1), (now, days)
        now += timedelta(hours=7)


def test_ingestion_refuses_readings_older_than_the_retention() -> None:
    rules = TelemetryRules(max_age=timedelta(days=40))
    too_old = NOW - timedelta(days=40, seconds=1)
    with pytest.raises(InvalidField) as caught:
        parse_reading({"truck_id": "T1", "ts": stamp(too_old)}, now=NOW, rules=rules)
    assert caught.value.field == "ts"
    assert "40-day retention" in caught.value.reason
    inside = NOW - timedelta(days=39, hours=23)
    assert parse_reading({"truck_id": "T1", "ts": stamp(inside)}, now=NOW, rules=rules).ts == inside
    # without a retention any age since 2000 is accepted
    old = datetime(2001, 1, 1, tzinfo=UTC)
    assert parse_reading({"truck_id": "T1", "ts": stamp(old)}, now=NOW).ts == old


def test_the_retention_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    default = Settings(_env_file=None)  # type: ignore[call-arg]
    assert default.readings_retention_days == 0
    assert default.telemetry_rules.max_age is None
    monkeypatch.setenv("FUEL_READINGS_RETENTION_DAYS", "400")
    from_env = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_env.readings_retention_days == 400
    assert from_env.telemetry_rules.max_age == timedelta(days=400)
    assert Settings(_env_file=None, readings_retention_days=35).readings_retention_days == 35  # type: ignore[call-arg]
    for bad in (1, 34, -1, 36_501):
        with pytest.raises(ValidationError, match="readings_retention_days"):
            Settings(_env_file=None, readings_retention_days=bad)  # type: ignore[call-arg]
