"""Site switches, honoured at once: web services, protocols, the mobile service, API docs.

Moodle's administration keeps these in ``config``; here they are the site configuration hash
(``Store.get_config``), read through the access cache (:class:`TokenCache.config`), which every
``Store.set_config`` invalidates over pub/sub (``config:<name>``): a change made with ``wsadmin
config set`` or the admin console applies to every gateway within milliseconds, and a cached
request costs no Redis round trip.

=========================  ===========  =========================================================
switch                     default      when off (``0``) / without the protocol
=========================  ===========  =========================================================
``enablewebservices``      ``1``        REST: HTTP 403, empty body (as Moodle's server.php);
                                        JSON API: 503 ``enablewsdescription``; the file endpoints
                                        refuse too (:mod:`services.gateway.fileaccess`); AJAX is
                                        not a web service protocol in Moodle and keeps working
``webserviceprotocols``    ``rest,      comma list of ``rest``, ``ajax``, ``api``: REST off as
                           ajax,api``   above; JSON API off: 503 ``protocoldisabled``; AJAX off:
                                        ``servicenotavailable`` (Moodle's AJAX error shape)
``enablemobilewebservice`` ``1``        calls with a ``moodle_mobile_app`` token are refused as
                                        for a disabled service (token.php refuses it in auth)
``enablewsdocumentation``  ``1``        ``/docs`` and ``/openapi.json`` answer 404
=========================  ===========  =========================================================

An unset switch takes its default, so a site whose configuration predates a switch keeps
working as before.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import msgspec
from aiohttp import web

from services.gateway.access import ACCESS, function_not_allowed
from services.gateway.ajax import fatal_response
from services.gateway.catalog import CompiledFunction
from services.gateway.render import error_body
from services.gateway.state import GatewayState
from shared.constants import MOBILE_SERVICE
from shared.errors import WSError
from shared.wire import Caller

__all__ = [
    "DEFAULTS",
    "PROTOCOLS",
    "Switches",
    "mobile_service_guard",
    "protocols_enabled",
    "switches_middleware",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Protocols ``webserviceprotocols`` may list.
PROTOCOLS = ("rest", "ajax", "api")
DEFAULTS = {
    "enablewebservices": "1",
    "webserviceprotocols": ",".join(PROTOCOLS),
    "enablemobilewebservice": "1",
    "enablewsdocumentation": "1",
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_SLASHES = re.compile(r"/{2,}")
_encode = msgspec.json.Encoder().encode

_REST = "/webservice/rest/server.php"
_AJAX = ("/lib/ajax/service.php", "/lib/ajax/service-nologin.php")
_DOCS = ("/docs", "/openapi.json")


def _on(config: dict[str, str], name: str) -> bool:
    return config.get(name, DEFAULTS[name]).strip().lower() in _TRUE


def protocols_enabled(config: dict[str, str]) -> frozenset[str]:
    """The protocols ``webserviceprotocols`` enables (its default when unset)."""
    raw = config.get("webserviceprotocols", DEFAULTS["webserviceprotocols"])
    return frozenset(p.strip().lower() for p in raw.split(",") if p.strip())


class Switches(msgspec.Struct, frozen=True):
    """The switches' effective values at one moment."""

    webservices: bool
    protocols: frozenset[str]
    mobile: bool
    documentation: bool

    @classmethod
    def from_config(cls, config: dict[str, str]) -> Switches:
        return cls(
            webservices=_on(config, "enablewebservices"),
            protocols=protocols_enabled(config),
            mobile=_on(config, "enablemobilewebservice"),
            documentation=_on(config, "enablewsdocumentation"),
        )


#: The last configuration read and its switches: the access cache hands out the same dict
#: until the configuration changes, so most requests reuse the parsed switches.
_last: tuple[dict[str, str], Switches] | None = None


async def current(request: web.Request) -> Switches:
    global _last  # noqa: PLW0603  (a one-entry memo)
    config = await request.app[ACCESS].cache.config()
    last = _last
    if last is not None and last[0] is config:
        return last[1]
    switches = Switches.from_config(config)
    _last = (config, switches)
    return switches


def ws_disabled() -> WSError:
    return WSError(
        "enablewsdescription",
        "Web services must be enabled in Advanced features.",
        "The site switch enablewebservices is off",
    )


def protocol_disabled(protocol: str) -> WSError:
    return WSError(
        "protocoldisabled",
        f"The {protocol} protocol is not enabled on this site",
        f"The site switch webserviceprotocols does not list {protocol}",
    )


def _json_error(err: WSError, state: GatewayState) -> web.Response:
    return web.Response(
        status=503,
        body=_encode(error_body(err.info(), show_debuginfo=state.show_debuginfo)),
        content_type="application/json",
    )


def _refusal(path: str, switches: Switches, state: GatewayState) -> web.StreamResponse | None:
    if path == _REST:
        if not (switches.webservices and "rest" in switches.protocols):
            # Moodle's server.php: "403 Forbidden" and nothing else.
            return web.Response(status=403)
    elif path.startswith("/api/"):
        if not switches.webservices:
            return _json_error(ws_disabled(), state)
        if "api" not in switches.protocols:
            return _json_error(protocol_disabled("api"), state)
    elif path in _AJAX:
        if "ajax" not in switches.protocols:
            err = WSError(
                "servicenotavailable",
                "Web service is not available (it doesn't exist or might be disabled)",
                "The site switch webserviceprotocols does not list ajax",
            )
            return fatal_response(err, developer=state.developer)
    elif path in _DOCS and not switches.documentation:
        raise web.HTTPNotFound()
    return None


@web.middleware
async def switches_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse requests the site switches turn off, before any other work."""
    path = request.path
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if path == _REST or path.startswith(("/api/", "/lib/ajax/")) or path in _DOCS:
        refusal = _refusal(path, await current(request), request.app[GatewayState.KEY])
        if refusal is not None:
            return refusal
    return await handler(request)


def mobile_service_guard(
    config: Callable[[], Awaitable[dict[str, str]]],
) -> Callable[[CompiledFunction, Caller], Awaitable[None]]:
    """A dispatcher guard: with ``enablemobilewebservice`` off, calls made with a token of the
    built-in mobile service are refused as for a disabled service (as Moodle, which disables
    that service record when the switch is turned off)."""

    async def guard(function: CompiledFunction, caller: Caller) -> None:
        if caller.service == MOBILE_SERVICE and not _on(await config(), "enablemobilewebservice"):
            raise function_not_allowed(function.info.name)

    return guard
