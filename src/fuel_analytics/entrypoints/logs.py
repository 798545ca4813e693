"""Logging: one JSON object per line (or readable text on a terminal), each line of a request
carrying its request id.

The standard library's logging with a small orjson formatter: no extra dependency, and the
fields of a line are the record's own plus what the caller passed in ``extra``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from contextvars import ContextVar
from typing import Any, Literal

import orjson

LogFormat = Literal["auto", "json", "text"]

ACCESS_LOGGER = "fuel_analytics.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# what every LogRecord has: anything else on a record came from ``extra``
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or None outside a request) on every record, unless
    the record already carries one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


def utc_ms(created: float) -> str:
    """``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")``, the
    date and time part made once a second: a line per request made it a tenth of the
    access log's cost."""
    global _second
    micros = round(created * 1_000_000)  # what fromtimestamp rounds to, half to even
    second, micros = divmod(micros, 1_000_000)
    cached = _second  # one tuple, replaced whole: safe across threads
    if cached[0] != second:
        cached = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{cached[1]}.{micros // 1000:03d}+00:00"


_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "pid", "message", "request_id", ...extra, "exc_info"?}``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": utc_ms(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS:
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        return orjson.dumps(line, default=str).decode()


class AccessLog:
    """The access log's lines (one per request), as the logging module would write them.

    Through the logging module a line cost as much CPU as a whole cached answer (a record,
    the handlers' walk and locks, the formatter's generic field loop: 93,000 instructions
    of a /sensors request's ~270,000 outside the endpoint, counted by callgrind). When the
    only handler that would see the line is the service's own (a ``StreamHandler`` with
    :class:`JsonFormatter`, as ``logging_config`` sets up for JSON), the same line (same
    fields, same order) is made here and written to that handler's stream under its lock.
    Anything else (text format, a test's capture handler, a filter, a second handler) gets
    the record through the logging module, as before.
    """

    def __init__(self, name: str = ACCESS_LOGGER) -> None:
        self.logger = logging.getLogger(name)

    def direct_handler(self) -> logging.StreamHandler[Any] | None:
        """The one handler that would write an INFO line of this logger, when it is the
        service's own JSON handler and nothing else would see the record."""
        found: logging.StreamHandler[Any] | None = None
        logger: logging.Logger | None = self.logger
        while logger is not None:
            if logger.filters or logger.disabled:
                return None
            for handler in logger.handlers:
                if (
                    found is not None
                    or type(handler) is not logging.StreamHandler
                    or type(handler.formatter) is not JsonFormatter
                    or handler.level > logging.INFO
                    or any(type(f) is not RequestIdFilter for f in handler.filters)
                ):
                    return None
                found = handler
            if not logger.propagate:
                break
            logger = logger.parent
        return found

    def enabled(self) -> bool:
        """Whether an INFO line would be written (callers skip building one otherwise)."""
        return self.logger.isEnabledFor(logging.INFO)

    def write(self, message: str, fields: dict[str, Any]) -> None:
        """One INFO line: ``message`` plus ``fields`` (``request_id`` among them)."""
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        handler = self.direct_handler()
        if handler is None:
            record = logger.makeRecord(
                logger.name, logging.INFO, __file__, 0, message, (), None, extra=fields
            )
            logger.handle(record)
            return
        line = {
            "ts": utc_ms(time.time()),
            "level": "info",
            "logger": logger.name,
            "pid": os.getpid(),
            "message": message,
            "request_id": fields.get("request_id"),
        }
        line.update(fields)  # request_id stays where the formatter puts it
        text = orjson.dumps(line, default=str).decode() + "\n"
        with handler.lock:  # type: ignore[union-attr]  # created in Handler.__init__
            handler.stream.write(text)
            handler.flush()


def use_json(log_format: LogFormat, stream: Any = None) -> bool:
    """JSON unless asked for text, or ``auto`` and the stream is a terminal."""
    if log_format != "auto":
        return log_format == "json"
    isatty = getattr(stream if stream is not None else sys.stderr, "isatty", None)
    return not (callable(isatty) and isatty())


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service, also handed to uvicorn (which applies
    it in every worker process): our handler on the root logger, uvicorn's loggers through
    it, uvicorn's access log off (the service writes its own, ``fuel_analytics.access``)."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if use_json(log_format) else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"service": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "service",
                "filters": ["request_id"],
            },
            "discard": {"class": "logging.NullHandler"},
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": ["discard"], "propagate": False},
        },
    }
