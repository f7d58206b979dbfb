"""The call pipeline every protocol shares: validate, publish, await, clean.

Protocol handlers authenticate and check access first, then hand the function and the raw
arguments here; errors surface as :class:`shared.errors.WSError` for the handler to render.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from services.gateway import observe
from services.gateway.catalog import CompiledFunction
from services.gateway.rpc import RpcClient
from shared import tracing
from shared.errors import ServiceUnavailable, WSError
from shared.wire import Caller, CallReply, CallRequest, CallSettings

__all__ = ["Dispatcher"]

BUSY = ServiceUnavailable(
    "servicebusy",
    "The server is busy, please try again later",
    "Too many calls in flight on this gateway",
)


#: A check run before each call is published (site switches); raises WSError to refuse it.
Guard = Callable[[CompiledFunction, Caller], Awaitable[None]]


class Dispatcher:
    def __init__(
        self,
        rpc: RpcClient,
        *,
        call_timeout: float,
        max_inflight: int = 2000,
        guard: Guard | None = None,
    ) -> None:
        self.rpc = rpc
        self.call_timeout = call_timeout
        self.max_inflight = max_inflight
        self.guard = guard

    async def execute(
        self,
        function: CompiledFunction,
        params: Any,
        caller: Caller,
        settings: CallSettings,
        *,
        request_id: str = "",
    ) -> Any:
        """Run ``function`` with raw ``params``; returns the cleaned result."""
        name = function.info.name
        outcome = "ok"
        reply: CallReply | None = None
        started = 0.0
        try:
            if self.guard is not None:
                await self.guard(function, caller)
            if self.rpc.inflight >= self.max_inflight:
                raise BUSY
            cleaned = function.validate(params)
            # A function without parameters cleans to PHP's empty array, which we render as [].
            args: dict[str, Any] = cleaned if isinstance(cleaned, dict) else {}
            request = CallRequest(
                call_id=observe.new_id(),
                function=name,
                args=args,
                caller=caller,
                deadline=time.time() + self.call_timeout,
                settings=settings,
                request_id=request_id,
            )
            started = time.perf_counter()
            with tracing.span(
                f"call {name}",
                kind=tracing.SpanKind.PRODUCER,
                attributes={"ws.function": name, "ws.protocol": caller.protocol},
            ):
                reply = await self.rpc.call(request, function.queue)
            if reply.error is not None:
                raise WSError.from_info(reply.error)
            return function.clean(reply.result)
        except WSError as exc:
            outcome = exc.errorcode
            raise
        finally:
            roundtrip = time.perf_counter() - started if started else 0.0
            observe.call_finished(
                name,
                function.info.component,
                caller.protocol,
                outcome,
                roundtrip=roundtrip,
                reply=reply,
            )
