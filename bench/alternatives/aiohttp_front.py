"""The aiohttp front the asyncio stacks share, so that only the messaging stack differs.

It is :mod:`bench.bare`'s handler: decode the form, one Redis GET for the token, then ask the
stack's ``adder`` (a coroutine that reaches the worker over RabbitMQ) for ``a + b``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager

import redis.asyncio as aioredis
from aiohttp import web

from bench.alternatives.common import INVALID, Settings, loop_factory

__all__ = ["Adder", "AdderFactory", "front_app", "serve"]

#: ``await adder(a, b)`` is ``a + b``, computed by the stack's worker process.
Adder = Callable[[int, int], Awaitable[int]]
#: Connects to the broker for the front's lifetime and yields its adder.
AdderFactory = Callable[[Settings], AbstractAsyncContextManager[Adder]]


def front_app(settings: Settings, adder_factory: AdderFactory) -> web.Application:
    app = web.Application()
    redis_key: web.AppKey[aioredis.Redis] = web.AppKey("redis", aioredis.Redis)
    adder_key: web.AppKey[Adder] = web.AppKey("adder")

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        app[redis_key] = aioredis.Redis.from_url(settings.redis_url)
        try:
            async with adder_factory(settings) as adder:
                app[adder_key] = adder
                yield
        finally:
            await app[redis_key].aclose()

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        token = str(form.get("wstoken", ""))
        if await request.app[redis_key].get(settings.redis_key(token)) is None:
            return web.json_response(INVALID)
        total = await request.app[adder_key](int(str(form["a"])), int(str(form["b"])))
        return web.json_response({"sum": total})

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/sum", handle)
    return app


def serve(settings: Settings, adder_factory: AdderFactory) -> None:
    """Run the front on ``127.0.0.1:<ALT_PORT>`` until SIGTERM."""
    web.run_app(
        front_app(settings, adder_factory),
        host="127.0.0.1",
        port=settings.port,
        access_log=None,
        print=None,
        loop=loop_factory()(),
    )
