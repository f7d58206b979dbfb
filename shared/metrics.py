"""Prometheus metrics of every service: the metric objects, a sampler for live state, ``/metrics``.

Counters and histograms are module-level objects in the process's default registry, updated
on the hot path with no lock of ours (``prometheus_client`` children are cheap to update).
Label values are bounded: function names come from the catalog (unknown names are counted as
``""``), protocols and components are a handful, outcomes are errorcodes.

Gauges that mirror live objects (calls in flight, bus reconnects, token-cache counters, queue
depths) are not updated on the hot path at all: their owners register a *source* with
:data:`SAMPLER`, read only when Prometheus scrapes. See ``docs/observability.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shared.iprestriction import ip_matches

__all__ = [
    "AUTH_LOGINS",
    "CALL_QUEUE_SECONDS",
    "CALL_WORKER_SECONDS",
    "GATEWAY_CALLS",
    "GATEWAY_SECONDS",
    "HTTP_REQUESTS",
    "LATENCY_BUCKETS",
    "METRICS_ALLOW_DEFAULT",
    "QUEUE_WAIT_SECONDS",
    "RATELIMIT_REJECTIONS",
    "ROUNDTRIP_SECONDS",
    "SAMPLER",
    "WORKER_CALLS",
    "WORKER_SECONDS",
    "Children",
    "Sample",
    "Sampler",
    "metrics_handler",
    "render_metrics",
]

# "<name>_created" series double the exposition for a start time nobody graphs.
disable_created_metrics()  # type: ignore[no-untyped-call]

#: Who may read ``/metrics`` unless configured (``WS_METRICS_ALLOW``): loopback and private
#: networks, i.e. Prometheus inside the deployment, not the Internet.
METRICS_ALLOW_DEFAULT = "127.0.0.1,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

#: Seconds; from a cached call (~1 ms) to the longest deadline.
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)

# --- gateway -----------------------------------------------------------------------------------
GATEWAY_CALLS = Counter(
    "ws_gateway_calls",
    "Function calls answered by the gateway, by function, protocol and outcome (errorcode or ok). "
    'Calls refused before a function was resolved count with function="".',
    ["function", "protocol", "outcome"],
)
GATEWAY_SECONDS = Histogram(
    "ws_gateway_seconds",
    "Time a function-call request spent in the gateway itself: the whole request minus the "
    "bus round trips it waited for.",
    ["protocol"],
    buckets=LATENCY_BUCKETS,
)
ROUNDTRIP_SECONDS = Histogram(
    "ws_gateway_roundtrip_seconds",
    "Publish to reply, as the gateway waited for it (queue wait + worker time + transport).",
    ["component"],
    buckets=LATENCY_BUCKETS,
)
CALL_QUEUE_SECONDS = Histogram(
    "ws_call_queue_wait_seconds",
    "Time calls waited in the broker before a worker received them (reported in the reply).",
    ["component"],
    buckets=LATENCY_BUCKETS,
)
CALL_WORKER_SECONDS = Histogram(
    "ws_call_worker_seconds",
    "Time the worker spent running the function (reported in the reply).",
    ["function"],
    buckets=LATENCY_BUCKETS,
)
RATELIMIT_REJECTIONS = Counter(
    "ws_gateway_ratelimit_rejections", "Calls refused by the per-token or per-address rate limit."
)
HTTP_REQUESTS = Counter(
    "ws_http_requests",
    "HTTP requests by service, route (the matched route pattern) and status.",
    ["service", "route", "status"],
)

# --- auth --------------------------------------------------------------------------------------
AUTH_LOGINS = Counter(
    "ws_auth_logins",
    "login/token.php answers by outcome: ok, or the errorcode of the refusal (login failures).",
    ["outcome"],
)

# --- worker ------------------------------------------------------------------------------------
WORKER_CALLS = Counter(
    "ws_worker_calls",
    "Calls a worker answered, by function, protocol and outcome (errorcode or ok).",
    ["function", "protocol", "outcome"],
)
WORKER_SECONDS = Histogram(
    "ws_worker_seconds",
    "Time the worker spent running each function.",
    ["function"],
    buckets=LATENCY_BUCKETS,
)
QUEUE_WAIT_SECONDS = Histogram(
    "ws_worker_queue_wait_seconds",
    "Time calls waited in the broker: worker receive time minus the gateway's publish time.",
    ["component"],
    buckets=LATENCY_BUCKETS,
)


M = TypeVar("M", Counter, Histogram)

#: Label combinations a :class:`Children` remembers; past that, lookups go to ``labels()``.
_CHILDREN_MAX = 10_000


class Children(Generic[M]):
    """The labelled children of one metric, found by a dict lookup on the hot path.

    ``metric.labels(...)`` validates the values and takes a lock on every call (a few µs; the
    gateway made five such calls per request). A child, once created, is the same object for
    the same values, so it can be remembered here.
    """

    __slots__ = ("_children", "metric")

    def __init__(self, metric: M) -> None:
        self.metric: M = metric
        self._children: dict[tuple[str, ...], M] = {}

    def get(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self.metric.labels(*values)
            if len(self._children) < _CHILDREN_MAX:
                self._children[values] = child
        return child


# --- sampled state -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Sample:
    """One value read from a live object at scrape time."""

    name: str
    kind: str  # "gauge" or "counter" (a counter's exposed name gets "_total")
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


Source = Callable[[], Iterable[Sample]]


class Sampler(Collector):
    """Collects the samples of every registered source; equal series from several sources
    (two apps in one test process) are summed, so each name appears once."""

    def __init__(self) -> None:
        self._sources: dict[int, Source] = {}
        self._ids = itertools.count()

    def add(self, source: Source) -> Callable[[], None]:
        """Register ``source``; returns the function that removes it again."""
        key = next(self._ids)
        self._sources[key] = source

        def remove() -> None:
            self._sources.pop(key, None)

        return remove

    def collect(self) -> Iterator[Metric]:
        series: dict[str, tuple[Sample, dict[tuple[tuple[str, str], ...], float]]] = {}
        for source in list(self._sources.values()):
            for sample in source():
                first, values = series.setdefault(sample.name, (sample, {}))
                values[sample.labels] = values.get(sample.labels, 0.0) + sample.value
        for name, (first, values) in series.items():
            label_names = [k for k, _ in first.labels]
            family: GaugeMetricFamily | CounterMetricFamily
            if first.kind == "counter":
                family = CounterMetricFamily(name, first.help, labels=label_names)
            else:
                family = GaugeMetricFamily(name, first.help, labels=label_names)
            for labels, value in values.items():
                family.add_metric([v for _, v in labels], value)
            yield family


#: The process's sampler, registered once in the default registry.
SAMPLER = Sampler()
REGISTRY.register(SAMPLER)


def render_metrics() -> bytes:
    """The process's metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)


def metrics_handler(
    allow: str, before: Callable[[], Awaitable[None]] | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler for ``/metrics``, answering only peers matching ``allow``
    (Moodle-style IP list; empty = everyone). ``before`` runs first (to refresh sampled state
    that needs I/O, like queue depths)."""

    async def handle(request: web.Request) -> web.Response:
        if allow and not ip_matches(request.remote or "", allow):
            raise web.HTTPForbidden()
        if before is not None:
            await before()
        return web.Response(body=render_metrics(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return handle
