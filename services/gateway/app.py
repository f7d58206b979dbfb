"""The gateway application: the public origin for every protocol."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from redis.exceptions import RedisError

from services.gateway import docs, health, jsonapi, login, observe, switches
from services.gateway.access import ACCESS
from services.gateway.catalog import Catalog
from services.gateway.dispatch import Dispatcher
from services.gateway.forms import FormLimits
from services.gateway.protocols import add_protocol_routes, route_by_prefix
from services.gateway.render import rest_error
from services.gateway.rest import handle_rest
from services.gateway.rpc import RpcClient
from services.gateway.security import open_access
from services.gateway.settings import GatewaySettings
from services.gateway.state import GatewayState
from shared import tracing
from shared.constants import Names
from shared.errors import ErrorInfo
from shared.external import configure as configure_external
from shared.iprestriction import forwarded_client
from shared.metrics import SAMPLER, metrics_handler
from shared.store import Store, connect_redis

__all__ = ["create_app"]

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Moodle endpoints, reachable also with doubled slashes (clients whose base URL ends in "/").
MOODLE_ROUTES: dict[str, Handler] = {
    "/webservice/rest/server.php": handle_rest,
    "/login/token.php": login.forward_to_auth,
}

_SLASHES = re.compile(r"/{2,}")

INTERNAL = ErrorInfo("moodle_exception", "internalerror", "Internal error")
STORE_DOWN = ErrorInfo(
    "moodle_exception", "storeunavailable", "The service is temporarily unavailable"
)


@web.middleware
async def client_address_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Behind a trusted load balancer, ``request.remote`` becomes the client's address, so IP
    restrictions, rate limits, audit events and the address forwarded to auth are the client's."""
    trusted = request.app[GatewayState.KEY].settings.trusted_proxies
    if trusted and request.remote:
        forwarded = request.headers.getall("X-Forwarded-For", [])
        client = forwarded_client(request.remote, forwarded, trusted)
        if client != request.remote:
            request = request.clone(remote=client)
    return await handler(request)


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id (``X-Request-Id`` honoured, else a new one), metrics and the error boundary."""
    state = request.app[GatewayState.KEY]
    scope = observe.new_scope(request, developer=state.developer)
    observed = observe.Observed(scope)
    status = 500
    try:
        with (
            observed,
            # While tracing is off this is one shared no-op context manager.
            tracing.span(
                f"{request.method} {scope.protocol or 'http'}",
                kind=tracing.SpanKind.SERVER,
                attributes={"url.path": request.path, "ws.request_id": scope.request_id},
            ),
        ):
            response = await _guarded(request, handler, state)
        status = response.status
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        observe.request_finished(scope, request, status, observed.elapsed)
    response.headers["X-Request-Id"] = scope.request_id
    return response


async def _guarded(
    request: web.Request, handler: Handler, state: GatewayState
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        # The one boundary where third-party failures become our errors: Redis down is a
        # temporary unavailability; anything else is a bug. Never a stack trace to the client.
        if isinstance(exc, RedisError):
            log.warning("Redis unavailable: %r", exc)
            info = STORE_DOWN
        else:
            log.exception("unhandled error")
            info = INTERNAL
        if request.path.startswith("/api/"):
            return jsonapi.error_response(info, state)
        return rest_error(info, "json", show_debuginfo=False)


async def fallback(request: web.Request) -> web.StreamResponse:
    """Route ``//webservice/rest/server.php`` and friends as if the slashes were single."""
    handler = MOODLE_ROUTES.get(_SLASHES.sub("/", request.path)) or route_by_prefix(request)
    if handler is None:
        raise web.HTTPNotFound()
    return await handler(request)


def create_app(settings: GatewaySettings) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body,
        # Outermost first: every request gets its id and metrics, then the site switches.
        middlewares=[
            client_address_middleware,
            request_id_middleware,
            switches.switches_middleware,
        ],
    )

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # PARAM_LOCALURL is relative to the site's public URL.
        configure_external(wwwroot=settings.public_url)
        names = Names(settings.namespace)
        redis = connect_redis(settings.redis_url)
        store = Store(redis, names)
        rpc = RpcClient(settings.amqp_url, names, consumer_check_ttl=settings.consumer_check_ttl)
        await rpc.start()
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        state = GatewayState(
            settings=settings,
            store=store,
            catalog=Catalog(store, developer=settings.debug == "developer"),
            rpc=rpc,
            dispatcher=Dispatcher(
                rpc, call_timeout=settings.call_timeout, max_inflight=settings.max_inflight
            ),
            http=http,
            form_limits=FormLimits(settings.max_form_fields, settings.max_form_depth),
        )
        app[GatewayState.KEY] = state
        try:
            async with open_access(settings, store, state.catalog) as access:
                app[ACCESS] = access
                cache = access.cache
                state.dispatcher.guard = switches.mobile_service_guard(cache.config)
                unregister = SAMPLER.add(
                    observe.gateway_samples(
                        inflight=lambda: rpc.inflight,
                        connected=lambda: rpc.connected,
                        reconnects=lambda: rpc.link.reconnects,
                        cache_counts=lambda: (cache.hits, cache.misses),
                    )
                )
                try:
                    yield
                finally:
                    unregister()
        finally:
            await rpc.close()
            await http.close()
            await redis.aclose()

    app.cleanup_ctx.append(lifecycle)
    for path, handler in MOODLE_ROUTES.items():
        app.router.add_route("GET", path, handler)
        app.router.add_route("POST", path, handler)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/livez", health.livez)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", metrics_handler(settings.metrics_allow))
    app.router.add_get("/docs", docs.api_docs)
    app.router.add_get("/openapi.json", docs.openapi)
    app.router.add_post("/api/v1/functions/{name}", jsonapi.handle_call)
    add_protocol_routes(app, settings)
    app.router.add_route("*", "/{tail:.*}", fallback)
    return app
