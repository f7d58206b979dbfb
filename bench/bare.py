"""The baselines the platform is compared with: what a user would write instead, no more.

``python -m bench.bare direct``: an aiohttp handler that decodes the form, looks the token up
with one Redis GET and answers ``{"sum": a + b}`` in-process: the limit with no bus at all.

``python -m bench.bare rpc-gateway`` / ``rpc-worker``: the same handler publishing the call as
MessagePack over aio-pika (default channel: publisher confirms on) to a bare worker through
Direct Reply-To; the worker replies and acks. No validation, no access checks, no deadlines:
the floor the platform's full path is measured against.

Configured by environment: ``BARE_PORT``, ``BARE_QUEUE``, ``BARE_TOKEN_KEY`` (the Redis key
holding the token; the harness creates and deletes it), ``REDIS_URL``, ``AMQP_URL``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import msgspec
import redis.asyncio as aioredis
from aio_pika.abc import AbstractIncomingMessage
from aiohttp import web

from shared.aio import new_event_loop, run

__all__ = ["main"]

REPLY_TO = "amq.rabbitmq.reply-to"
_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder().decode
INVALID = {"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token"}


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


async def _token_ok(redis: aioredis.Redis, form: Any) -> bool:
    # One GET per call, as the reference points in the issue do.
    return await redis.get(f"{_env('BARE_TOKEN_KEY')}:{form.get('wstoken', '')}") is not None


def direct_app() -> web.Application:
    app = web.Application()
    redis_key: web.AppKey[aioredis.Redis] = web.AppKey("redis", aioredis.Redis)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        app[redis_key] = aioredis.Redis.from_url(_env("REDIS_URL", "redis://127.0.0.1:6379/0"))
        yield
        await app[redis_key].aclose()

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        if not await _token_ok(request.app[redis_key], form):
            return web.json_response(INVALID)
        return web.json_response({"sum": int(str(form["a"])) + int(str(form["b"]))})

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/sum", handle)
    return app


class _Rpc:
    def __init__(self) -> None:
        self.pending: dict[str, asyncio.Future[bytes]] = {}
        self.channel: aio_pika.abc.AbstractChannel | None = None

    async def on_reply(self, message: AbstractIncomingMessage) -> None:
        fut = self.pending.pop(message.correlation_id or "", None)
        if fut is not None and not fut.done():
            fut.set_result(message.body)

    async def call(self, args: dict[str, int]) -> Any:
        assert self.channel is not None
        call_id = uuid.uuid4().hex
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.pending[call_id] = fut
        await self.channel.default_exchange.publish(
            aio_pika.Message(_pack(args), correlation_id=call_id, reply_to=REPLY_TO),
            routing_key=_env("BARE_QUEUE"),
        )
        return _unpack(await asyncio.wait_for(fut, 30))


def rpc_gateway_app() -> web.Application:
    app = web.Application()
    redis_key: web.AppKey[aioredis.Redis] = web.AppKey("redis", aioredis.Redis)
    rpc_key: web.AppKey[_Rpc] = web.AppKey("rpc", _Rpc)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        app[redis_key] = aioredis.Redis.from_url(_env("REDIS_URL", "redis://127.0.0.1:6379/0"))
        connection = await aio_pika.connect_robust(_env("AMQP_URL"))
        rpc = _Rpc()
        rpc.channel = await connection.channel()
        await rpc.channel.declare_queue(_env("BARE_QUEUE"), auto_delete=True)
        reply = await rpc.channel.get_queue(REPLY_TO, ensure=False)
        await reply.consume(rpc.on_reply, no_ack=True)
        app[rpc_key] = rpc
        yield
        await connection.close()
        await app[redis_key].aclose()

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        if not await _token_ok(request.app[redis_key], form):
            return web.json_response(INVALID)
        args = {"a": int(str(form["a"])), "b": int(str(form["b"]))}
        return web.json_response(await request.app[rpc_key].call(args))

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/sum", handle)
    return app


async def rpc_worker() -> None:
    connection = await aio_pika.connect_robust(_env("AMQP_URL"))
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=32)
    queue = await channel.declare_queue(_env("BARE_QUEUE"), auto_delete=True)

    async def on_call(message: AbstractIncomingMessage) -> None:
        args = _unpack(message.body)
        await channel.default_exchange.publish(
            aio_pika.Message(
                _pack({"sum": args["a"] + args["b"]}), correlation_id=message.correlation_id
            ),
            routing_key=message.reply_to or "",
        )
        await message.ack()

    await queue.consume(on_call)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await connection.close()


def main(argv: list[str]) -> int:
    """Run one baseline role until SIGTERM."""
    role = argv[0] if argv else ""
    port = int(_env("BARE_PORT", "0"))
    if role == "rpc-worker":
        run(rpc_worker())
        return 0
    apps = {"direct": direct_app, "rpc-gateway": rpc_gateway_app}
    if role not in apps or not port:
        print(
            "usage: BARE_PORT=N python -m bench.bare direct|rpc-gateway|rpc-worker", file=sys.stderr
        )
        return 2
    web.run_app(
        apps[role](),
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=None,
        loop=new_event_loop(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
