"""GET /metrics: Prometheus text exposition (not in the OpenAPI document: it is for the
scraper, not for API clients)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.adapters.metrics import CONTENT_TYPE, render
from fuel_analytics.adapters.sqlalchemy.probe import observe_database
from fuel_analytics.entrypoints.container import resolved


async def metrics(request: Request) -> Response:
    """Checks the database first (``fuel_db_up``, within 2 s) and refreshes this worker's
    pool gauges, then renders every metric (all workers' in multiprocess mode)."""
    engine = await resolved(request.app.state.container.engine())
    await observe_database(engine)
    return Response(render(), media_type=CONTENT_TYPE)
