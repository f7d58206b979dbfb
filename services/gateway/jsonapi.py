"""``POST /api/v1/functions/{name}``: the JSON API, with real HTTP statuses.

Bearer token, a JSON object of arguments (JSON booleans and numbers honoured), the cleaned
result as JSON. Errors carry Moodle's exception object with the status from
:data:`shared.errors.HTTP_STATUS`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from services.gateway.ratelimit import RateLimited
from services.gateway.render import error_body
from services.gateway.state import GatewayState
from services.gateway.tokencalls import call_with_token
from shared.errors import ErrorInfo, InvalidParameterException, WSError, http_status
from shared.wire import CallSettings

__all__ = ["error_response", "handle_call"]

_json = msgspec.json.Encoder()
_decode = msgspec.json.Decoder().decode


def error_response(
    info: ErrorInfo, state: GatewayState, headers: dict[str, str] | None = None
) -> web.Response:
    status = http_status(info.errorcode)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return web.Response(
        status=status,
        body=_json.encode(error_body(info, show_debuginfo=state.show_debuginfo)),
        content_type="application/json",
        headers=headers,
    )


def bearer_token(request: web.Request) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


async def _arguments(request: web.Request, state: GatewayState) -> dict[str, Any]:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise InvalidParameterException(
            f"Request body larger than {state.settings.max_body} bytes"
        ) from None
    if not raw.strip():
        return {}
    try:
        value = _decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise InvalidParameterException(f"Invalid JSON body: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidParameterException("The JSON body must be an object of arguments")
    return value


async def handle_call(request: web.Request) -> web.Response:
    state = request.app[GatewayState.KEY]
    name = request.match_info["name"]
    try:

        async def arguments() -> dict[str, Any]:
            return await _arguments(request, state)

        _function, result = await call_with_token(
            request, bearer_token(request), name, arguments, CallSettings(), protocol="api"
        )
    except RateLimited as exc:
        return error_response(exc.info(), state, {"Retry-After": str(exc.retry_after)})
    except WSError as exc:
        return error_response(exc.info(), state)
    return web.Response(body=_json.encode(result), content_type="application/json")
