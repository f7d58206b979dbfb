"""What the gateway records about each request: request id, metrics, developer debug info.

The middleware (:func:`observe_middleware`) opens a :class:`RequestScope` for every request
and binds the request id for logging; deeper layers report into the scope through a context
variable, so no signature changes on the way: the dispatcher reports each call it sent
(:func:`call_finished`), the error renderers report the errorcode they answer with
(:func:`error_rendered`). When the request ends, the middleware counts the calls refused before
any dispatch and observes the gateway's own time (the request minus its bus round trips).
"""

from __future__ import annotations

import contextvars
import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import msgspec
from aiohttp import web

from shared import metrics
from shared.errors import ErrorInfo
from shared.logs import REQUEST_ID
from shared.wire import CallReply

__all__ = [
    "SCOPE",
    "RequestScope",
    "call_finished",
    "error_rendered",
    "gateway_samples",
    "new_id",
    "protocol_of",
    "with_request_id",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SLASHES = re.compile(r"/{2,}")

#: Paths whose requests are function calls, by protocol label.
_CALL_PATHS = {
    "/webservice/rest/server.php": "rest",
    "/lib/ajax/service.php": "ajax",
    "/lib/ajax/service-nologin.php": "ajax",
}


@dataclass(slots=True)
class RequestScope:
    """Per-request facts the layers below report (one object per request, no locking: a
    request's task and the tasks it spawns run on one event loop)."""

    request_id: str
    developer: bool = False
    protocol: str = ""
    #: Calls the dispatcher sent (a REST call is one; AJAX and batch requests may be several).
    dispatched: int = 0
    #: Seconds spent waiting for bus round trips.
    bus_seconds: float = 0.0
    #: The errorcode of the last error rendered ("" if none).
    errorcode: str = ""


# The children of the metrics updated on every call (label values are bounded, see
# shared/metrics.py).
_CALLS = metrics.Children(metrics.GATEWAY_CALLS)
_ROUNDTRIP = metrics.Children(metrics.ROUNDTRIP_SECONDS)
_WORKER = metrics.Children(metrics.CALL_WORKER_SECONDS)
_QUEUE = metrics.Children(metrics.CALL_QUEUE_SECONDS)
_HTTP = metrics.Children(metrics.HTTP_REQUESTS)
_GATEWAY = metrics.Children(metrics.GATEWAY_SECONDS)

SCOPE: contextvars.ContextVar[RequestScope | None] = contextvars.ContextVar(
    "ws_gateway_scope", default=None
)


def protocol_of(path: str) -> str:
    """``rest``, ``ajax``, ``api`` for function-call endpoints, else ``""``."""
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if path.startswith("/api/v1/functions/"):
        return "api"
    return _CALL_PATHS.get(path, "")


def with_request_id(info: ErrorInfo) -> ErrorInfo:
    """``info`` with `` [request <id>]`` appended to its debuginfo in developer mode, and its
    errorcode noted for the request's metrics. Every error renderer passes through here."""
    scope = SCOPE.get()
    if scope is None:
        return info
    scope.errorcode = info.errorcode
    if info.errorcode == "ratelimited":
        metrics.RATELIMIT_REJECTIONS.inc()
    if not scope.developer:
        return info
    suffix = f"[request {scope.request_id}]"
    debuginfo = f"{info.debuginfo} {suffix}" if info.debuginfo else suffix
    return msgspec.structs.replace(info, debuginfo=debuginfo)


def error_rendered(errorcode: str) -> str:
    """Note the errorcode of an error rendered without :func:`with_request_id` (AJAX);
    returns the `` [request <id>]`` suffix for its debuginfo ("" outside developer mode)."""
    scope = SCOPE.get()
    if scope is None:
        return ""
    scope.errorcode = errorcode
    if errorcode == "ratelimited":
        metrics.RATELIMIT_REJECTIONS.inc()
    return f" [request {scope.request_id}]" if scope.developer else ""


def call_finished(
    function: str,
    component: str,
    protocol: str,
    outcome: str,
    *,
    roundtrip: float,
    reply: CallReply | None,
) -> None:
    """Count one dispatched call (``outcome``: errorcode or ``ok``) and its latencies."""
    _CALLS.get(function, protocol, outcome).inc()
    if reply is not None:
        _ROUNDTRIP.get(component).observe(roundtrip)
        _WORKER.get(function).observe(reply.worker_time)
        if reply.queue_wait > 0:
            _QUEUE.get(component).observe(reply.queue_wait)
    scope = SCOPE.get()
    if scope is not None:
        scope.dispatched += 1
        scope.bus_seconds += roundtrip


def request_finished(
    scope: RequestScope, request: web.Request, status: int, elapsed: float
) -> None:
    route = request.match_info.route.resource
    canonical = route.canonical if route is not None else ""
    _HTTP.get("gateway", canonical, str(status)).inc()
    if not scope.protocol:
        return
    if scope.dispatched == 0:
        # Refused before any dispatch (token, access, parameters, switches): no function label,
        # so arbitrary names sent by clients cannot grow the label set.
        _CALLS.get("", scope.protocol, scope.errorcode or f"http{status}").inc()
    _GATEWAY.get(scope.protocol).observe(max(elapsed - scope.bus_seconds, 0.0))


#: Ids need to be unique, not secret: a generator seeded once per process (and again in a
#: forked child) makes them without a system call each (``getrandom`` under load on the VM
#: cost the gateway about a tenth of its CPU with two ids per call).
_ids = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))


