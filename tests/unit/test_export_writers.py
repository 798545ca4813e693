"""The export writers (CSV and XLSX) on tables built in memory, no database.

What a reader of the file must get back: CSV parsed with the csv module, XLSX opened with
openpyxl (both its full and its read-only reader). And what the server must never do: hold a
whole export before sending it (rows arrive in batches from an async iterator; chunks must
leave while the rows are still being produced).
"""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import itertools
import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import openpyxl
import pytest

from fuel_analytics.adapters.exports.csv_writer import csv_chunks
from fuel_analytics.adapters.exports.xlsx_writer import xlsx_chunks
from fuel_analytics.domain.export import Column, Table

T0 = datetime(2026, 1, 5, 14, 2, tzinfo=UTC)

COLUMNS = (
    Column("truck_id", "text"),
    Column("ts", "datetime"),
    Column("fuel_level_pct", "number", "%"),
    Column("readings", "integer"),
    Column("harsh_brake", "bool"),
    Column("day", "date"),
    Column("note", "text"),
)
# floats that a formatter with too few digits would not give back
FLOATS = (0.1 + 0.2, 1 / 3, 1e-300, 123456789.12345679, 5e-324, -0.0, 2.5e16, 57.123456789012)
SPECIALS = (
    '<tag attr="x"> & &amp; </tag>',
    "quotes \" and ' apostrophes",
    "comma, separated, text",
    "line one\nline two",
    "emoji 🚚⛽ and ümlauts, °F",
    "  leading and trailing spaces  ",
    "]]> <![CDATA[ x ]]>",
)


async def batches(rows: Sequence[Sequence[Any]], size: int = 2) -> AsyncIterator[Sequence[Any]]:
    for lo in range(0, len(rows), size):
        yield rows[lo : lo + size]


def table(rows: Sequence[Sequence[Any]], name: str = "readings", size: int = 2) -> Table:
    return Table(name, COLUMNS, batches(rows, size))


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def csv_of(t: Table) -> list[list[str]]:
    data = await collect(csv_chunks(t))
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


async def workbook(tables: list[Table], *, read_only: bool = False, **kw: Any) -> Any:
    data = await collect(xlsx_chunks(tables, **kw))
    return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)


def sheet_rows(ws: Any, width: int) -> list[tuple[Any, ...]]:
    """Every row padded to the table's width: the read-only reader leaves out the empty cells
    at the end of a row (the sheet carries no dimension), an empty cell is None either way."""
    return [tuple(row) for row in ws.iter_rows(max_col=width, values_only=True)]


def sample_rows() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for i, value in enumerate(FLOATS):
        rows.append(
            (
                f"T{i}",
                T0 + timedelta(minutes=i),
                value,
                i * 1_000_003,
                i % 2 == 0,
                date(2026, 1, 1 + i),
                SPECIALS[i % len(SPECIALS)],
            )
        )
    # empty cells at the start, in the middle and in the last column
    rows.append((None, T0, None, 7, None, None, "middle cells empty"))
    rows.append((None, None, None, None, None, None, None))  # a row of nothing stays a row
    rows.append(("T-last", T0, 12.5, 0, False, date(2026, 2, 1), None))
    return rows


# ---- CSV -------------------------------------------------------------------------------------


async def test_csv_header_names_the_columns_with_their_units() -> None:
    header, *rows = await csv_of(table([]))
    assert header == [
        "truck_id",
        "ts",
        "fuel_level_pct (%)",
        "readings",
        "harsh_brake",
        "day",
        "note",
    ]
    assert rows == []


async def test_csv_gives_every_value_back_exactly() -> None:
    rows = sample_rows()
    header, *lines = await csv_of(table(rows))
    assert len(header) == len(COLUMNS)
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        assert len(line) == len(COLUMNS), line
        truck, ts, level, count, flag, day, note = row
        assert line[0] == ("" if truck is None else truck)
        assert line[1] == ("" if ts is None else ts.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if level is None:
            assert line[2] == ""
        else:  # the shortest text that gives the same float back, never a rounded one
            assert float(line[2]) == level
            assert line[2] == repr(level)
        assert line[3] == ("" if count is None else str(count))
        assert line[4] == {None: "", True: "true", False: "false"}[flag]
        assert line[5] == ("" if day is None else day.isoformat())
        assert line[6] == ("" if note is None else note)  # commas, quotes, newlines: escaped
    assert repr(-0.0) in {line[2] for line in lines}


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        pytest.param(datetime(2026, 1, 5, 14, 2, tzinfo=UTC), "2026-01-05T14:02:00Z", id="utc"),
        pytest.param(
            datetime(2026, 1, 5, 16, 2, 30, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-05T14:02:30Z",
            id="offset",
        ),
        pytest.param(datetime(2026, 1, 5, 14, 2), "2026-01-05T14:02:00Z", id="naive-is-utc"),
        pytest.param(
            datetime(2026, 1, 5, 14, 2, 0, 250000, tzinfo=UTC),
            "2026-01-05T14:02:00.250000Z",
            id="fraction",
        ),
    ],
)
async def test_csv_timestamps_are_rfc3339_utc_with_z(moment: datetime, text: str) -> None:
    _, line = await csv_of(table([("T1", moment, None, None, None, None, None)]))
    assert line[1] == text
    assert datetime.fromisoformat(line[1]) == (
        moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    )


