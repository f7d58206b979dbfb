"""Health endpoints of the gateway.

* ``/livez``: liveness, 200 while the process serves requests (restart it if not).
* ``/readyz``: readiness with details: Redis answers, the broker is connected, and every
  component of the catalog has consumers on its queue; 503 otherwise.
* ``/healthz``: the summary gate compose healthchecks and ``ws-run`` wait for: 200 once Redis
  and the broker are connected and at least one worker consumes calls (kept as it was, since
  deployments gate their start-up on it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from services.gateway.state import GatewayState

__all__ = ["healthz", "livez", "readiness", "readyz"]


async def _redis_ok(state: GatewayState) -> bool:
    try:
        return bool(await asyncio.wait_for(state.store.redis.ping(), 1.0))
    except Exception:  # any failure means "not healthy", which is the answer
        return False


async def readiness(state: GatewayState) -> dict[str, Any]:
    """Redis, broker and consumers per component (their queue's consumer count)."""
    redis_ok = await _redis_ok(state)
    broker_ok = state.rpc.connected
    components: dict[str, int] = {}
    if redis_ok and broker_ok:
        try:
            queues = {f.info.component: f.queue for f in await state.catalog.all()}
            for component in sorted(queues):
                components[component] = await state.rpc.consumer_count(queues[component])
        except Exception:  # a failing broker or Redis read: not ready, details say why
            broker_ok = broker_ok and state.rpc.connected
    ready = redis_ok and broker_ok and bool(components) and all(n > 0 for n in components.values())
    return {
        "status": "ok" if ready else "unavailable",
        "redis": redis_ok,
        "broker": broker_ok,
        "components": components,
        "inflight": state.rpc.inflight,
    }


async def readyz(request: web.Request) -> web.Response:
    body = await readiness(request.app[GatewayState.KEY])
    return web.json_response(body, status=200 if body["status"] == "ok" else 503)


async def livez(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def healthz(request: web.Request) -> web.Response:
    state = request.app[GatewayState.KEY]
    redis_ok = await _redis_ok(state)
    broker_ok = state.rpc.connected
    workers = 0
    if redis_ok and broker_ok:
        try:
            functions = await state.catalog.all()
            queues = sorted({f.queue for f in functions})
            counts = [await state.rpc.consumer_count(q) for q in queues]
            workers = max(counts, default=0)
        except Exception:
            workers = 0
    healthy = redis_ok and broker_ok and workers > 0
    return web.json_response(
        {
            "status": "ok" if healthy else "unavailable",
            "redis": redis_ok,
            "broker": broker_ok,
            "workers": workers,
        },
        status=200 if healthy else 503,
    )
