"""Generated API documentation: ``/docs`` (HTML) and ``/openapi.json``.

Both answer 404 while ``enablewsdocumentation`` is off (:mod:`services.gateway.switches`); the
page shows only the protocols ``webserviceprotocols`` enables.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.access import ACCESS, authenticate_token
from services.gateway.apidocs import build_openapi, render_docs_html
from services.gateway.state import GatewayState
from services.gateway.switches import protocols_enabled
from shared.errors import WSError

__all__ = ["api_docs", "openapi"]

API_VERSION = "1.0.0"


async def _site_name(state: GatewayState) -> str:
    return (await state.store.get_config()).get("sitename", "Moodle WS")


async def api_docs(request: web.Request) -> web.Response:
    """All functions, or with ``?wstoken=`` only those of that token's service."""
    state = request.app[GatewayState.KEY]
    functions = [f.info for f in await state.catalog.all()]
    service_name = None
    token = request.query.get("wstoken", "")
    if token:
        try:
            identity = await authenticate_token(state.store, token, request.remote or "")
        except WSError as exc:
            raise web.HTTPForbidden(text=f"{exc.message}\n") from None
        service = identity.service
        allowed = await state.store.service_functions(service.id) if service else set()
        functions = [f for f in functions if f.name in allowed]
        service_name = service.name if service else ""
    config = await request.app[ACCESS].cache.config()
    html = render_docs_html(
        functions,
        site_name=await _site_name(state),
        wwwroot=state.settings.public_url,
        service_name=service_name,
        protocols=tuple(p for p in ("rest", "api") if p in protocols_enabled(config)),
        openapi_url="/openapi.json",
    )
    return web.Response(text=html, content_type="text/html")


async def openapi(request: web.Request) -> web.Response:
    state = request.app[GatewayState.KEY]
    document = build_openapi(
        [f.info for f in await state.catalog.all()],
        site_name=await _site_name(state),
        wwwroot=state.settings.public_url,
        version=API_VERSION,
    )
    return web.json_response(document)