async def test_csv_text_is_read_back_identically_by_the_csv_module() -> None:
    texts = [
        *SPECIALS,
        "windows\r\nline end",
        '"quoted at both ends"',
        ",",
        '"',
        "{R}",
        "=1+2",
    ]
    rows = [("T1", T0, 1.0, 1, True, None, text) for text in texts]
    _, *lines = await csv_of(table(rows, size=3))
    assert [line[6] for line in lines] == texts
    assert all(len(line) == len(COLUMNS) for line in lines)


async def test_csv_text_with_a_lone_carriage_return_stays_one_field() -> None:
    """Regression: the writer ends its lines with a bare line feed, and Python's csv module quotes a
    field only for the characters of the line terminator: a carriage return alone (a driver
    id may hold one) is written unquoted, and CSV readers (csv, Excel) end the row there."""
    texts = ["a lone \r return", "end\r", "ok"]
    rows = [("T1", T0, 1.0, 1, True, None, text) for text in texts]
    _, *lines = await csv_of(table(rows))
    assert [len(line) for line in lines] == [len(COLUMNS)] * len(texts)
    assert [line[6] for line in lines] == texts


async def test_csv_header_comes_before_any_row_is_read() -> None:
    produced: list[int] = []

    async def rows() -> AsyncIterator[Sequence[Any]]:
        produced.append(1)
        yield [("T1", T0, 1.0, 1, True, None, "x")]

    chunks = csv_chunks(Table("readings", COLUMNS, rows()))
    first = await anext(chunks)
    assert first.decode().startswith("truck_id,ts,")
    assert produced == []  # the download starts before the database is asked for a row
    rest = await collect(chunks)
    assert produced == [1]
    assert rest.decode().startswith("T1,")


# ---- XLSX ------------------------------------------------------------------------------------