def new_id() -> str:
    """A fresh request or call id: 32 hex digits of 128 random bits."""
    return f"{_ids.getrandbits(128):032x}"


def new_scope(request: web.Request, *, developer: bool) -> RequestScope:
    request_id = request.headers.get("X-Request-Id", "")[:64] or new_id()
    request["request_id"] = request_id
    return RequestScope(request_id, developer=developer, protocol=protocol_of(request.path))


class Observed:
    """Context manager binding a request's scope and id for the handler's duration."""

    def __init__(self, scope: RequestScope) -> None:
        self.scope = scope
        self.started = time.perf_counter()
        self._tokens: tuple[contextvars.Token[RequestScope | None], contextvars.Token[str]] | None
        self._tokens = None

    def __enter__(self) -> RequestScope:
        self._tokens = (SCOPE.set(self.scope), REQUEST_ID.set(self.scope.request_id))
        return self.scope

    def __exit__(self, *exc: object) -> None:
        if self._tokens is not None:
            SCOPE.reset(self._tokens[0])
            REQUEST_ID.reset(self._tokens[1])

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def gateway_samples(
    inflight: Callable[[], int],
    connected: Callable[[], bool],
    reconnects: Callable[[], int],
    cache_counts: Callable[[], tuple[int, int]],
) -> Callable[[], Iterator[metrics.Sample]]:
    """The gateway's live state as a :data:`shared.metrics.SAMPLER` source."""

    def source() -> Iterator[metrics.Sample]:
        yield metrics.Sample(
            "ws_gateway_inflight_calls", "gauge", "Calls published, awaiting a reply.", inflight()
        )
        yield metrics.Sample(
            "ws_bus_connected",
            "gauge",
            "1 while the broker connection is up.",
            1.0 if connected() else 0.0,
            (("service", "gateway"),),
        )
        yield metrics.Sample(
            "ws_bus_reconnects",
            "counter",
            "Broker connections re-established after a loss.",
            reconnects(),
            (("service", "gateway"),),
        )
        hits, misses = cache_counts()
        help_ = "Token lookups of the gateway's access cache, answered from memory or not."
        yield metrics.Sample("ws_token_cache_lookups", "counter", help_, hits, (("result", "hit"),))
        yield metrics.Sample(
            "ws_token_cache_lookups", "counter", help_, misses, (("result", "miss"),)
        )

    return source
