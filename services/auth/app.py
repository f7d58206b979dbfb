"""The auth service's HTTP application: login/token.php and a health check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
import redis.exceptions
from aiohttp import web

from services.auth import errors
from services.auth.accounts import Accounts
from services.auth.console import setup_console
from services.auth.lockout import Lockout
from services.auth.login import IssuedToken, Login, LoginRequest
from services.auth.observe import add_observability
from services.auth.passwords import Passwords
from services.auth.request import client_origin, read_params
from services.auth.seed import seed_site
from services.auth.sessions import register_session_routes
from services.auth.settings import AuthSettings
from shared.audit import AuditLog, EventPublisher
from shared.constants import Names
from shared.errors import WSError
from shared.store import Store, connect_redis

__all__ = ["LOGIN", "SETTINGS", "STORE", "create_app"]

logger = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", AuthSettings)
STORE = web.AppKey("store", Store)
LOGIN = web.AppKey("login", Login)

_JSON = "application/json"
_CORS = {"Access-Control-Allow-Origin": "*"}
_HEALTH_TIMEOUT = 2.0


class TokenError(msgspec.Struct):
    """token.php's error body (Moodle's AJAX fatal-error shape): all five keys, always."""

    error: str
    errorcode: str
    stacktrace: None = None
    debuginfo: str | None = None
    reproductionlink: None = None


class SiteCheck(msgspec.Struct):
    appsitecheck: str = "ok"


class Health(msgspec.Struct):
    status: str
    redis: bool


_encoder = msgspec.json.Encoder()


def _json(body: msgspec.Struct, status: int = 200, cors: bool = True) -> web.Response:
    return web.Response(
        body=_encoder.encode(body),
        status=status,
        content_type=_JSON,
        charset="utf-8",
        headers=_CORS if cors else None,
    )


def _error_response(request: web.Request, err: WSError) -> web.Response:
    developer = request.app[SETTINGS].debug == "developer"
    return _json(
        TokenError(err.message, err.errorcode, debuginfo=err.debuginfo if developer else None)
    )


@web.middleware
async def moodle_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every failure of a Moodle endpoint becomes Moodle's error body with HTTP 200."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise  # routing answers (404, 405) stay HTTP
    except WSError as err:
        return _error_response(request, err)
    except redis.exceptions.RedisError as exc:
        logger.error("redis failed during %s %s: %r", request.method, request.path, exc)
        return _error_response(request, errors.storage_unavailable(repr(exc)))
    except Exception:
        logger.exception("unexpected error in %s %s", request.method, request.path)
        return _error_response(request, WSError("internalerror", "Internal error"))


async def token_php(request: web.Request) -> web.Response:
    """``/login/token.php``: Moodle's username/password -> token exchange."""
    settings = request.app[SETTINGS]
    login = request.app[LOGIN]
    params = await read_params(request)
    await login.site_check()
    if params.get("appsitecheck") == "1":
        return _json(SiteCheck())
    remote_ip, https = client_origin(request, settings.trusted_proxies)
    issued: IssuedToken = await login.issue(LoginRequest(params, remote_ip, https))
    return _json(issued)


async def healthz(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(_HEALTH_TIMEOUT):
            await request.app[STORE].redis.ping()
    except (TimeoutError, redis.exceptions.RedisError, OSError):
        return _json(Health("unavailable", redis=False), status=503, cors=False)
    return _json(Health("ok", redis=True), cors=False)


async def _redis_lifecycle(app: web.Application) -> AsyncIterator[None]:
    """Seed the site on start-up (which proves Redis answers) and close the pool at exit."""
    store = app[STORE]
    audit = app[LOGIN].audit
    publisher = audit.publisher if audit is not None else None
    if publisher is not None:
        await publisher.connect()
    if audit is not None:
        audit.start()
    try:
        generated = await seed_site(store, app[SETTINGS])
        if generated is not None:
            logger.warning(
                "created site administrator 'admin' with generated password %r: note it now, "
                "it is not shown again (set WS_ADMIN_PASSWORD to choose it)",
                generated,
            )
        yield
    finally:
        if audit is not None:
            await audit.close()
        if publisher is not None:
            await publisher.close()
        await store.redis.aclose()


def create_app(settings: AuthSettings) -> web.Application:
    """Build the auth application; Redis is connected lazily and closed on cleanup."""
    app = web.Application(middlewares=[moodle_errors], client_max_size=settings.max_body_size)
    store = Store(connect_redis(settings.redis_url), Names(settings.namespace))
    passwords = Passwords(settings)
    accounts = Accounts(store, passwords, settings.secret_key)
    app[SETTINGS] = settings
    app[STORE] = store
    publisher = None
    if settings.audit_publish:
        publisher = EventPublisher(
            settings.amqp_url, store.names, connection_name=f"{settings.namespace}-auth-events"
        )
    audit = AuditLog(
        store.redis,
        store.names,
        publisher=publisher,
        maxlen=settings.audit_maxlen,
        origin="ws-auth",
    )
    lockout = Lockout(
        store.redis,
        store.names,
        threshold=settings.lockout_threshold,
        window=settings.lockout_window,
        duration=settings.lockout_duration,
    )
    app[LOGIN] = Login(
        store,
        passwords,
        accounts,
        token_duration=settings.token_duration,
        lockout=lockout,
        audit=audit,
    )
    register_session_routes(app, settings, store, app[LOGIN])
    setup_console(app, settings, store, app[LOGIN])
    app.cleanup_ctx.append(_redis_lifecycle)
    # "{lead}" absorbs the extra slashes of clients whose base URL ends in "/".
    app.router.add_route("GET", r"/{lead:/*}login/token.php", token_php)
    app.router.add_route("POST", r"/{lead:/*}login/token.php", token_php)
    app.router.add_get("/healthz", healthz)
    add_observability(app, store, audit_broker=settings.audit_publish)
    return app
