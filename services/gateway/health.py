"""``/healthz``: 200 once Redis and the broker are connected and a worker consumes calls."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.gateway.state import GatewayState

__all__ = ["healthz"]


async def healthz(request: web.Request) -> web.Response:
    state = request.app[GatewayState.KEY]
    redis_ok = False
    try:
        redis_ok = bool(await asyncio.wait_for(state.store.redis.ping(), 1.0))
    except Exception:  # any failure means "not healthy", which is the answer
        redis_ok = False
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
