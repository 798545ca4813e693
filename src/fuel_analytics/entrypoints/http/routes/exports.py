"""Exports: readings, fuel events and the fuel report as streamed CSV or XLSX files."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import anyio
from dependency_injector.wiring import Provide, inject
from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from fuel_analytics.adapters.exports.csv_writer import csv_chunks
from fuel_analytics.adapters.exports.xlsx_writer import xlsx_chunks
from fuel_analytics.adapters.metrics import exported_rows
from fuel_analytics.domain.auth import Scope as Needs
from fuel_analytics.domain.export import Rows, Table
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.telemetry import parse_truck_id
from fuel_analytics.entrypoints.http.auth import for_caller
from fuel_analytics.entrypoints.http.endpoints import Endpoint, parse_query
from fuel_analytics.entrypoints.http.fuel_schemas import EventFilters
from fuel_analytics.entrypoints.http.schemas import Model, PeriodQuery, UtcDatetime
from fuel_analytics.services.exports import ExportService
from fuel_analytics.services.fuel import Period

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


TRUCK_LIST = r"^[A-Za-z0-9_-]{1,32}(,[A-Za-z0-9_-]{1,32})*$"


class ReadingsExportQuery(Model):
    from_: UtcDatetime | None = Field(None, alias="from", description="default: 7 days ago")
    to: UtcDatetime | None = Field(None, description="default: now; at most 366 days")
    truck_id: str | None = Field(
        None,
        max_length=20_000,
        pattern=TRUCK_LIST,
        description="one id or several, comma-separated",
    )
    columns: str | None = Field(None, max_length=2_000, description="comma-separated columns")


class EventsExportQuery(EventFilters):
    truck_id: str | None = Field(
        None,
        max_length=20_000,
        pattern=TRUCK_LIST,
        description="one id or several, comma-separated",
    )


def _trucks(text: str | None) -> list[TruckId] | None:
    if text is None:
        return None
    return [parse_truck_id(part.strip(), "truck_id") for part in text.split(",") if part.strip()]


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [p.strip() for p in text.split(",") if p.strip()]


def _file_name(stem: str, period: Period, suffix: str) -> str:
    def day(ts: datetime) -> str:
        return ts.strftime("%Y%m%dT%H%M")

    return f"{stem}_{day(period.start)}-{day(period.end)}.{suffix}"


class ClosingStreamingResponse(StreamingResponse):
    """A StreamingResponse that always closes its body generator when it ends.

    Starlette cancels the sending task when the client disconnects; if that happens while
    the generator waits at a ``yield`` it is left suspended, and what it holds (an export's
    database connection) would only be released when the garbage collector finds it. Here
    it is closed at once, shielded from the cancellation under way.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            body = self.body_iterator
            if isinstance(body, AsyncGenerator):
                with anyio.CancelScope(shield=True):
                    await body.aclose()


def _stream(chunks: AsyncIterator[bytes], media: str, file_name: str) -> Response:
    return ClosingStreamingResponse(
        chunks,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


class CountedRows:
    """The same batches, their rows counted in ``fuel_export_rows_total`` as they go out.
    An iterator, not a generator: a cancelled fetch and ``aclose`` reach the rows beneath
    unchanged (an abandoned export frees its connection at once)."""

    def __init__(self, rows: Rows, file_format: str) -> None:
        self._rows = rows
        self._format = file_format

    def __aiter__(self) -> CountedRows:
        return self

    async def __anext__(self) -> Sequence[Sequence[Any]]:
        batch = await anext(self._rows)
        exported_rows(self._format, len(batch))
        return batch

    async def aclose(self) -> None:
        close = getattr(self._rows, "aclose", None)
        if close is not None:
            await close()


def _as(kind: str, tables: list[Table]) -> AsyncIterator[bytes]:
    counted = [replace(t, rows=CountedRows(t.rows, kind)) for t in tables]
    return csv_chunks(counted[0]) if kind == "csv" else xlsx_chunks(counted)


async def _readings(request: Request, exports: ExportService, kind: str) -> Response:
    exports = for_caller(exports, request)
    query = parse_query(ReadingsExportQuery, request)
    period = exports.period(query.from_, query.to)
    columns = exports.reading_columns(_names(query.columns))
    table = await exports.readings_table(
        _trucks(query.truck_id), period, columns, text_timestamps=kind == "csv"
    )
    media = CSV if kind == "csv" else XLSX
    return _stream(_as(kind, [table]), media, _file_name("readings", period, kind))


async def _events(request: Request, exports: ExportService, kind: str) -> Response:
    exports = for_caller(exports, request)
    query = parse_query(EventsExportQuery, request)
    period = exports.period(query.from_, query.to)
    table = await exports.events_table(
        EventQuery(
            truck_ids=_trucks(query.truck_id),
            kinds=query.kinds(),
            start=period.start,
            end=period.end,
            min_confidence=query.min_confidence,
        )
    )
    media = CSV if kind == "csv" else XLSX
    return _stream(_as(kind, [table]), media, _file_name("fuel-events", period, kind))


@inject
async def export_readings_csv(
    request: Request, exports: ExportService = Provide["export_service"]
) -> Response:
    return await _readings(request, exports, "csv")


@inject
async def export_readings_xlsx(
    request: Request, exports: ExportService = Provide["export_service"]
) -> Response:
    return await _readings(request, exports, "xlsx")


@inject
async def export_fuel_events_csv(
    request: Request, exports: ExportService = Provide["export_service"]
) -> Response:
    return await _events(request, exports, "csv")


@inject
async def export_fuel_events_xlsx(
    request: Request, exports: ExportService = Provide["export_service"]
) -> Response:
    return await _events(request, exports, "xlsx")


@inject
async def export_fuel_report_xlsx(
    request: Request, exports: ExportService = Provide["export_service"]
) -> Response:
    exports = for_caller(exports, request)
    query = parse_query(PeriodQuery, request)
    period = exports.fuel.period(query.from_, query.to)
    tables = await exports.fuel_report_tables(period)
    return _stream(_as("xlsx", tables), XLSX, _file_name("fuel-report", period, "xlsx"))


def _export(path: str, handler: object, summary: str, query: type[Model], media: str) -> Endpoint:
    return Endpoint(
        "GET",
        path,
        handler,  # type: ignore[arg-type]
        summary,
        "exports",
        query=query,
        errors=(404, 422, 503),
        produces=media.split(";")[0],
        description="Streamed as it is read (bounded memory, any size up to 366 days); "
        "Content-Disposition names the file. An XLSX sheet past Excel's 1,048,576 rows "
        "continues on a new sheet.",
        scope=Needs.READ,
    )


ENDPOINTS = [
    _export("/api/v2/export/readings.csv", export_readings_csv,
            "Readings as CSV (units in the header)", ReadingsExportQuery, CSV),
    _export("/api/v2/export/readings.xlsx", export_readings_xlsx,
            "Readings as an Excel workbook", ReadingsExportQuery, XLSX),
    _export("/api/v2/export/fuel-events.csv", export_fuel_events_csv,
            "Fuel events as CSV (the events endpoint's filters)", EventsExportQuery, CSV),
    _export("/api/v2/export/fuel-events.xlsx", export_fuel_events_xlsx,
            "Fuel events as an Excel workbook", EventsExportQuery, XLSX),
    _export("/api/v2/export/fuel-report.xlsx", export_fuel_report_xlsx,
            "The fuel report: fleet summary, fuel events and daily balance sheets",
            PeriodQuery, XLSX),
]  # fmt: skip
