"""How long raw readings are kept, and which whole months of them may go.

Raw readings are kept ``days`` days (0: forever); derived results (daily fuel rollups, fuel
events, component buckets, trips) are kept forever. Ingestion refuses a reading older than
the :attr:`RetentionWindow.cutoff`, so no late reading can mark stale a day whose raw
readings are gone (a recompute of such a day would replace good rollups with nothing).

Readings are removed by whole calendar months (UTC), on MySQL a partition each, on SQLite
the same months by DELETE: a month goes once all of it is before :attr:`keep_from`, the
start of the month that holds the cutoff's day minus :data:`EXPIRY_MARGIN`. The margin
keeps whole every day a reading still accepted can mark stale (its own day and the day
before, ``domain/dirty.py``) together with that day's day of context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

# the smallest retention that is not 0: always more than a whole calendar month of raw
# readings (exports, speeding events and raw histories look back up to 31 days)
MIN_RETENTION_DAYS = 35
# monthly partitions created ahead of the current month (the MAXVALUE one takes the rest)
MONTHS_AHEAD = 3
# a kept reading's day, the day before it (a stale mark), and that day's context day
EXPIRY_MARGIN = timedelta(days=2)
CATCH_ALL = "pmax"


def month_start(moment: datetime) -> datetime:
    """Midnight UTC of the first day of ``moment``'s month."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(month: datetime, count: int) -> datetime:
    """The first day of the month ``count`` months after ``month``'s (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(below: datetime) -> str:
    """The name of the partition of the readings before ``below`` (a month's first day): it
    is named after the last month it holds, e.g. p202611 holds readings before 2026-12-01."""
    return f"p{add_months(below, -1):%Y%m}"


def check_retention_days(days: int) -> int:
    if days != 0 and days < MIN_RETENTION_DAYS:
        raise ValueError(
            f"readings retention must be 0 (keep forever) or at least {MIN_RETENTION_DAYS} "
            f"days, not {days}"
        )
    return days


@dataclass(frozen=True, slots=True)
class RetentionWindow:
    """Retention ``days`` (0: keep forever) seen at ``now``."""

    now: datetime
    days: int

    @property
    def keeps_everything(self) -> bool:
        return self.days == 0

    @property
    def cutoff(self) -> datetime | None:
        """Ingestion refuses readings older than this."""
        return None if self.keeps_everything else self.now - timedelta(days=self.days)

    @property
    def keep_from(self) -> datetime | None:
        """Raw readings before this (a month's first day) are removed; later ones are kept."""
        if self.cutoff is None:
            return None
        day = datetime.combine(self.cutoff.date(), time(0), tzinfo=UTC)
        return month_start(day - EXPIRY_MARGIN)

    @property
    def partitions_until(self) -> datetime:
        """Monthly partitions exist for readings before this (then the catch-all)."""
        return add_months(month_start(self.now), MONTHS_AHEAD + 1)


@dataclass(frozen=True, slots=True)
class MonthPartition:
    """A MySQL partition of readings: those before ``below`` that no earlier one holds."""

    name: str
    below: datetime
    readings: int = 0  # counted for the partitions to drop


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    """What one retention run removes and adds. ``partitioned``: MySQL, whole partitions
    dropped; otherwise (SQLite) the same readings are deleted in chunks."""

    keep_from: datetime | None
    partitioned: bool
    drop: tuple[MonthPartition, ...] = ()
    add: tuple[MonthPartition, ...] = ()
    expired_readings: int = 0
    expired_stale_days: int = 0

    @property
    def changes_nothing(self) -> bool:
        return not (self.drop or self.add or self.expired_readings or self.expired_stale_days)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    window: RetentionWindow
    plan: RetentionPlan
    recomputed: int  # stale truck-days recomputed before their readings went
    dry_run: bool
