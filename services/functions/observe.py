"""The worker's metrics and health: per-call hooks, and a small HTTP server for Prometheus.

The hooks (:func:`call_received`, :func:`call_answered`) are all :class:`Worker` calls on its
hot path: two counter/histogram updates each. Live state (calls in flight, the concurrency
limit, bus reconnects, queue depths) is read only when Prometheus scrapes; queue depths and
consumer counts come from a passive queue declare on a channel of their own, at most once per
``QUEUE_STATS_TTL`` seconds.

With ``WS_METRICS_PORT`` set, :class:`WorkerMonitor` serves ``/metrics``, ``/healthz``
(the process answers) and ``/readyz`` (Redis answers, the broker is connected and this worker
consumes every queue it serves), on ``WS_METRICS_HOST``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from shared import amqp, metrics
from shared.wire import CallReply, CallRequest

if TYPE_CHECKING:
    from services.functions.api import FunctionDef
    from services.functions.runtime import Worker

__all__ = ["QUEUE_STATS_TTL", "WorkerMonitor", "call_answered", "call_received"]

log = logging.getLogger(__name__)

QUEUE_STATS_TTL = 2.0


def call_received(fdef: FunctionDef | None, request: CallRequest, received: float) -> float:
    """Observe the call's queue wait (0 when the gateway did not stamp it); returns it."""
    if request.published_at <= 0:
        return 0.0
    wait = max(received - request.published_at, 0.0)
    component = fdef.info.component if fdef is not None else ""
    metrics.QUEUE_WAIT_SECONDS.labels(component).observe(wait)
    return wait


def call_answered(
    fdef: FunctionDef | None, request: CallRequest, reply: CallReply, queue_wait: float
) -> CallReply:
    """Count the answered call; the reply gains the queue wait for the gateway's metrics."""
    function = request.function if fdef is not None else ""
    outcome = reply.error.errorcode if reply.error is not None else "ok"
    metrics.WORKER_CALLS.labels(function, request.caller.protocol, outcome).inc()
    if fdef is not None:
        metrics.WORKER_SECONDS.labels(function).observe(reply.worker_time)
    if queue_wait > 0:
        return msgspec.structs.replace(reply, queue_wait=queue_wait)
    return reply


class WorkerMonitor:
    """Samples of one worker for :data:`shared.metrics.SAMPLER`, and its HTTP endpoints."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        #: queue name -> (messages ready, consumers), as last read.
        self.queues: dict[str, tuple[int, int]] = {}
        self._read_at = 0.0
        self._channel: amqp.Channel | None = None
        self._runner: web.AppRunner | None = None
        self._unregister = metrics.SAMPLER.add(self.samples)
        self.port = 0

    # --- sampled state -------------------------------------------------------------------------
    def samples(self) -> Iterator[metrics.Sample]:
        worker = self.worker
        yield metrics.Sample(
            "ws_worker_inflight_calls", "gauge", "Calls this worker is running.", worker.inflight
        )
        yield metrics.Sample(
            "ws_worker_concurrency",
            "gauge",
            "Calls a worker runs at once at most (AMQP prefetch).",
            worker.settings.concurrency,
        )
        yield metrics.Sample(
            "ws_bus_connected",
            "gauge",
            "1 while the broker connection is up.",
            1.0 if worker.link.ready.is_set() else 0.0,
            (("service", "worker"),),
        )
        yield metrics.Sample(
            "ws_bus_reconnects",
            "counter",
            "Broker connections re-established after a loss.",
            worker.link.reconnects,
            (("service", "worker"),),
        )
        for queue, (messages, consumers) in self.queues.items():
            labels = (("queue", queue),)
            yield metrics.Sample(
                "ws_queue_messages", "gauge", "Calls waiting in a call queue.", messages, labels
            )
            yield metrics.Sample(
                "ws_queue_consumers", "gauge", "Workers consuming a call queue.", consumers, labels
            )

    async def refresh_queues(self) -> None:
        """Read every served queue's depth and consumer count (cached briefly)."""
        now = time.monotonic()
        if now - self._read_at < QUEUE_STATS_TTL:
            return
        self._read_at = now
        connection = self.worker.link.connection
        if connection is None:
            self.queues.clear()
            return
        try:
            async with asyncio.timeout(2.0):
                if self._channel is None or self._channel.is_closed:
                    # A passive declare of a missing queue closes its channel: keep it apart.
                    self._channel = await connection.channel()
                for component in sorted(self.worker.components):
                    name = self.worker.names.call_queue(component)
                    declared = await self._channel.queue_declare(name, passive=True)
                    self.queues[name] = (
                        int(declared.message_count or 0),
                        int(declared.consumer_count or 0),
                    )
        except (TimeoutError, amqp.AMQPError, ConnectionError) as exc:
            log.info("queue depths not read: %r", exc)
            self._channel = None
        except Exception as exc:  # metrics must never break the worker
            log.warning("queue depths not read: %r", exc)
            self._channel = None

    # --- health --------------------------------------------------------------------------------
    async def readiness(self) -> dict[str, Any]:
        worker = self.worker
        redis_ok = False
        try:
            redis_ok = bool(await asyncio.wait_for(worker.redis.ping(), 1.0))
        except Exception:  # any failure means "not ready", which is the answer
            redis_ok = False
        served = sorted(worker.components)
        consuming = worker.consuming
        ready = redis_ok and worker.link.ready.is_set() and consuming >= len(served) > 0
        return {
            "status": "ok" if ready else "unavailable",
            "redis": redis_ok,
            "broker": worker.link.ready.is_set(),
            "components": served,
            "consumers": consuming,
            "inflight": worker.inflight,
        }

    async def _readyz(self, _: web.Request) -> web.Response:
        body = await self.readiness()
        return web.json_response(body, status=200 if body["status"] == "ok" else 503)

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    # --- HTTP server ---------------------------------------------------------------------------
    async def start(self, host: str, port: int) -> None:
        app = web.Application()
        # Workers are not public: whoever reaches the port may scrape it.
        app.router.add_get("/metrics", metrics.metrics_handler("", before=self.refresh_queues))
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        addresses = runner.addresses  # the bound port, when 0 was asked
        self.port = int(addresses[0][1]) if addresses else port
        log.info("worker metrics on http://%s:%d/metrics", host, self.port)

    async def close(self) -> None:
        self._unregister()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._channel is not None and not self._channel.is_closed:
            try:
                await self._channel.close()
            except Exception:  # the connection may already be gone
                log.debug("metrics channel not closed cleanly", exc_info=True)
