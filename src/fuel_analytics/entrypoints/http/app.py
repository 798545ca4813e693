"""The Starlette application: routes from the endpoint descriptors, problem+json errors,
a lifespan that opens the database pool, checks the schema and disposes the pool."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
import swagger_ui_bundle
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from fuel_analytics.adapters import metrics as prometheus
from fuel_analytics.adapters.sqlalchemy.schema import ensure_current
from fuel_analytics.entrypoints.container import (
    Container,
    build_container,
    resolved,
    start,
    stop,
)
from fuel_analytics.entrypoints.http.auth import TokenBuckets, guarded
from fuel_analytics.entrypoints.http.dashboard import dashboard_routes
from fuel_analytics.entrypoints.http.endpoints import Endpoint, Hot
from fuel_analytics.entrypoints.http.observe import ObservedStarlette
from fuel_analytics.entrypoints.http.openapi import DOCS_INIT_JS, openapi_document
from fuel_analytics.entrypoints.http.problems import EXCEPTION_HANDLERS
from fuel_analytics.entrypoints.http.routes import (
    admin,
    components,
    exports,
    fleet,
    fuel,
    metrics,
    system,
    telemetry,
    trips,
    trucks,
)

logger = logging.getLogger("fuel_analytics")

ROUTE_MODULES = (telemetry, trucks, fuel, components, trips, fleet, exports, admin, system)
ENDPOINTS: tuple[Endpoint, ...] = tuple(ep for module in ROUTE_MODULES for ep in module.ENDPOINTS)
# matched first: Starlette tries routes in order, and the fleet summary was 22nd (a regex
# match each, about a fifth of a cached summary answer's CPU). No two API paths overlap,
# so the order changes nothing else.
# how long shutdown waits for the recompute batch under way before it cancels it
WORKER_STOP_S = 5.0
HOT_PATHS = frozenset(
    {"/api/v2/trucks/{truck_id}/sensors", "/api/v2/fleet/summary", "/api/v2/trucks/{truck_id}/fuel"}
)


async def _docs_init(request: Request) -> Response:
    return PlainTextResponse(DOCS_INIT_JS, media_type="application/javascript")


def _routes(container: Container) -> list[BaseRoute]:
    """The API behind its scopes (unless FUEL_AUTH=off); the document, the docs, /metrics
    and the dashboard's files are public."""
    settings = container.settings()
    buckets = TokenBuckets(settings.rate_limit_per_s, settings.rate_limit_burst)
    auth = settings.auth == "on"
    routes: list[BaseRoute] = [
        Route(
            ep.path,
            guarded(ep, container, buckets) if auth else ep.handler,
            methods=[ep.method],
            name=ep.handler.__name__,
        )
        for ep in sorted(ENDPOINTS, key=lambda ep: ep.path not in HOT_PATHS)
    ]
    routes += [
        Route("/openapi.json", system.openapi_json, methods=["GET"]),
        Route("/metrics", metrics.metrics, methods=["GET"], include_in_schema=False),
        Route("/docs", system.docs, methods=["GET"]),
        Route("/docs/assets/docs-init.js", _docs_init, methods=["GET"]),
        Mount(
            "/docs/assets",
            app=StaticFiles(directory=Path(swagger_ui_bundle.swagger_ui_path)),
            name="docs-assets",
        ),
    ]
    routes += dashboard_routes()
    return routes


def create_app(container: Container | None = None, *, check_schema: bool = True) -> Starlette:
    """One app, one container: the container is wired to the route modules here and
    unwired when the app shuts down (the last container wired owns module wiring)."""
    container = container or build_container()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        container.wire(modules=list(ROUTE_MODULES), warn_unresolved=True)
        prometheus.worker_started()
        await start(container)
        app.state.hot = Hot(
            live=await resolved(container.live_service()),
            fuel=await resolved(container.fuel_service()),
            fleet_state=await resolved(container.fleet_state()),
            answers=await resolved(container.answers()),
        )
        # startup's objects (modules, the container, ...) out of the cyclic GC's way: its
        # full passes over them paused the loop up to 76 ms (decision 32)
        gc.collect()
        gc.freeze()
        worker: asyncio.Task[None] | None = None
        stopping = asyncio.Event()
        try:
            if check_schema:
                await ensure_current(await resolved(container.engine()))
            settings = container.settings()
            if settings.auth == "off":
                logger.warning(
                    "FUEL_AUTH=off: every request is allowed without an API key, and sees and "
                    "writes every carrier's trucks; set FUEL_AUTH=on outside a trusted network"
                )
            if settings.recompute_interval_s > 0:
                derived = await resolved(container.derived_results())
                worker = asyncio.create_task(
                    derived.run(settings.recompute_interval_s, settings.recompute_batch, stopping),
                    name="recompute-derived-results",
                )
            yield
        finally:
            if worker is not None:
                # let the batch under way finish (its connections go back to the pool, closed
                # with COM_QUIT by the dispose below); cancelled if it takes too long
                stopping.set()
                _, late = await asyncio.wait({worker}, timeout=WORKER_STOP_S)
                if late:
                    worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            # reads started ahead (services/fresh.py) end before the pool is disposed
            await app.state.hot.fleet_state.close()
            await app.state.hot.answers.close()
            await stop(container)
            container.unwire()
            prometheus.worker_stopping()

    app = ObservedStarlette(
        routes=_routes(container), lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS
    )
    app.hot_paths = HOT_PATHS  # their GET requests skip Starlette's layers (hot_routes.py)
    app.state.container = container
    app.state.openapi = orjson.dumps(openapi_document(ENDPOINTS))
    return app
