"""Every request measured, logged and given an id: a pure ASGI middleware.

Pure ASGI (not BaseHTTPMiddleware, which runs the app in a task of its own and buffers
through memory streams: streamed exports and client disconnects must reach the app as
they are). It sits outside Starlette's ServerErrorMiddleware (see :class:`ObservedStarlette`)
so that a 500 answer is counted, logged and carries ``X-Request-ID`` too.
"""

from __future__ import annotations

import functools
import os
import re
import time
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fuel_analytics.adapters.metrics import HTTP_DURATION, HTTP_IN_FLIGHT, HTTP_REQUESTS
from fuel_analytics.entrypoints.http.disconnect import run_unless_disconnected
from fuel_analytics.entrypoints.http.hot_routes import HotRoutes
from fuel_analytics.entrypoints.logs import ACCESS_LOGGER, AccessLog, request_id

PRINCIPAL = "fuel_analytics.principal"  # set by http.auth once a key is authenticated

REQUEST_ID_HEADER = "x-request-id"
_ID_HEADER = REQUEST_ID_HEADER.encode()
CLIENT_CLOSED_REQUEST = 499  # logged and counted for a client that hung up (nginx's code)
UNMATCHED = "<unmatched>"
# Prometheus scrapes are neither counted nor timed: the metrics describe the traffic, and
# in-flight is 0 when the service is idle. They are still access-logged.
UNMEASURED = frozenset({"/metrics"})
_GIVEN_ID = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces

access_log = AccessLog(ACCESS_LOGGER)


@functools.lru_cache(maxsize=4096)
def _requests(method: str, route: str, status: int) -> Any:
    """The request counter's child of these labels, looked up once (``labels()`` costs a
    lock and a dict lookup per call; route templates and statuses are few)."""
    return HTTP_REQUESTS.labels(method=method, route=route, status=str(status))


@functools.lru_cache(maxsize=4096)
def _durations(method: str, route: str) -> Any:
    return HTTP_DURATION.labels(method=method, route=route)


def accepted_request_id(value: bytes | None) -> str:
    """The client's ``X-Request-ID`` when it is 1-128 printable ASCII characters, else a
    new one (32 hex digits)."""
    if value is not None:
        text = value.decode("latin-1")
        if _GIVEN_ID.fullmatch(text):
            return text
    return os.urandom(16).hex()  # what uuid4().hex gives, without building a UUID


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/v2/trucks/{truck_id}``), never the raw
    path: one series per route, whatever the ids in the URLs."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope.get("headers") or ():
            if name == _ID_HEADER:  # ASGI header names are lower-case
                given = value
                break
        rid = accepted_request_id(given)
        token = request_id.set(rid)
        measured = scope.get("path") not in UNMEASURED
        if measured:
            HTTP_IN_FLIGHT.inc()
        status = 500  # unless the app starts an answer
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # ASGI response header names are lower-case (Starlette's Response makes them so)
                headers = [(k, v) for k, v in message.get("headers", ()) if k != _ID_HEADER]
                headers.append((_ID_HEADER, rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if not await run_unless_disconnected(self.app, scope, receive, send_with_id):
                status = CLIENT_CLOSED_REQUEST  # hung up before the answer: work cancelled
        finally:
            elapsed = time.perf_counter() - started
            method = scope.get("method", "")
            route = route_template(scope)
            if measured:
                HTTP_IN_FLIGHT.dec()
                _requests(method, route, status).inc()
                _durations(method, route).observe(elapsed)
            if access_log.enabled():  # the line is not even made below INFO (4 % of /sensors)
                duration_ms = round(elapsed * 1000, 3)
                path = scope.get("path", "")
                access_log.write(
                    f"{method} {path} {status} {duration_ms:.1f} ms",
                    {
                        "method": method,
                        "route": route,
                        "path": path,  # never the query string: it may carry secrets
                        "status": status,
                        "duration_ms": duration_ms,
                        "request_id": rid,
                        # the key's id once authenticated (never the key itself); null without
                        "key_id": getattr(scope.get(PRINCIPAL), "key_id", None),
                    },
                )
            request_id.reset(token)


class ObservedStarlette(Starlette):
    """Starlette with :class:`RequestObserver` outermost, outside even the
    ServerErrorMiddleware that turns an unhandled exception into the 500 answer; the GET
    requests of the routes in ``hot_paths`` are answered by :class:`HotRoutes` under it."""

    hot_paths: frozenset[str] = frozenset()

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        hot = [r for r in self.router.routes if isinstance(r, Route) and r.path in self.hot_paths]
        # user middleware would be passed over by the shortcut: none is used, and then none
        if hot and not self.user_middleware:
            app = HotRoutes(app, self.router, hot, self.exception_handlers)
        return RequestObserver(app)
