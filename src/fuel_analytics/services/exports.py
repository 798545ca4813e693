"""Exports as tables: readings, fuel events and the fuel report (writers are adapters)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fuel_analytics.domain.auth import Tenant
from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.export import Column, Rows, Table, rows_of
from fuel_analytics.domain.fuel import DailyFuel
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.ports import ReadingRows, TruckRegistry
from fuel_analytics.domain.telemetry import SENSOR_FIELDS, SPECS
from fuel_analytics.services.fuel import FuelService, Period, PeriodRules
from fuel_analytics.services.tenancy import scoped, visible_ids

READING_COLUMNS = ("truck_id", "ts", *(s.name for s in SENSOR_FIELDS))
DEFAULT_READING_COLUMNS = (
    "truck_id", "ts", "fuel_level_pct", "fuel_rate_gph", "total_fuel_gal", "speed_mph", "rpm",
    "odometer_mi", "engine_hours", "coolant_temp_f", "oil_pressure_psi", "battery_voltage",
    "def_level_pct", "lat", "lon",
)  # fmt: skip
EXPORT_BATCH = 500
EVENT_PAGE = 5_000
EXPORT_PERIODS = PeriodRules(default=timedelta(days=7), longest=timedelta(days=366))

EVENT_COLUMNS = (
    Column("event_id", "text"), Column("truck_id", "text"), Column("kind", "text"),
    Column("start", "datetime"), Column("end", "datetime"),
    Column("level_before_pct", "number", "%"), Column("level_after_pct", "number", "%"),
    Column("gallons", "number", "gal"), Column("lat", "number", "°"),
    Column("lon", "number", "°"), Column("confidence", "number"), Column("reason", "text"),
)  # fmt: skip

SUMMARY_COLUMNS = (
    Column("truck_id", "text"), Column("days", "integer"), Column("distance_mi", "number", "mi"),
    Column("distance_source", "text"), Column("fuel_used_gal", "number", "gal"),
    Column("fuel_source", "text"), Column("mpg", "number", "mi/gal"),
    Column("baseline_mpg", "number", "mi/gal"), Column("mpg_deviation_pct", "number", "%"),
    Column("mpg_band", "text"), Column("idle_hours", "number", "h"),
    Column("idle_fuel_gal", "number", "gal"), Column("idle_pct", "number", "%"),
    Column("refuel_count", "integer"), Column("refuel_gal", "number", "gal"),
    Column("theft_gal", "number", "gal"), Column("siphon_gal", "number", "gal"),
    Column("unexplained_gal", "number", "gal"), Column("fuel_cost", "number", "$"),
    Column("cost_per_mile", "number", "$/mi"), Column("notes", "text"),
)  # fmt: skip

UNIT_BY_SUFFIX = {"gal": "gal", "mi": "mi", "hours": "h", "pct": "%"}
_KINDS = {"int": "integer", "float": "number", "date": "date", "datetime": "datetime"}
DAILY_COLUMNS = tuple(
    Column(
        f.name,
        "text" if f.name == "truck_id" else _KINDS.get(str(f.type).split(" ")[0], "text"),  # type: ignore[arg-type]
        UNIT_BY_SUFFIX.get(f.name.rsplit("_", 1)[-1]),
    )
    for f in dataclasses.fields(DailyFuel)
)


def reading_column(name: str) -> Column:
    if name == "truck_id":
        return Column(name, "text")
    if name == "ts":
        return Column(name, "datetime")
    spec = SPECS[name]
    kind = {"number": "number", "bool": "bool", "text": "text", "codes": "text"}[spec.kind]
    return Column(name, kind, spec.unit)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ExportService:
    readings: ReadingRows
    trucks: TruckRegistry
    fuel: FuelService
    periods: PeriodRules = EXPORT_PERIODS
    page_rows: int = EXPORT_BATCH  # readings per keyset page (FUEL_EXPORT_PAGE_ROWS)

    def for_tenant(self, tenant: Tenant) -> ExportService:
        """Exports of ``tenant``'s trucks only: another carrier's truck is not found, "every
        truck" means the tenant's."""
        if tenant.everything:
            return self
        return dataclasses.replace(
            self, trucks=scoped(self.trucks, tenant), fuel=self.fuel.for_tenant(tenant)
        )

    def period(self, start: datetime | None, end: datetime | None) -> Period:
        return self.periods.resolve(start, end, self.fuel.clock.now())

    def reading_columns(self, names: Sequence[str] | None) -> tuple[Column, ...]:
        chosen = tuple(names) if names else DEFAULT_READING_COLUMNS
        unknown = [n for n in chosen if n not in READING_COLUMNS]
        if unknown:
            raise InvalidField(
                "columns", f"unknown column {unknown[0]!r}; known: {', '.join(READING_COLUMNS)}"
            )
        if len(set(chosen)) != len(chosen):
            raise InvalidField("columns", "a column is named twice")
        return tuple(reading_column(n) for n in chosen)

    async def _known(self, truck_ids: Collection[TruckId] | None) -> None:
        if truck_ids is None:
            return
        for truck_id in truck_ids:
            await self.fuel.truck(truck_id)

    async def readings_table(
        self,
        truck_ids: Collection[TruckId] | None,
        period: Period,
        columns: Sequence[Column],
        *,
        text_timestamps: bool = False,
    ) -> Table:
        """``text_timestamps``: ts comes as RFC 3339 text from the database (for text
        formats: no per-row conversion at all), else as datetimes (for XLSX date cells)."""
        await self._known(truck_ids)
        truck_ids = await visible_ids(self.trucks, truck_ids)
        names = [c.name for c in columns]
        rows = self.readings.stream(
            truck_ids, period.start, period.end, names, self.page_rows,
            text_timestamps=text_timestamps,
        )  # fmt: skip
        if text_timestamps:
            columns = [
                Column(c.name, "text", c.unit) if c.kind == "datetime" else c for c in columns
            ]
        return Table("readings", tuple(columns), rows)

    async def events_table(self, query: EventQuery) -> Table:
        await self._known(query.truck_ids)
        query = dataclasses.replace(query, truck_ids=await self.fuel.visible(query.truck_ids))
        # recompute what is stale first (FuelService.events), then page through the store
        await self.fuel.events(dataclasses.replace(query, limit=1))
        return Table("fuel events", EVENT_COLUMNS, self._event_rows(query))

    async def _event_rows(self, query: EventQuery) -> Rows:
        after = query.after
        while True:
            page = await self.fuel.results.events(
                dataclasses.replace(query, after=after, limit=EVENT_PAGE, with_evidence=False)
            )
            if not page:
                return
            yield [
                (s.event_id, e.truck_id, str(e.kind), e.start, e.end, e.level_before_pct,
                 e.level_after_pct, e.gallons, e.lat, e.lon, e.confidence, e.reason)
                for s in page
                for e in (s.event,)
            ]  # fmt: skip
            after = (page[-1].event.start, page[-1].event_id)

    async def fuel_report_tables(self, period: Period) -> list[Table]:
        """Fleet summary (a row per truck), the fuel events, the daily balance."""
        fleet = await self.fuel.fleet_kpis(period.start, period.end)
        summaries = await self.fuel.truck_summaries(fleet.period)
        summary_rows: list[Sequence[Any]] = [
            (s.truck_id, s.days, s.distance_mi, str(s.distance_source), s.fuel_used_gal,
             str(s.fuel_source), s.mpg, s.baseline_mpg, s.mpg_deviation_pct,
             None if s.mpg_band is None else str(s.mpg_band), s.idle_hours, s.idle_fuel_gal,
             s.idle_pct, s.refuel_count, s.refuel_gal, s.theft_gal, s.siphon_gal,
             s.unexplained_gal, s.fuel_cost, s.cost_per_mile,
             "; ".join(r for r in (s.distance_reason, s.mpg_reason, s.cost_reason) if r))
            for s in summaries
        ]  # fmt: skip
        events = Table(
            "fuel events",
            EVENT_COLUMNS,
            self._event_rows(
                EventQuery(
                    truck_ids=await self.fuel.visible(None),
                    start=fleet.period.start,
                    end=fleet.period.end,
                )
            ),
        )
        daily = Table("daily balance", DAILY_COLUMNS, self._daily_rows(fleet.period))
        return [Table("fleet summary", SUMMARY_COLUMNS, rows_of(summary_rows)), events, daily]

    async def _daily_rows(self, period: Period) -> Rows:
        rows = await self.fuel.daily_rows(period)
        for start in range(0, len(rows), EXPORT_BATCH):
            yield [
                tuple(getattr(row, c.name) for c in DAILY_COLUMNS)
                for row in rows[start : start + EXPORT_BATCH]
            ]
