"""RFC 9457 problem+json for every error, from one table. No stack traces to clients."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.errors import (
    BatchTooLarge,
    DomainError,
    InvalidField,
    NotFound,
    NotPermitted,
    SchemaOutOfDate,
    StorageUnavailable,
    UnknownTruckRejected,
)

logger = logging.getLogger("fuel_analytics.http")

PROBLEM_TYPE_BASE = "urn:fuel-analytics:problem:"
RETRY_AFTER_S = 5

STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (NotPermitted, 403),
    (InvalidField, 422),
    (UnknownTruckRejected, 422),
    (BatchTooLarge, 413),
    (StorageUnavailable, 503),
    (SchemaOutOfDate, 503),
)

TITLES = {
    201: "Created",
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemError(Exception):
    """An HTTP-level problem raised by the entrypoint itself (bad body, wrong media type)."""

    def __init__(self, status: int, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.extra = extra


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    title = title or TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    body.update(extra)
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def status_for(error: DomainError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = status_for(exc)
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    if status >= 500:
        logger.warning("%s %s -> %d: %s", request.method, request.url.path, status, exc.detail)
    return problem(status, exc.detail, title=exc.title, field=exc.field, headers=headers)


async def problem_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem(exc.status, exc.detail, field=exc.field, **exc.extra)


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    errors = [
        {"field": _field_path(e["loc"]), "reason": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    first = errors[0] if errors else {"field": "body", "reason": "invalid"}
    return problem(422, f"{first['field']}: {first['reason']}", field=first["field"], errors=errors)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if exc.detail != TITLES.get(exc.status_code) else None
    if exc.status_code == 404:
        detail = detail if detail and detail != "Not Found" else f"no route for {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem(exc.status_code, str(detail or exc.detail), headers=exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "the server failed to answer this request; it has been logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    ProblemError: problem_error,
    ValidationError: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
