"""Wiring of the browser and file protocols: their routes and the objects they share.

Kept out of :mod:`services.gateway.app` so that module only calls :func:`add_protocol_routes`
before its catch-all route.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import web

from services.gateway import ajax, files
from services.gateway.browserlogin import forward_browser_login
from services.gateway.files import FILE_SERVICES, FileServices
from services.gateway.settings import GatewaySettings
from services.gateway.state import GatewayState
from shared.contexts import ContextStore
from shared.filestore import FileStore
from shared.roles import RoleStore
from shared.sessions import SessionStore

__all__ = ["PREFIX_ROUTES", "add_protocol_routes", "route_by_prefix"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Paths whose handlers read the rest of the path themselves (slash arguments), so that
#: ``//webservice/pluginfile.php/…`` from clients whose base URL ends in "/" works too.
PREFIX_ROUTES: dict[str, Handler] = {
    "/webservice/pluginfile.php": files.handle_pluginfile,
    "/tokenpluginfile.php": files.handle_tokenpluginfile,
}

#: Exact paths (also reachable with doubled slashes through the gateway's fallback).
EXACT_ROUTES: dict[str, tuple[tuple[str, ...], Handler]] = {
    "/webservice/upload.php": (("POST",), files.handle_upload),
    "/lib/ajax/service.php": (("POST",), ajax.handle_service),
    "/lib/ajax/service-nologin.php": (("GET", "POST"), ajax.handle_service_nologin),
    "/login/index.php": (("GET", "POST"), forward_browser_login),
    "/login/logout.php": (("GET", "POST"), forward_browser_login),
}

#: The admin console (served by auth): every page and form under this prefix is forwarded.
ADMIN_PREFIX = "/admin"

_SLASHES = re.compile(r"/{2,}")


def route_by_prefix(request: web.Request) -> Handler | None:
    """The protocol handler for a path after collapsing doubled slashes, if any."""
    path = _SLASHES.sub("/", request.path)
    exact = EXACT_ROUTES.get(path)
    if exact is not None:
        return exact[1] if request.method in exact[0] else None
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return forward_browser_login if request.method in ("GET", "HEAD", "POST") else None
    if request.method not in ("GET", "HEAD"):
        return None
    for prefix, handler in PREFIX_ROUTES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return handler
    return None


def add_protocol_routes(app: web.Application, settings: GatewaySettings) -> None:
    """Register the file and AJAX endpoints and the stores they need (call before any
    catch-all route)."""

    async def file_services(app: web.Application) -> AsyncIterator[None]:
        state = app[GatewayState.KEY]  # set by the gateway's own lifecycle, which runs first
        redis, names = state.store.redis, state.store.names
        app[FILE_SERVICES] = FileServices(
            files=FileStore(redis, names, Path(settings.files_dir)),
            contexts=ContextStore(redis, names),
            roles=RoleStore(redis, names),
            sessions=SessionStore(redis, names, settings.session_ttl),
        )
        yield

    app.cleanup_ctx.append(file_services)
    for path, (methods, handler) in EXACT_ROUTES.items():
        for method in methods:
            app.router.add_route(method, path, handler)
    for prefix, handler in PREFIX_ROUTES.items():
        app.router.add_get(prefix, handler)
        app.router.add_get(prefix + "/{tail:.*}", handler)
    for path in (ADMIN_PREFIX, ADMIN_PREFIX + "/{tail:.*}"):
        app.router.add_get(path, forward_browser_login)
        app.router.add_post(path, forward_browser_login)