def expected_cell(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "datetime":  # naive UTC in the file
        return value.astimezone(UTC).replace(tzinfo=None)
    if column.kind == "date":  # openpyxl reads a date-formatted number as a datetime
        return datetime(value.year, value.month, value.day)
    return value


@pytest.mark.parametrize("read_only", [False, True], ids=["full", "read-only"])
async def test_xlsx_gives_every_value_back(read_only: bool) -> None:
    rows = sample_rows()
    book = await workbook([table(rows)], read_only=read_only)
    assert book.sheetnames == ["readings"]
    ws = book["readings"]
    header, *got = sheet_rows(ws, len(COLUMNS))
    assert header == tuple(c.title for c in COLUMNS)
    assert header[2] == "fuel_level_pct (%)"
    assert len(got) == len(rows)
    for line, row in zip(got, rows, strict=True):
        assert line == tuple(expected_cell(c, v) for c, v in zip(COLUMNS, row, strict=True))
        # numbers are numeric cells (not text), booleans booleans
        for column, cell, value in zip(COLUMNS, line, row, strict=True):
            if value is None:
                assert cell is None
            elif column.kind == "number":
                assert type(cell) is float
                assert cell == value
            elif column.kind == "integer":
                assert type(cell) is int
            elif column.kind == "bool":
                assert type(cell) is bool
    assert got[-2] == (None,) * len(COLUMNS)
    assert got[-1][-1] is None
    book.close()


async def test_xlsx_datetimes_keep_the_instant_in_utc() -> None:
    moments = [
        datetime(2026, 1, 5, 16, 2, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 1, 5, 9, 2, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 1, 5, 14, 2, 30),  # naive: already UTC
        datetime(2026, 1, 5, 14, 2, 30, 500000, tzinfo=UTC),  # milliseconds survive
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ]
    rows = [("T1", m, None, None, None, None, None) for m in moments]
    ws = (await workbook([table(rows)]))["readings"]
    got = [r[1] for r in sheet_rows(ws, len(COLUMNS))[1:]]
    assert got == [
        datetime(2026, 1, 5, 14, 2, 30),
        datetime(2026, 1, 5, 14, 2, 30),
        datetime(2026, 1, 5, 14, 2, 30),
        datetime(2026, 1, 5, 14, 2, 30, 500000),
        datetime(1999, 12, 31, 23, 59, 59),
    ]
    assert ws.cell(row=2, column=2).is_date


async def test_xlsx_text_with_xml_specials_and_emoji_is_intact() -> None:
    rows = [("T1", T0, 1.0, 1, True, None, text) for text in SPECIALS]
    for read_only in (False, True):
        book = await workbook([Table("readings", COLUMNS, batches(rows))], read_only=read_only)
        got = [r[6] for r in sheet_rows(book["readings"], len(COLUMNS))[1:]]
        assert got == list(SPECIALS)
        book.close()


async def test_xlsx_text_that_looks_like_the_row_placeholder_is_kept() -> None:
    """Regression: the writer marks the row number of cells it must address (rows with an empty
    cell) with the placeholder "{R}" and replaces it in the whole row's XML, text included,
    whether or not the row had an empty cell: a driver id "{R}" becomes "3"."""
    texts = ["{R}", "driver {R} x", "{R}{R}"]
    rows = [("T1", T0, 1.0, 1, True, None, t) for t in texts]  # no empty cell
    rows += [("T1", T0, None, 1, True, None, t) for t in texts]  # an empty cell
    ws = (await workbook([table(rows)]))["readings"]
    got = [r[6] for r in sheet_rows(ws, len(COLUMNS))[1:]]
    assert got == texts + texts


async def test_xlsx_text_with_control_characters_keeps_the_workbook_readable() -> None:
    """Regression: characters XML 1.0 forbids (U+0000-U+001F but tab, LF, CR) are written as they
    are, so the workbook is not well-formed and neither Excel nor openpyxl opens it. A driver
    id is any 1-64 characters, so a gateway can send one. Excel writes them as _xHHHH_."""
    texts = ["bell\x07", "unit\x1fsep", "nul\x00x", "ok"]
    rows = [("T1", T0, 1.0, 1, True, None, t) for t in texts]
    ws = (await workbook([table(rows)]))["readings"]
    got = [r[6] for r in sheet_rows(ws, len(COLUMNS))[1:]]
    assert len(got) == len(texts)
    for text, cell in zip(texts, got, strict=True):
        printable = "".join(ch for ch in text if ch >= " ")
        for code in range(32):  # Excel's own escape is fine, and so is dropping the character
            cell = cell.replace(f"_x{code:04X}_", "").replace(chr(code), "")
        assert cell == printable


async def test_xlsx_sheet_names_with_xml_specials_are_kept() -> None:
    """Regression: sheet names go into an XML attribute escaped for element text only: a '"' in a
    table's name breaks workbook.xml (Excel allows '"' in sheet names)."""
    names = ['fuel "A" & <B>', "plain"]
    tables = [
        Table(name, COLUMNS, batches([("T1", T0, 1.0, 1, True, None, "x")])) for name in names
    ]
    book = await workbook(tables)
    assert book.sheetnames == names


async def test_xlsx_sheet_layout_frozen_header_and_column_widths() -> None:
    ws = (await workbook([table(sample_rows())]))["readings"]
    assert ws.freeze_panes == "A2"
    for index, column in enumerate(COLUMNS, 1):
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width
        assert width >= len(column.title), (column, width)
        assert width >= 8
    assert ws.column_dimensions["B"].width >= len("2026-01-05 14:02:00")  # datetimes fit
    header = [ws.cell(row=1, column=i).font.b for i in range(1, len(COLUMNS) + 1)]
    assert all(header)


async def test_xlsx_a_full_sheet_continues_on_a_new_one() -> None:
    """max_rows counts the header: 5 rows a sheet is a header and 4 rows, every part
    repeating the header; empty cells land in their own row on every part."""
    rows = [
        (f"T{i}", T0 + timedelta(minutes=i), None if i % 3 == 0 else float(i), i, None, None, "x")
        for i in range(11)
    ]
    for read_only in (False, True):
        book = await workbook([table(rows, size=3)], read_only=read_only, max_rows=5)
        assert book.sheetnames == ["readings", "readings (2)", "readings (3)"]
        parts = [sheet_rows(book[name], len(COLUMNS)) for name in book.sheetnames]
        assert [len(p) for p in parts] == [5, 5, 4]
        assert all(p[0] == tuple(c.title for c in COLUMNS) for p in parts)
        got = [line for part in parts for line in part[1:]]
        assert got == [
            tuple(expected_cell(c, v) for c, v in zip(COLUMNS, row, strict=True)) for row in rows
        ]
        book.close()


async def test_xlsx_tables_are_sheets_in_order_each_continued_in_place() -> None:
    one = [("A", T0, 1.0, 1, True, None, "first")] * 6
    two: list[tuple[Any, ...]] = []  # an empty table is a header-only sheet
    three = [("C", T0, None, 3, None, None, None)] * 2
    long_name = "a sheet name longer than thirty-one characters"
    tables = [
        Table("fleet summary", COLUMNS, batches(one)),
        Table("fuel events", COLUMNS, batches(two)),
        Table(long_name, COLUMNS, batches(three * 3)),
    ]
    book = await workbook(tables, max_rows=5)
    assert book.sheetnames == [
        "fleet summary",
        "fleet summary (2)",
        "fuel events",
        long_name[:31],
        f"{long_name[:25]} (2)",
    ]
    sizes = [len(sheet_rows(book[name], len(COLUMNS))) - 1 for name in book.sheetnames]
    assert sizes == [4, 2, 0, 4, 2]
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert book["fleet summary (2)"]["G3"].value == "first"
    assert book[long_name[:31]]["C2"].value is None
    assert book[long_name[:31]]["D2"].value == 3


# ---- streaming: nothing waits for the whole export -------------------------------------------

STREAM_ROWS = 200_000
STREAM_BATCH = 2_000  # the export's batch (services.exports.EXPORT_BATCH)
# how far the output may lag the rows, in batches: the CSV writer sends a chunk per batch;
# the XLSX writer holds up to 256 KiB of compressed sheet (about 6,000 of these rows)
LAG_BATCHES = 4
READING_COLUMNS = (
    Column("truck_id", "text"),
    Column("ts", "datetime"),
    *(
        Column(name, "number", unit)
        for name, unit in (
            ("fuel_level_pct", "%"),
            ("fuel_rate_gph", "gal/h"),
            ("total_fuel_gal", "gal"),
            ("speed_mph", "mph"),
            ("rpm", "rpm"),
            ("odometer_mi", "mi"),
            ("engine_hours", "h"),
            ("coolant_temp_f", "°F"),
            ("oil_pressure_psi", "psi"),
            ("battery_voltage", "V"),
            ("def_level_pct", "%"),
            ("lat", "°"),
            ("lon", "°"),
        )
    ),
)


class Producer:
    """Rows as the database gives them: batch after batch, each one noted in a shared log
    in which the writer's chunks are noted too, so the order of both can be checked."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        rnd = random.Random(7)
        self.batch = [
            (
                f"T{i % 50}",
                T0 + timedelta(seconds=30 * i),
                *(round(rnd.uniform(0, 100), 2) for _ in READING_COLUMNS[2:]),
            )
            for i in range(STREAM_BATCH)
        ]

    async def rows(self) -> AsyncIterator[Sequence[Any]]:
        for _ in range(STREAM_ROWS // STREAM_BATCH):
            self.log.append("batch")
            yield self.batch


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_writer_sends_chunks_while_the_rows_are_still_being_produced(kind: str) -> None:
    log: list[str] = []
    producer = Producer(log)
    t = Table("readings", READING_COLUMNS, producer.rows())
    chunks = csv_chunks(t) if kind == "csv" else xlsx_chunks([t])
    sizes: list[int] = []
    async for chunk in chunks:
        log.append("chunk")
        sizes.append(len(chunk))
    total_batches = STREAM_ROWS // STREAM_BATCH
    assert log.count("batch") == total_batches

    produced_before = []  # batches produced when each chunk was yielded
    seen = 0
    for entry in log:
        if entry == "batch":
            seen += 1
        else:
            produced_before.append(seen)
    assert produced_before[0] <= LAG_BATCHES, produced_before  # the first chunk does not wait
    # chunks keep coming while the rows are produced, not all of them at the end
    during = [n for n in produced_before if n < total_batches]
    assert len(during) >= total_batches // 4, produced_before
    gaps = [b - a for a, b in itertools.pairwise(produced_before)]
    assert max(gaps) <= LAG_BATCHES, produced_before
    # no chunk is the export: each one is a bounded part of it
    assert sum(sizes) > 5 * 1024 * 1024
    assert max(sizes) < 2 * 1024 * 1024, max(sizes)


async def test_a_streamed_workbook_is_complete_and_readable() -> None:
    """The big workbook of the streaming test, read back: every row is there, in order."""
    log: list[str] = []
    producer = Producer(log)
    rows = producer.batch[:1000]

    async def few() -> AsyncIterator[Sequence[Any]]:
        for lo in range(0, len(rows), 100):
            yield rows[lo : lo + 100]

    book = await workbook([Table("readings", READING_COLUMNS, few())], read_only=True)
    got = sheet_rows(book["readings"], len(READING_COLUMNS))[1:]
    assert got == [
        tuple(expected_cell(c, v) for c, v in zip(READING_COLUMNS, row, strict=True))
        for row in rows
    ]
    book.close()


async def endless() -> AsyncIterator[Sequence[Any]]:
    """Rows that keep coming: an export a client leaves half-way."""
    batch = [
        ("T1", T0 + timedelta(seconds=i), i / 7, i, True, None, f"note {i}") for i in range(2_000)
    ]
    while True:
        yield batch
        await asyncio.sleep(0)


def stream_of(kind: str) -> AsyncIterator[bytes]:
    t = Table("readings", COLUMNS, endless())
    return csv_chunks(t) if kind == "csv" else xlsx_chunks([t])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_stream_closed_half_way_closes_cleanly(kind: str) -> None:
    """What a server does when its client goes away: close the stream. Regression (xlsx): the
    workbook's ZipFile is closed while the sheet's write handle is still open, so aclose()
    raises ValueError ("Can't close the ZIP file while there is an open writing handle"),
    and ZipFile.__del__ raises it again when the stream is collected."""
    chunks = stream_of(kind)
    assert await anext(chunks)
    assert await anext(chunks)
    error = None
    try:
        await chunks.aclose()
    except Exception as raised:  # noted, so that nothing keeps the stream alive
        error = repr(raised)
    del chunks
    gc.collect()  # what the stream left behind complains here, not in another test
    assert error is None


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_stream_cancelled_half_way_ends_cancelled(kind: str) -> None:
    """A server cancels the task that streams (Starlette does on a disconnect): the task must
    end cancelled. Regression (xlsx): the ValueError of ZipFile.close replaces the cancellation."""
    received: list[int] = []

    async def consume() -> None:
        async for chunk in stream_of(kind):
            received.append(len(chunk))

    task = asyncio.create_task(consume())
    for _ in range(500):
        if len(received) >= 2 or task.done():
            break
        await asyncio.sleep(0.01)
    assert len(received) >= 2
    task.cancel()
    outcome = "finished"
    try:
        await task
    except BaseException as raised:  # noted, so that nothing keeps the stream alive
        outcome = repr(raised)
    del task
    gc.collect()
    assert outcome == "CancelledError()"


class Source:
    """Rows from something that must be given back (a database connection): ``open`` until
    the generator is closed."""

    def __init__(self) -> None:
        self.open = False

    async def rows(self) -> AsyncIterator[Sequence[Any]]:
        self.open = True
        try:
            async for batch in endless():
                yield batch
        finally:
            await asyncio.sleep(0.01)  # giving a connection back is a round trip
            self.open = False


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_closing_a_stream_half_way_closes_its_rows_at_once(kind: str) -> None:
    """Not when the garbage collector finds them: the source holds a pooled connection."""
    source = Source()
    t = Table("readings", COLUMNS, source.rows())
    chunks = csv_chunks(t) if kind == "csv" else xlsx_chunks([t])
    assert await anext(chunks)
    assert await anext(chunks)
    assert source.open
    await chunks.aclose()  # type: ignore[attr-defined]
    assert not source.open


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_cancelling_a_stream_again_and_again_still_closes_its_rows(kind: str) -> None:
    """What anyio does to a task in a cancelled scope (Starlette's disconnect): a cancellation
    at every await, also during clean-up. The rows are closed all the same."""
    source = Source()
    t = Table("readings", COLUMNS, source.rows())
    received: list[int] = []

    async def consume() -> None:
        async for chunk in csv_chunks(t) if kind == "csv" else xlsx_chunks([t]):
            received.append(len(chunk))

    task = asyncio.create_task(consume())
    for _ in range(1_000):
        if len(received) >= 2 or task.done():
            break
        await asyncio.sleep(0.005)
    assert len(received) >= 2
    for _ in range(20):  # keep cancelling while it cleans up
        task.cancel()
        await asyncio.sleep(0.001)
        if task.done():
            break
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):  # the source's clean-up runs in a task of its own
        if not source.open:
            break
        await asyncio.sleep(0.005)
    assert not source.open
