"""Authentication, scopes and rate limits, per endpoint.

Each endpoint that needs a scope is wrapped (not a BaseHTTPMiddleware, which runs the app in a
task of its own and breaks streamed answers and disconnects): the wrapper finds the key
(``Authorization: Bearer <key>`` or ``X-API-Key: <key>``), checks it against its stored hash,
takes a token from the key's bucket, checks the scope, and leaves the caller's
:class:`Principal` in the ASGI scope, where the handlers (their tenant) and the access log
(its key id) find it. The routes pass the principal's tenant to the services explicitly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol, Self, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import ANONYMOUS, Principal, Tenant
from fuel_analytics.entrypoints.container import Container, resolved
from fuel_analytics.entrypoints.http.endpoints import Endpoint, Handler
from fuel_analytics.entrypoints.http.observe import PRINCIPAL
from fuel_analytics.entrypoints.http.problems import problem
from fuel_analytics.services.keys import KeyService

REALM = 'Bearer realm="fuel-analytics"'


def principal_of(request: Request) -> Principal:
    """The caller: the key's principal, or ANONYMOUS when authentication is off."""
    found = request.scope.get(PRINCIPAL)
    return found if isinstance(found, Principal) else ANONYMOUS


def tenant_of(request: Request) -> Tenant:
    return principal_of(request).tenant


class TenantScoped(Protocol):
    def for_tenant(self, tenant: Tenant) -> Self: ...


S = TypeVar("S", bound=TenantScoped)


def for_caller(service: S, request: Request) -> S:
    """The service as the caller's tenant sees it (itself when the caller sees every
    carrier: keys without a carrier, and FUEL_AUTH=off)."""
    tenant = tenant_of(request)
    return service if tenant.everything else service.for_tenant(tenant)


def presented_key(request: Request) -> str | None:
    """The key from ``Authorization: Bearer`` or ``X-API-Key`` (None when neither is there)."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    given = request.headers.get("x-api-key")
    return given.strip() if given and given.strip() else None


class TokenBuckets:
    """Per-key token buckets in this process: ``rate`` tokens a second up to ``burst``.
    ``rate`` 0 means no limit."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float | None:
        """None when a token was taken; else the seconds until the next one."""
        if self.rate <= 0:
            return None
        now = self._clock()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return None
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate


def _unauthorized(detail: str, error: str | None = None) -> Response:
    challenge = REALM if error is None else f'{REALM}, error="{error}"'
    return problem(401, detail, headers={"WWW-Authenticate": challenge})


def guarded(endpoint: Endpoint, container: Container, buckets: TokenBuckets) -> Handler:
    """The endpoint's handler behind its scope check (the handler itself when public)."""
    needed = endpoint.scope
    handler = endpoint.handler
    if needed is None:
        return handler

    async def authenticated(request: Request) -> Response:
        token = presented_key(request)
        if token is None:
            return _unauthorized(
                "an API key is needed: send `Authorization: Bearer <key>` or `X-API-Key: <key>`"
            )
        keys: KeyService = await resolved(container.key_service())
        principal = await keys.authenticate(token)
        if principal is None:
            return _unauthorized("the API key is not valid or was revoked", "invalid_token")
        request.scope[PRINCIPAL] = principal
        wait = buckets.take(principal.key_id or "")
        if wait is not None:
            return problem(
                429,
                f"rate limit of {buckets.rate:g} requests/s (burst {buckets.burst:g}) for this "
                "key reached: retry later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        if not principal.may(needed):
            return problem(
                403,
                f"this key lacks the `{needed}` scope this operation needs",
                headers={
                    "WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{needed}"'
                },
            )
        return await handler(request)

    authenticated.__name__ = handler.__name__
    authenticated.__qualname__ = handler.__qualname__
    return authenticated
