"""J1939 fault codes: decoding ``"SPN-FMI"`` and turning ``dtc_codes`` into fault events.

Fault events, by reading timestamps only (never the wall clock):

- a code present in a reading's ``dtc_codes`` opens an event (``first_seen``), or extends
  the open one (``last_seen``, ``occurrences`` = readings that carried it);
- a reading whose ``dtc_codes`` is a list without the code is evidence of absence; a reading
  whose ``dtc_codes`` is ``None`` says nothing (engine off, or a device that does not read
  the bus) and neither extends nor clears anything;
- the event is cleared by the first reading that shows the code absent at least
  ``clear_after`` (24 h) after it was last seen: ``cleared_at`` is that reading's timestamp,
  the moment the absence was confirmed. A truck that goes silent keeps its event active;
- the same code seen after it was cleared opens a new event.

Readings of other trucks and readings later than ``now`` are ignored (so ``now`` can be
any past instant, for an "as of" view). The input order never matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fuel_analytics.domain.components.dtc_table import FMI_DESCRIPTIONS, SPN_NAMES
from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.model import Reading, TruckId
from fuel_analytics.domain.telemetry import DTC_PATTERN, MAX_FMI

CLEAR_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class DtcCode:
    """A decoded fault code; ``code`` is normalised (``"0110-00"`` becomes ``"110-0"``)."""

    code: str
    spn: int
    fmi: int
    spn_description: str | None
    fmi_description: str

    @property
    def description(self) -> str:
        """One line for a person: the SPN's name (or its number) and the failure mode."""
        what = self.spn_description or f"SPN {self.spn}"
        return f"{what}: {self.fmi_description}"


def decode(code: str) -> DtcCode:
    """Decode ``"SPN-FMI"``; an unknown SPN decodes with ``spn_description`` None.

    Raises :class:`InvalidField` (field ``"code"``) for text that is not ``SPN-FMI`` or an
    FMI above 31.
    """
    match = DTC_PATTERN.fullmatch(code.strip()) if isinstance(code, str) else None
    if match is None:
        raise InvalidField("code", f'{code!r} is not an "SPN-FMI" code')
    spn, fmi = int(match.group(1)), int(match.group(2))
    if fmi > MAX_FMI:
        raise InvalidField("code", f"{code!r}: FMI {fmi} is outside 0-{MAX_FMI}")
    return DtcCode(f"{spn}-{fmi}", spn, fmi, SPN_NAMES.get(spn), FMI_DESCRIPTIONS[fmi])


@dataclass(frozen=True, slots=True)
class FaultEvent:
    truck_id: TruckId
    code: DtcCode
    first_seen: datetime
    last_seen: datetime
    active: bool
    cleared_at: datetime | None
    occurrences: int


@dataclass(slots=True)
class _Open:
    code: DtcCode
    first_seen: datetime
    last_seen: datetime
    occurrences: int = 1


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def fault_events(
    truck_id: TruckId,
    readings: Iterable[Reading],
    *,
    clear_after: timedelta = CLEAR_AFTER,
    now: datetime,
) -> list[FaultEvent]:
    """The truck's fault events, oldest first (then by code)."""
    seen: dict[datetime, set[str]] = {}
    decoded: dict[str, DtcCode] = {}
    limit = _utc(now)
    for reading in readings:
        if reading.truck_id != truck_id or reading.dtc_codes is None:
            continue
        ts = _utc(reading.ts)
        if ts > limit:
            continue
        codes = seen.setdefault(ts, set())
        for raw in reading.dtc_codes:
            known = decoded.get(raw)
            if known is None:
                known = decoded[raw] = decode(raw)
            codes.add(known.code)
    by_code = {code.code: code for code in decoded.values()}
    events: list[FaultEvent] = []
    active: dict[str, _Open] = {}
    for ts in sorted(seen):
        present = seen[ts]
        for name in sorted(active):
            event = active[name]
            if name not in present and ts - event.last_seen >= clear_after:
                events.append(_event(truck_id, event, cleared_at=ts))
                del active[name]
        for name in present:
            current = active.get(name)
            if current is None:
                active[name] = _Open(by_code[name], ts, ts)
            else:
                current.last_seen = ts
                current.occurrences += 1
    events.extend(_event(truck_id, event, cleared_at=None) for event in active.values())
    events.sort(key=lambda e: (e.first_seen, e.code.code))
    return events


def _event(truck_id: TruckId, event: _Open, *, cleared_at: datetime | None) -> FaultEvent:
    return FaultEvent(
        truck_id=truck_id,
        code=event.code,
        first_seen=event.first_seen,
        last_seen=event.last_seen,
        active=cleared_at is None,
        cleared_at=cleared_at,
        occurrences=event.occurrences,
    )
