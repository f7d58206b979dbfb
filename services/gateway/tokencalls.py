"""A function call authenticated by a web-service token: the path REST and the JSON API share.

Authenticate the token, authorise the function for the token's service, build the caller, and
run the call (or fan out a batch, whose sub-calls need the same checks).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from services.gateway import batch
from services.gateway.access import ACCESS
from services.gateway.catalog import CompiledFunction
from services.gateway.state import GatewayState
from shared.wire import Caller, CallSettings

__all__ = ["call_with_token"]


async def call_with_token(
    request: web.Request,
    token: str,
    name: str,
    arguments: Callable[[], Awaitable[dict[str, Any]]],
    settings: CallSettings,
    *,
    protocol: str,
) -> tuple[CompiledFunction, Any]:
    """Run ``name`` for the holder of ``token``; ``arguments`` is read only once access is
    granted (no body parsing for strangers). Returns the function and its cleaned result."""
    state = request.app[GatewayState.KEY]
    access = request.app[ACCESS]
    remote = request.remote or ""
    identity = await access.authenticate(token, remote, protocol=protocol)
    function = await access.authorise(
        identity, name, await state.catalog.get(name), remote, protocol=protocol
    )
    params = await arguments()
    caller = Caller(
        userid=identity.user.id,
        username=identity.user.username,
        serviceid=identity.token.serviceid,
        service=identity.service.shortname if identity.service else "",
        tokenid=identity.token.id,
        protocol=protocol,
        remoteaddr=remote,
    )
    request_id = request.get("request_id", "")
    if name == batch.BATCH_FUNCTION:  # fanned out here: sub-calls need access checks
        result = await batch.run_batch(
            state, function, params, caller,
            lambda n, f: access.authorise(identity, n, f, remote, protocol=protocol),
            request_id=request_id,
        )  # fmt: skip
    else:
        result = await state.dispatcher.execute(
            function, params, caller, settings, request_id=request_id
        )
    return function, result
