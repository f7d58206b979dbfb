"""The auth service's metrics and health endpoints: ``/metrics``, ``/livez``, ``/readyz``.

:func:`add_observability` registers them and a middleware that counts requests, and
token.php answers by outcome (``ok`` or the errorcode of the refusal: the login failures).
token.php answers errors with HTTP 200 and Moodle's error body, so the outcome is read from
the (small) body; nothing else is parsed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from shared import metrics
from shared.logs import REQUEST_ID
from shared.settings import load_settings
from shared.store import Store

__all__ = ["ObservabilitySettings", "add_observability"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_decode_error = msgspec.json.Decoder(dict[str, Any]).decode


class ObservabilitySettings(msgspec.Struct, frozen=True):
    #: ``WS_METRICS_ALLOW``: who may read /metrics (Moodle-style IP list; empty = everyone).
    metrics_allow: str = metrics.METRICS_ALLOW_DEFAULT


def _login_outcome(body: bytes) -> str:
    if b'"errorcode"' not in body:
        return "ok"
    try:
        return str(_decode_error(body).get("errorcode") or "unknown")
    except msgspec.DecodeError:
        return "unknown"


@web.middleware
async def _count(request: web.Request, handler: Handler) -> web.StreamResponse:
    status = 500
    # The gateway forwards token.php with its request id: auth's log lines carry it too.
    bound = REQUEST_ID.set(request.headers.get("X-Request-Id", "")[:64])
    try:
        response = await handler(request)
        status = response.status
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = request.match_info.route.resource
        canonical = route.canonical if route is not None else ""
        metrics.HTTP_REQUESTS.labels("auth", canonical, str(status)).inc()
        REQUEST_ID.reset(bound)
    if request.path.endswith("/token.php") and isinstance(response, web.Response):
        body = response.body
        if isinstance(body, bytes) and b"appsitecheck" not in body:
            metrics.AUTH_LOGINS.labels(_login_outcome(body)).inc()
    return response


def add_observability(app: web.Application, store: Store, *, audit_broker: bool) -> None:
    """Register the endpoints and the counting middleware (call before the app starts)."""
    settings = load_settings(ObservabilitySettings)
    # Outermost, so it sees the answers the error middleware made from exceptions.
    app.middlewares.insert(0, _count)

    async def readyz(_: web.Request) -> web.Response:
        redis_ok = False
        try:
            async with asyncio.timeout(2.0):
                redis_ok = bool(await store.redis.ping())
        except Exception:  # any failure means "not ready", which is the answer
            redis_ok = False
        body = {
            "status": "ok" if redis_ok else "unavailable",
            "redis": redis_ok,
            # Audit events go to the broker when configured, but logins never wait for it.
            "broker_required": False,
            "audit_publish": audit_broker,
        }
        return web.json_response(body, status=200 if redis_ok else 503)

    async def livez(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/metrics", metrics.metrics_handler(settings.metrics_allow))
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/livez", livez)
