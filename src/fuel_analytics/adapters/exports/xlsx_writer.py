"""XLSX written as a stream: the workbook's parts go straight into a ZIP stream (zipfile,
deflate) while rows arrive, so the download starts at once and memory stays flat.

Why not XlsxWriter: its constant-memory mode measured 6,330 rows/s for 14 columns on this
machine (the export needs >= 15,000) and it can only hand the file over once it is closed.
The sheets here use inline strings and numeric cells with a few styles (dates, decimals),
a frozen header row and column widths — what a report needs, in a few hundred bytes of XML
per row. A sheet that reaches Excel's row limit continues on a new sheet ("name (2)").
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import zipfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from fuel_analytics.domain.export import Column, Table, prefetched, settle

EXCEL_MAX_ROWS = 1_048_576
EPOCH = datetime(1899, 12, 30)
STYLE = {"datetime": 1, "date": 2, "number": 3, "integer": 4}  # cellXfs indexes below
WIDTH = {"datetime": 20, "date": 12, "number": 12, "integer": 10, "bool": 8, "text": 14}
FLUSH_BYTES = 256 * 1024


class _Sink(io.RawIOBase):
    """An unseekable file that zipfile writes into and the stream drains."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def _serial(value: datetime) -> float:
    naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return (naive - EPOCH).total_seconds() / 86400.0


# characters XML 1.0 forbids; Excel writes them as _xHHHH_
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: Any) -> str:
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", escape(str(value)))


def _cell(column: Column) -> Callable[[Any, str], str]:
    """A cell's XML from its value and its attributes (`` r="C7"`` when cells are skipped)."""
    style = STYLE.get(column.kind)
    if column.kind == "datetime":
        return lambda v, at: f'<c{at} s="1"><v>{_serial(v)!r}</v></c>'
    if column.kind == "date":
        return lambda v, at: f'<c{at} s="2"><v>{(v - EPOCH.date()).days}</v></c>'
    if column.kind == "bool":
        return lambda v, at: f'<c{at} t="b"><v>{1 if v else 0}</v></c>'
    if column.kind in ("number", "integer"):
        return lambda v, at: f'<c{at} s="{style}"><v>{v!r}</v></c>'
    return lambda v, at: f'<c{at} t="inlineStr"><is><t>{_text(v)}</t></is></c>'


def _row_writer(columns: Sequence[Column]) -> Callable[[Sequence[Any], int], str]:
    cells = [_cell(c) for c in columns]
    pairs = list(enumerate(cells))
    letters = [_ref(i) for i in range(len(columns))]

    def row_xml(row: Sequence[Any], number: int) -> str:
        if None in row:  # empty cells are left out; the others then name their column
            return (
                "<row>"
                + "".join(
                    f(row[i], f' r="{letters[i]}{number}"') for i, f in pairs if row[i] is not None
                )
                + "</row>"
            )
        return "<row>" + "".join(f(row[i], "") for i, f in pairs) + "</row>"

    return row_xml


def _ref(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _sheet_head(columns: Sequence[Column]) -> str:
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{max(WIDTH[c.kind], len(c.title) + 2)}" customWidth="1"/>'
        for i, c in enumerate(columns, 1)
    )
    header = "".join(
        f'<c t="inlineStr" s="5"><is><t>{escape(c.title)}</t></is></c>' for c in columns
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"<cols>{widths}</cols><sheetData><row>{header}</row>"
    )


SHEET_TAIL = "</sheetData></worksheet>"

STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _package_parts(sheet_names: Sequence[str]) -> Iterable[tuple[str, str]]:
    sheets = "".join(
        f'<sheet name="{escape(name[:31], {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(sheet_names, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheet_names) + 1)
    )
    n = len(sheet_names)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    yield (
        "[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>',
    )
    yield (
        "_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    yield (
        "xl/workbook.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{sheets}</sheets></workbook>",
    )
    yield (
        "xl/_rels/workbook.xml.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'{rels}<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    )
    yield "xl/styles.xml", STYLES


class _SheetWriter:
    """One table's sheet(s): rows in, continued on "name (2)" past ``max_rows``."""

    def __init__(
        self, book: zipfile.ZipFile, names: list[str], table: Table, max_rows: int
    ) -> None:
        self.book, self.names, self.table, self.max_rows = book, names, table, max_rows
        self.row_xml = _row_writer(table.columns)
        self.part = 0
        self._open()

    def _open(self) -> None:
        self.part += 1
        name = self.table.name
        self.names.append(name[:31] if self.part == 1 else f"{name[:25]} ({self.part})")
        path = f"xl/worksheets/sheet{len(self.names)}.xml"
        self.handle: Any = self.book.open(path, "w", force_zip64=True)
        self.handle.write(_sheet_head(self.table.columns).encode())
        self.used = 1  # rows in this sheet, header included

    def write_rows(self, batch: Sequence[Sequence[Any]]) -> None:
        chunk: list[str] = []
        for row in batch:
            if self.used >= self.max_rows:
                self.handle.write("".join(chunk).encode())
                chunk = []
                self.close()
                self._open()
            self.used += 1
            chunk.append(self.row_xml(row, self.used))
        self.handle.write("".join(chunk).encode())

    def close(self) -> None:
        self.handle.write(SHEET_TAIL.encode())
        self.handle.close()


async def xlsx_chunks(
    tables: Sequence[Table], max_rows: int = EXCEL_MAX_ROWS
) -> AsyncIterator[bytes]:
    """The workbook as a byte stream: each table a sheet (or several past ``max_rows``)."""
    sink = _Sink()
    names: list[str] = []
    book = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    sheet: _SheetWriter | None = None
    writing: asyncio.Future[None] | None = None
    try:
        for table in tables:
            sheet = _SheetWriter(book, names, table, max_rows)
            async with contextlib.aclosing(prefetched(table.rows)) as batches:
                async for batch in batches:
                    # XML and deflate in a worker thread (zlib releases the GIL): the event
                    # loop keeps answering other requests while a large workbook is written
                    writing = asyncio.ensure_future(asyncio.to_thread(sheet.write_rows, batch))
                    await asyncio.shield(writing)
                    if sum(len(p) for p in sink.parts) >= FLUSH_BYTES:
                        yield sink.drain()
            sheet.close()
            sheet = None
            yield sink.drain()
        for name, xml in _package_parts(names):
            book.writestr(name, xml)
        book.close()
        yield sink.drain()
    finally:  # also when stopped half-way (client gone, error): close quietly
        try:
            if writing is not None:
                await settle(writing)  # the worker thread may still own the sheet
        finally:
            if sheet is not None:
                with contextlib.suppress(Exception):
                    sheet.close()
            if book.fp is not None:
                with contextlib.suppress(Exception):
                    book.close()
            sink.drain()
