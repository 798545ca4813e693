"""POST /api/v2/telemetry."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.entrypoints.http.auth import principal_of
from fuel_analytics.entrypoints.http.body import (
    JSON_TYPES,
    NDJSON_TYPES,
    decode_telemetry,
    media_type,
    read_limited,
)
from fuel_analytics.entrypoints.http.endpoints import Endpoint, json_response
from fuel_analytics.entrypoints.http.fast_telemetry import valid_readings
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.schemas import IngestResultOut, TelemetryBatchIn
from fuel_analytics.entrypoints.settings import Settings
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.keys import AuditTrail


@inject
async def ingest_telemetry(
    request: Request,
    ingest: IngestService = Provide["ingest_service"],
    settings: Settings = Provide["settings"],
    audit: AuditTrail = Provide["audit_trail"],
) -> Response:
    body = await read_limited(request, settings.max_body_bytes)
    caller = principal_of(request)
    # a valid JSON batch in one C pass; anything else row by row, with each row's reason
    readings = (
        valid_readings(body, ingest.clock.now(), ingest.rules, ingest.max_batch)
        if media_type(request) in JSON_TYPES
        else None
    )
    if readings is not None:
        outcome = await ingest.ingest_valid(readings, tenant=caller.tenant)
    else:
        outcome = await ingest.ingest(decode_telemetry(request, body), tenant=caller.tenant)
    await audit.record(
        caller,
        "telemetry.ingest",
        rows=outcome.received,
        detail=f"accepted={outcome.accepted} duplicates={outcome.duplicates} "
        f"rejected={len(outcome.rejected)}",
    )
    result = IngestResultOut.from_domain(outcome)
    if outcome.received and result.accepted == 0 and result.duplicates == 0:
        first = result.rejected[0]
        raise ProblemError(
            422,
            f"every reading was rejected; the first, at index {first.index}: "
            f"{first.field}: {first.reason}",
            field=first.field,
            **result.model_dump(),
        )
    return json_response(result)


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v2/telemetry",
        ingest_telemetry,
        "Ingest a batch of readings (JSON or NDJSON)",
        "telemetry",
        response=IngestResultOut,
        body=TelemetryBatchIn,
        body_media=("application/json", *sorted(NDJSON_TYPES)),
        errors=(400, 413, 415, 422, 503),
        description=(
            "Idempotent on (truck_id, ts): re-sending a batch stores nothing twice, so a failed "
            "batch can always be retried. Valid rows are stored in one transaction; invalid rows "
            "are listed in `rejected` with their index and reason. When every row is rejected "
            "the answer is 422 problem+json carrying the same counts."
        ),
        scope=Scope.INGEST,
    )
]
