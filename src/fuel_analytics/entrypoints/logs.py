"""Logging: one JSON object per line (or readable text on a terminal), each line of a request
carrying its request id.

The standard library's logging with a small orjson formatter: no extra dependency, and the
fields of a line are the record's own plus what the caller passed in ``extra``.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
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


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "pid", "message", "request_id", ...extra, "exc_info"?}``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS:
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        return orjson.dumps(line, default=str).decode()


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
