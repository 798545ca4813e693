"""Request bodies: size limit while streaming, media types, JSON and NDJSON decoding."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from fuel_analytics.domain.telemetry import UndecodableRow
from fuel_analytics.entrypoints.http.problems import ProblemError

JSON_TYPES = frozenset({"application/json"})
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is known to exceed ``limit`` bytes
    (from Content-Length, or while a chunked body streams in)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(
            413, f"the body is {int(declared)} bytes; the limit is {limit}: send smaller batches"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, f"the body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ProblemError(400, f"malformed JSON: {error}", field="body") from None


def decode_telemetry(request: Request, body: bytes) -> list[Any]:
    """The rows of a telemetry batch, from ``{"readings": [...]}`` or NDJSON."""
    kind = media_type(request)
    if kind in JSON_TYPES:
        document = decode_json(body)
        if not isinstance(document, dict):
            raise ProblemError(422, 'the body must be an object {"readings": [...]}', field="body")
        extra = sorted(k for k in document if k != "readings")
        if extra:
            raise ProblemError(422, f"unknown field {extra[0]!r}", field=extra[0])
        rows = document.get("readings")
        if not isinstance(rows, list):
            raise ProblemError(422, "readings must be a list of readings", field="readings")
        return rows
    if kind in NDJSON_TYPES:
        rows = []
        for line in body.splitlines():
            if not line.strip():
                continue
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError as error:
                rows.append(UndecodableRow(f"malformed JSON line: {error}"))
        return rows
    raise ProblemError(
        415,
        f"content type {kind or '(none)'!r} is not accepted: use application/json "
        "or application/x-ndjson",
        field="content-type",
    )
