"""What persisting fuel results needs: stable event ids and the events query."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from fuel_analytics.domain.fuel.model import FuelEvent, FuelEventKind
from fuel_analytics.domain.model import TruckId


def event_id(event: FuelEvent) -> str:
    """Stable across recomputes as long as the event starts at the same instant."""
    millis = round(event.start.timestamp() * 1000)
    return f"{event.truck_id}.{event.kind}.{millis}"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    event: FuelEvent


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Events with start in [start, end), oldest first, after the cursor (start, id)."""

    truck_ids: Collection[TruckId] | None = None
    kinds: Collection[FuelEventKind] | None = None
    start: datetime | None = None
    end: datetime | None = None
    min_confidence: float | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 100
    with_evidence: bool = True  # False: events come with an empty evidence tuple (cheaper)
