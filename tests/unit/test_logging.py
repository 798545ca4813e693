"""The log formatter, the request id filter, the choice of format, the logging config handed to
uvicorn, and the request id a client may give."""

from __future__ import annotations

import io
import logging
import logging.config
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.routing import Mount, Route

from fuel_analytics.entrypoints.http.observe import (
    UNMATCHED,
    accepted_request_id,
    route_template,
)
from fuel_analytics.entrypoints.logs import (
    AccessLog,
    JsonFormatter,
    RequestIdFilter,
    logging_config,
    request_id,
    use_json,
    utc_ms,
)


def record(message: str = "hello %s", *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord(
        "fuel_analytics.test", logging.WARNING, __file__, 1, message, args, None
    )
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_the_standard_fields_and_the_extras() -> None:
    line = orjson.loads(JsonFormatter().format(record("hello %s", "world", route="/x", status=201)))
    assert line["message"] == "hello world"
    assert line["level"] == "warning"
    assert line["logger"] == "fuel_analytics.test"
    assert line["ts"].endswith("+00:00")
    assert line["request_id"] is None
    assert (line["route"], line["status"]) == ("/x", 201)
    assert "args" not in line
    assert "msg" not in line
    assert "exc_info" not in line


def test_a_json_line_carries_the_traceback_and_any_value_as_text() -> None:
    try:
        raise ValueError("bad value")
    except ValueError:
        failed = record("failed", when=object)
        failed.exc_info = sys.exc_info()
    line = orjson.loads(JsonFormatter().format(failed))
    assert "ValueError: bad value" in line["exc_info"]
    assert line["when"] == str(object)


def test_the_request_id_filter_takes_the_current_request_id() -> None:
    outside = record()
    assert RequestIdFilter().filter(outside)
    assert outside.request_id is None  # type: ignore[attr-defined]
    token = request_id.set("r-7")
    try:
        inside = record()
        RequestIdFilter().filter(inside)
        given = record(request_id="r-explicit")
        RequestIdFilter().filter(given)
    finally:
        request_id.reset(token)
    assert inside.request_id == "r-7"  # type: ignore[attr-defined]
    assert given.request_id == "r-explicit"  # type: ignore[attr-defined]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_is_text_on_a_terminal_and_json_elsewhere() -> None:
    assert use_json("auto", Terminal()) is False
    assert use_json("auto", io.StringIO()) is True
    assert use_json("json", Terminal()) is True
    assert use_json("text", io.StringIO()) is False


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """dictConfig replaces the root logger's handlers: put them back after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = {n: logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    saved = {n: (lg.handlers[:], lg.level, lg.propagate) for n, lg in loggers.items()}
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, (old, old_level, propagate) in saved.items():
            loggers[name].handlers[:] = old
            loggers[name].setLevel(old_level)
            loggers[name].propagate = propagate


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize(("log_format", "json_lines"), [("json", True), ("text", False)])
def test_the_logging_config_writes_every_logger_through_one_handler(
    monkeypatch: pytest.MonkeyPatch, log_format: str, json_lines: bool
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    logging.config.dictConfig(logging_config("warning", log_format))  # type: ignore[arg-type]
    assert logging.getLogger().level == logging.WARNING
    token = request_id.set("r-9")
    try:
        logging.getLogger("fuel_analytics.http").warning("slow: %d ms", 12)
        logging.getLogger("uvicorn.error").error("worker died")
        logging.getLogger("fuel_analytics.access").info("below the level: dropped")
        logging.getLogger("uvicorn.access").warning("uvicorn's access log: off")
    finally:
        request_id.reset(token)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    if json_lines:
        first, second = (orjson.loads(line) for line in lines)
        assert (first["message"], first["request_id"]) == ("slow: 12 ms", "r-9")
        assert (second["logger"], second["level"]) == ("uvicorn.error", "error")
    else:
        assert lines[0].endswith("WARNING fuel_analytics.http [r-9]: slow: 12 ms")
        assert lines[1].endswith("ERROR uvicorn.error [r-9]: worker died")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (b"abc-123", True),
        (b"A" * 128, True),
        (b"!~#$%&'()*+,-./:;<=>?@[]^_`{|}", True),
        (b"A" * 129, False),
        (b"", False),
        (b"two words", False),
        (b"tab\there", False),
        (b"caf\xe9", False),
        (b"line\nbreak", False),
    ],
)
def test_a_request_id_is_kept_only_when_short_and_printable(given: bytes, kept: bool) -> None:
    chosen = accepted_request_id(given)
    assert (chosen == given.decode("latin-1")) is kept
    if not kept:
        assert len(chosen) == 32
        int(chosen, 16)


def test_a_request_id_is_made_when_none_is_given() -> None:
    first, second = accepted_request_id(None), accepted_request_id(None)
    assert first != second
    assert len(first) == 32


async def endpoint() -> None:  # pragma: no cover - never called
    return None


def test_the_route_label_is_the_template_never_the_path() -> None:
    route = Route("/api/v2/trucks/{truck_id}", endpoint)
    mount = Mount("/docs/assets", routes=[])
    assert (
        route_template({"route": route, "path": "/api/v2/trucks/T1"}) == "/api/v2/trucks/{truck_id}"
    )
    assert route_template({"route": mount, "path": "/docs/assets/x.js"}) == "/docs/assets/{path}"
    assert route_template({"path": "/nowhere"}) == UNMATCHED


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))  # up to 2100
def test_the_timestamp_is_the_isoformat_of_the_instant(created: float) -> None:
    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    assert utc_ms(created) == expected


def test_the_timestamp_follows_the_clock_across_seconds() -> None:
    for created in (1_700_000_000.9996, 1_700_000_001.0, 1_699_999_999.5, 1_700_000_000.9999995):
        expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        assert utc_ms(created) == expected


ACCESS_FIELDS = {
    "method": "GET",
    "route": "/api/v2/trucks/{truck_id}",
    "path": "/api/v2/trucks/T-1%20x",
    "status": 200,
    "duration_ms": 0.251,
    "request_id": "r-1",
    "key_id": None,
}


@pytest.mark.usefixtures("restored_logging")
def test_the_direct_access_line_is_the_line_logging_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    logging.config.dictConfig(logging_config("info", "json"))
    access = AccessLog()
    assert access.direct_handler() is logging.getLogger().handlers[0]
    access.write("GET /api/v2/trucks/T-1%20x 200 0.3 ms", dict(ACCESS_FIELDS))
    # the same line through the logging module: a filter on the logger forces that path
    access.logger.addFilter(lambda record: True)
    try:
        assert access.direct_handler() is None
        access.write("GET /api/v2/trucks/T-1%20x 200 0.3 ms", dict(ACCESS_FIELDS))
    finally:
        access.logger.filters.clear()
    direct, through_logging = (orjson.loads(line) for line in stream.getvalue().splitlines())
    assert list(direct) == list(through_logging)  # same fields, same order
    direct.pop("ts")
    through_logging.pop("ts")
    assert direct == through_logging
    assert direct["message"] == "GET /api/v2/trucks/T-1%20x 200 0.3 ms"  # no % formatting


@pytest.mark.usefixtures("restored_logging")
def test_another_handler_gets_the_access_line_through_logging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    logging.config.dictConfig(logging_config("info", "json"))
    access = AccessLog()
    captured: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.emit = captured.append  # type: ignore[method-assign]
    logging.getLogger("fuel_analytics").addHandler(capture)
    try:
        assert access.direct_handler() is None
        access.write("GET / 200 0.1 ms", dict(ACCESS_FIELDS))
    finally:
        logging.getLogger("fuel_analytics").removeHandler(capture)
    (record,) = captured
    assert (record.getMessage(), record.status) == ("GET / 200 0.1 ms", 200)  # type: ignore[attr-defined]
    assert sys.stderr.getvalue().count("\n") == 1  # and the service's handler once


@pytest.mark.usefixtures("restored_logging")
def test_text_lines_and_a_raised_level_go_through_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    logging.config.dictConfig(logging_config("info", "text"))
    access = AccessLog()
    assert access.direct_handler() is None
    access.write("GET / 200 0.1 ms", dict(ACCESS_FIELDS))
    assert stream.getvalue().rstrip().endswith("INFO fuel_analytics.access [r-1]: GET / 200 0.1 ms")
    logging.config.dictConfig(logging_config("warning", "json"))
    access.write("GET / 200 0.1 ms", dict(ACCESS_FIELDS))
    assert stream.getvalue().count("\n") == 1
