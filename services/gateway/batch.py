"""The gateway side of ``tool_mobile_call_external_functions`` (reference §6.1).

Each request names a function, JSON-encoded arguments and its own formatting settings. A
sub-call is allowed only if the token's service offers that function (the protocol's own
access check); its result or error is JSON-encoded into ``data`` / ``exception``; the batch
stops after the first error.

Runs of consecutive *read* functions are sent to the workers concurrently: reads have no side
effects, so running them at once cannot change any answer, and the responses are still
reported in request order and cut after the first error. Write functions run one at a time,
in order, as Moodle runs them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from services.gateway.catalog import CompiledFunction
from services.gateway.state import GatewayState
from shared.errors import AccessException, WSError
from shared.wire import Caller, CallSettings

__all__ = ["BATCH_FUNCTION", "Authorise", "run_batch"]

BATCH_FUNCTION = "tool_mobile_call_external_functions"

#: The protocol's access check for one function name: returns it or raises its WSError.
Authorise = Callable[[str, CompiledFunction | None], Awaitable[CompiledFunction]]

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
_DOCS = "https://docs.moodle.org/405/en/error"


def _exception_json(err: WSError, *, developer: bool) -> str:
    module = "webservice" if err.errorcode in ("accessexception", "invalidtoken") else "moodle"
    body: dict[str, Any] = {
        "message": err.message,
        "errorcode": err.errorcode,
        "link": "",
        "moreinfourl": f"{_DOCS}/{module}/{err.errorcode}",
    }
    if developer and err.debuginfo:
        body["debuginfo"] = err.debuginfo
    return _encode(body).decode()


def _arguments(raw: Any) -> dict[str, Any]:
    """Decoded ``arguments``; anything but a JSON object counts as no arguments."""
    try:
        value = _decode(raw) if isinstance(raw, str) and raw.strip() else {}
    except (msgspec.DecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _settings(request: dict[str, Any]) -> CallSettings:
    return CallSettings(
        raw=bool(request.get("settingraw", False)),
        filter=bool(request.get("settingfilter", False)),
        fileurl=bool(request.get("settingfileurl", True)),
        lang=str(request.get("settinglang", "") or ""),
    )


async def run_batch(
    state: GatewayState,
    batch: CompiledFunction,
    params: Any,
    caller: Caller,
    authorise: Authorise,
    *,
    request_id: str = "",
) -> Any:
    """Validate the batch's own parameters, run its sub-calls, return the cleaned result."""
    cleaned = batch.validate(params)
    requests: list[dict[str, Any]] = (
        cleaned.get("requests", []) if isinstance(cleaned, dict) else []
    )

    async def one(request: dict[str, Any], function: CompiledFunction | WSError) -> dict[str, Any]:
        try:
            if isinstance(function, WSError):
                raise function
            data = await state.dispatcher.execute(
                function,
                _arguments(request.get("arguments")),
                caller,
                _settings(request),
                request_id=request_id,
            )
        except WSError as err:
            return {"error": True, "exception": _exception_json(err, developer=state.developer)}
        return {"error": False, "data": _encode(data).decode()}

    # Resolve and access-check every sub-call first: the concurrency plan needs their types.
    functions: list[CompiledFunction | WSError] = []
    for request in requests:
        name = str(request.get("function", ""))
        try:
            if name == BATCH_FUNCTION:
                raise AccessException("A batch cannot contain another batch")
            function = await state.catalog.get(name)
            if function is None:  # Moodle checks service membership first: not in the service
                raise AccessException("Access to the function is not allowed.")
            functions.append(await authorise(name, function))
        except WSError as err:
            functions.append(err)

    responses: list[dict[str, Any]] = []
    position = 0
    while position < len(requests):
        end = position + 1
        if _is_read(functions[position]):
            while end < len(requests) and _is_read(functions[end]):
                end += 1
        group = await asyncio.gather(
            *(one(requests[i], functions[i]) for i in range(position, end))
        )
        for response in group:
            responses.append(response)
            if response["error"]:
                return batch.clean({"responses": responses})
        position = end
    return batch.clean({"responses": responses})


def _is_read(function: CompiledFunction | WSError) -> bool:
    return isinstance(function, CompiledFunction) and function.info.type == "read"
