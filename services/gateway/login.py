"""Forwarding ``/login/token.php`` to the auth service, so clients see one origin."""

from __future__ import annotations

import logging

import aiohttp
import msgspec
from aiohttp import web
from yarl import URL

from services.gateway.state import GatewayState

__all__ = ["forward_to_auth"]

log = logging.getLogger(__name__)

_json = msgspec.json.Encoder()


def _token_php_error(errorcode: str, message: str) -> web.Response:
    """token.php's own error shape (HTTP 200, like every Moodle error)."""
    body = {
        "error": message,
        "errorcode": errorcode,
        "stacktrace": None,
        "debuginfo": None,
        "reproductionlink": None,
    }
    return web.Response(
        body=_json.encode(body),
        content_type="application/json",
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def forward_to_auth(request: web.Request) -> web.StreamResponse:
    state = request.app[GatewayState.KEY]
    try:
        body = await request.read() if request.body_exists else None
    except web.HTTPRequestEntityTooLarge:
        return _token_php_error("invalidparameter", "Request body too large")
    headers = {
        "X-Forwarded-For": request.remote or "",
        # Our own view of the scheme, never the client's claim: a forged "https" would earn a
        # private token over plain HTTP.
        "X-Forwarded-Proto": request.scheme,
        "X-Forwarded-Host": request.host,
        "X-Request-Id": request.get("request_id", ""),
    }
    if request.content_type and body:
        headers["Content-Type"] = request.headers.get("Content-Type", request.content_type)
    # The query goes through byte for byte: re-quoting would turn "%21" into "%2521".
    query = request.rel_url.raw_query_string
    url = URL(
        f"{state.settings.auth_url}/login/token.php" + (f"?{query}" if query else ""),
        encoded=True,
    )
    try:
        async with state.http.request(
            request.method,
            url,
            data=body,
            headers=headers,
            allow_redirects=False,
        ) as upstream:
            payload = await upstream.read()
            return web.Response(
                status=upstream.status,
                body=payload,
                headers={
                    "Content-Type": upstream.headers.get("Content-Type", "application/json"),
                    "Access-Control-Allow-Origin": "*",
                },
            )
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.error("auth service unreachable: %r", exc)
        return _token_php_error("authunavailable", "The login service is unavailable")
