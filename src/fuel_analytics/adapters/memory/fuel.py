"""In-memory fuel results (tests only)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date

from fuel_analytics.domain.fuel.model import DailyFuel, FuelEvent, FuelEventKind
from fuel_analytics.domain.fuel.store import EventQuery, StoredEvent, event_id
from fuel_analytics.domain.model import TruckId


class MemoryFuelResults:
    def __init__(self) -> None:
        self.days: dict[tuple[TruckId, date], DailyFuel] = {}
        self.events_by_id: dict[str, FuelEvent] = {}

    async def replace(
        self,
        truck_id: TruckId,
        start: date,
        end: date,
        days: Sequence[DailyFuel],
        events: Sequence[FuelEvent],
    ) -> list[FuelEvent]:
        for key in [k for k in self.days if k[0] == truck_id and start <= k[1] < end]:
            del self.days[key]
        new = self._replace_events(truck_id, start, end, events, siphoning=False)
        for row in days:
            self.days[(row.truck_id, row.day)] = row
        return new

    async def replace_siphoning(
        self, truck_id: TruckId, start: date, end: date, events: Sequence[FuelEvent]
    ) -> list[FuelEvent]:
        return self._replace_events(truck_id, start, end, events, siphoning=True)

    def _replace_events(
        self,
        truck_id: TruckId,
        start: date,
        end: date,
        events: Sequence[FuelEvent],
        *,
        siphoning: bool,
    ) -> list[FuelEvent]:
        given = {event_id(e): e for e in events}
        new = [e for key, e in given.items() if key not in self.events_by_id]
        stale = [
            key
            for key, e in self.events_by_id.items()
            if e.truck_id == truck_id
            and start <= e.start.date() < end
            and (e.kind is FuelEventKind.SIPHONING) == siphoning
        ]
        for key in stale:
            del self.events_by_id[key]
        self.events_by_id.update(given)
        return new

    async def daily(
        self, truck_ids: Collection[TruckId] | None, start: date, end: date
    ) -> list[DailyFuel]:
        return [
            self.days[key]
            for key in sorted(self.days)
            if start <= key[1] < end and (truck_ids is None or key[0] in truck_ids)
        ]

    async def events(self, query: EventQuery) -> list[StoredEvent]:
        found = []
        for key, e in self.events_by_id.items():
            if query.truck_ids is not None and e.truck_id not in query.truck_ids:
                continue
            if query.kinds is not None and e.kind not in query.kinds:
                continue
            if query.start is not None and e.start < query.start:
                continue
            if query.end is not None and e.start >= query.end:
                continue
            if query.min_confidence is not None and e.confidence < query.min_confidence:
                continue
            if query.after is not None and (e.start, key) <= query.after:
                continue
            found.append(StoredEvent(key, e if query.with_evidence else replace(e, evidence=())))
        found.sort(key=lambda s: (s.event.start, s.event_id))
        return found[: query.limit]
