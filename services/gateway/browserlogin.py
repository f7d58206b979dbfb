"""Forwarding the browser pages to auth: login (``/login/index.php``, ``/login/logout.php``)
and the admin console (``/admin/...``).

Unlike token.php these carry cookies both ways (the session and the login-form token) and
answer with redirects, which reach the browser untouched.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from yarl import URL

from services.gateway.state import GatewayState

__all__ = ["forward_browser_login"]

log = logging.getLogger(__name__)

#: Response headers passed back to the browser.
_PASS_BACK = (
    "Content-Type",
    "Location",
    "Cache-Control",
    "X-Frame-Options",
    # The admin console's hardening headers.
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
)


async def forward_browser_login(request: web.Request) -> web.StreamResponse:
    state = request.app[GatewayState.KEY]
    try:
        body = await request.read() if request.body_exists else None
    except web.HTTPRequestEntityTooLarge:
        return web.Response(status=413, text="Request body too large")
    headers = {
        "X-Forwarded-For": request.remote or "",
        # Our own view of the scheme: a client's claim would make auth set non-Secure cookies.
        "X-Forwarded-Proto": request.scheme,
        "X-Forwarded-Host": request.host,
        "X-Request-Id": request.get("request_id", ""),
    }
    for name in ("Cookie", "Content-Type"):
        if name in request.headers:
            headers[name] = request.headers[name]
    query = request.rel_url.raw_query_string
    path = "/" + request.path.lstrip("/")
    url = URL(f"{state.settings.auth_url}{path}" + (f"?{query}" if query else ""), encoded=True)
    try:
        async with state.http.request(
            request.method, url, data=body, headers=headers, allow_redirects=False
        ) as upstream:
            payload = await upstream.read()
            response = web.Response(status=upstream.status, body=payload)
            for name in _PASS_BACK:
                if name in upstream.headers:
                    response.headers[name] = upstream.headers[name]
            for cookie in upstream.headers.getall("Set-Cookie", []):
                response.headers.add("Set-Cookie", cookie)
            return response
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.error("auth service unreachable: %r", exc)
        return web.Response(status=503, text="The login service is unavailable")
