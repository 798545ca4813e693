"""GET requests of the hottest routes straight to their handler, past Starlette's stack.

A cached /sensors answer spent about a seventh of a worker's CPU in Starlette's layers
around the handler (ServerErrorMiddleware, ExceptionMiddleware, the router's walk,
``request_response`` and two ``wrap_app_handling_exceptions``, each adding a coroutine and
a wrapper around ``send``; py-spy under ``make bench``). For the few routes that answer
most requests, this does what those layers do, in one place: it matches the route as the
router does (and sets the same scope keys: ``router``, ``route``, ``endpoint``,
``path_params``), calls the endpoint, and turns an exception into an answer with the app's
own exception handlers, looked up along the exception's class hierarchy as
ExceptionMiddleware does. An exception only the ``Exception`` handler takes is answered by
it (the 500 problem) and raised again, as ServerErrorMiddleware does. Any other method on
these paths (HEAD, a 405), and every other path, goes through Starlette as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


class HotRoutes:
    def __init__(
        self,
        app: ASGIApp,
        router: Router,
        routes: Sequence[Route],
        handlers: Mapping[Any, ExceptionHandler],
    ) -> None:
        self.app = app  # Starlette's whole stack, for everything else
        self.router = router
        self.routes = tuple(routes)
        self.handlers: dict[Any, ExceptionHandler] = dict(handlers)
        self.server_error = self.handlers.get(Exception) or self.handlers.get(500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            for route in self.routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self.router)
                    scope["route"] = route
                    scope.update(child_scope)
                    await self.answer(route, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def answer(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response: Response = await route.endpoint(request)
        except Exception as exc:
            handler = self.handler_for(exc)
            if handler is None or handler is self.server_error:
                if self.server_error is None:
                    raise
                await (await self.server_error(request, exc))(scope, receive, send)
                raise  # as ServerErrorMiddleware does: the server logs it too
            response = await handler(request, exc)
        await response(scope, receive, send)

    def handler_for(self, exc: Exception) -> ExceptionHandler | None:
        for kind in type(exc).__mro__:
            if kind in self.handlers:
                return self.handlers[kind]
        return None
