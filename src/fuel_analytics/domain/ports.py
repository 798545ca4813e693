"""What the services need from the outside world, in the fleet's words."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from fuel_analytics.domain.auth import ApiKey, AuditEntry
from fuel_analytics.domain.components.buckets import Bucket
from fuel_analytics.domain.fuel.model import DailyFuel, FuelEvent
from fuel_analytics.domain.fuel.store import EventQuery, StoredEvent
from fuel_analytics.domain.model import (
    CarrierId,
    DatabaseHealth,
    DirtyDay,
    LatestState,
    Page,
    Reading,
    StoreResult,
    Truck,
    TruckId,
)
from fuel_analytics.domain.retention import RetentionPlan, RetentionWindow
from fuel_analytics.domain.trips.model import Trip
from fuel_analytics.domain.trips.store import TripQuery


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware UTC."""
        ...


class ReadingStore(Protocol):
    async def store(
        self, readings: Sequence[Reading], *, carrier_id: CarrierId | None = None
    ) -> StoreResult:
        """Store readings idempotently on (truck_id, ts) in ONE transaction: new readings,
        the trucks' latest state, and a default registry entry (of ``carrier_id``) for trucks
        never seen. Either all of it commits or none of it does."""
        ...


class ReadingHistory(Protocol):
    async def readings(
        self,
        truck_id: TruckId,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        """A truck's stored readings with start <= ts < end, oldest first (at most limit)."""
        ...

    async def count(self) -> int: ...


class LatestReadings(Protocol):
    async def latest(self, truck_id: TruckId) -> LatestState | None: ...

    async def all_latest(self) -> list[LatestState]: ...


class TruckRegistry(Protocol):
    async def get(self, truck_id: TruckId) -> Truck | None: ...

    async def page(self, offset: int, limit: int) -> Page[Truck]: ...

    async def all(self) -> list[Truck]: ...

    async def existing(self, truck_ids: Iterable[TruckId]) -> set[TruckId]: ...

    async def save(self, truck: Truck) -> Truck:
        """Create or replace a registry entry; returns what is stored."""
        ...


class ApiKeys(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def get(self, key_id: str) -> ApiKey | None: ...

    async def all(self, carrier_id: CarrierId | None = None) -> list[ApiKey]:
        """Every key (of this carrier only, when given), oldest first."""
        ...

    async def revoke(self, key_id: str, at: datetime) -> bool:
        """Mark the key revoked (once); False when it does not exist."""
        ...


class AuditLog(Protocol):
    async def append(self, entry: AuditEntry) -> None: ...

    async def entries(
        self,
        carrier_id: CarrierId | None,
        start: datetime | None,
        end: datetime | None,
        before: int | None,
        limit: int,
    ) -> list[AuditEntry]:
        """Newest first, ids below ``before``, start <= at < end; one carrier's entries when
        ``carrier_id`` is given."""
        ...


class DirtyDays(Protocol):
    async def oldest(self, limit: int) -> list[DirtyDay]:
        """Stale truck-days, the longest-waiting first."""
        ...

    async def pending(
        self, truck_ids: Collection[TruckId] | None, start: date, end: date
    ) -> list[DirtyDay]:
        """Stale days with start <= day < end, of these trucks (None: all)."""
        ...

    async def clear(self, days: Sequence[DirtyDay]) -> int:
        """Remove the marks whose version is unchanged; returns how many were removed."""
        ...


class FuelResults(Protocol):
    """Persisted daily fuel rows and fuel events, replaced per truck and day range."""

    async def replace(
        self,
        truck_id: TruckId,
        start: date,
        end: date,
        days: Sequence[DailyFuel],
        events: Sequence[FuelEvent],
    ) -> list[FuelEvent]:
        """In one transaction: the truck's daily rows with start <= day < end and its events
        (all but SIPHONING) starting in those days are replaced by the given ones. Returns
        those of the given events that were not stored before (by event id)."""
        ...

    async def replace_siphoning(
        self, truck_id: TruckId, start: date, end: date, events: Sequence[FuelEvent]
    ) -> list[FuelEvent]:
        """The truck's SIPHONING events starting in [start, end) are replaced. Returns those
        of the given events that were not stored before (by event id)."""
        ...

    async def daily(
        self, truck_ids: Collection[TruckId] | None, start: date, end: date
    ) -> list[DailyFuel]:
        """Daily rows with start <= day < end, by truck then day."""
        ...

    async def events(self, query: EventQuery) -> list[StoredEvent]: ...


class TripResults(Protocol):
    """Persisted trips, replaced per truck and range of start days."""

    async def replace(
        self, truck_id: TruckId, start: date, end: date, trips: Sequence[Trip]
    ) -> None:
        """In one transaction: the truck's trips starting in [start, end) (UTC days) are
        replaced by the given ones."""
        ...

    async def trips(self, query: TripQuery) -> list[Trip]:
        """By start then trip id, after the cursor, at most ``limit``."""
        ...

    async def trip(self, truck_id: TruckId, start: datetime) -> Trip | None:
        """The truck's trip starting in the second that begins at ``start``."""
        ...


class ComponentBuckets(Protocol):
    """Hourly and daily component aggregates (Bucket), replaced per truck and time range."""

    async def replace(
        self,
        truck_id: TruckId,
        start: datetime,
        end: datetime,
        hourly: Sequence[Bucket],
        daily: Sequence[Bucket],
    ) -> None:
        """In one transaction: the truck's buckets (every monitor, both resolutions) that
        start in [start, end) are replaced by the given ones."""
        ...

    async def buckets(
        self,
        truck_ids: Collection[TruckId] | None,
        monitor_key: str | None,
        width: timedelta,
        start: datetime,
        end: datetime,
        limit: int | None = None,
    ) -> list[tuple[TruckId, Bucket]]:
        """Buckets of one width starting in [start, end), by truck, monitor and start."""
        ...


class ReadingRows(Protocol):
    def stream(
        self,
        truck_ids: Collection[TruckId] | None,
        start: datetime,
        end: datetime,
        columns: Sequence[str],
        batch: int,
        *,
        text_timestamps: bool = False,
    ) -> AsyncIterator[Sequence[tuple[Any, ...]]]:
        """Readings' values for ``columns`` with start <= ts < end, by truck then time, in
        batches. Stopping early releases the connection at once. ``text_timestamps``: ts as
        RFC 3339 UTC text ("2026-01-05T14:02:00.000000Z"), formatted by the database."""
        ...


class DatabaseProbe(Protocol):
    async def check(self) -> DatabaseHealth: ...


class ReadingRetention(Protocol):
    """Removing raw readings past their retention by whole months (rollups stay)."""

    async def plan(self, window: RetentionWindow) -> RetentionPlan:
        """What a run would do now: the readings and stale marks before
        ``window.keep_from`` and, on a partitioned table, the monthly partitions to drop and
        to add up to ``window.partitions_until``. Changes nothing."""
        ...

    async def apply(self, plan: RetentionPlan) -> RetentionPlan:
        """Carry the plan out; returns what was done (rows as removed)."""
        ...


class Metrics(Protocol):
    """Counts the services report for monitoring (an adapter exports them)."""

    def readings_ingested(self, accepted: int, duplicates: int, rejected: int) -> None: ...

    def fuel_events_detected(self, events: Sequence[FuelEvent]) -> None:
        """Fuel events stored for the first time by a recompute."""
        ...


class NoMetrics:
    """The default ``Metrics``: counts nothing (unit tests, tools)."""

    def readings_ingested(self, accepted: int, duplicates: int, rejected: int) -> None:
        return None

    def fuel_events_detected(self, events: Sequence[FuelEvent]) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()


class FleetChanges(Protocol):
    """What changed per truck, cheaply: the caches of services/fresh.py compare these
    stamps with the ones they hold and re-read only the trucks whose stamp moved."""

    async def fleet_stamps(self) -> tuple[dict[TruckId, object], dict[TruckId, object]]:
        """Every truck's registry stamp and latest-state stamp (when each row was last
        written), in one round trip of the pool."""
        ...

    async def trucks_of(self, truck_ids: Sequence[TruckId]) -> list[Truck]: ...

    async def latest_of(self, truck_ids: Sequence[TruckId]) -> list[LatestState]: ...

    async def derived_versions(self) -> dict[TruckId, int]:
        """Every truck's derived-results version (absent: never recomputed)."""
        ...

    async def bump_derived(self, truck_ids: Sequence[TruckId]) -> None:
        """Called after these trucks' derived results were replaced."""
        ...
