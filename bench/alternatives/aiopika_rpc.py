"""aiohttp + ``aio_pika.patterns.RPC``: aio-pika's own RPC helper, used as its docs show.

``python -m bench.alternatives.aiopika_rpc front|worker``. The worker registers ``sum`` with
``RPC.register`` (a queue named after the method, auto-delete as in aio-pika's example); the
front calls it with ``RPC.call`` (pickle, a reply queue of its own, publisher confirms on the
default channel). aio-pika's dead-letter exchange is called ``rpc.dlx`` by default, shared by
every user of the pattern on the broker: both ends rename it under ``ALT_PREFIX`` so that the
run declares and deletes only names of its own.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
from aio_pika.patterns import RPC

from bench.alternatives.aiohttp_front import Adder, serve
from bench.alternatives.common import Settings, amqp_names, loop_factory, until_terminated

__all__ = ["main"]

#: Calls in flight to the worker, as the bare RPC worker allows.
PREFETCH = 32


def _rpc(channel: aio_pika.abc.AbstractChannel, settings: Settings) -> RPC:
    # DLX_NAME is a class attribute (RPC has __slots__): a subclass per run renames it.
    class PrefixedRPC(RPC):
        DLX_NAME = amqp_names("aiopika_rpc", settings.prefix)[1][0]

    return PrefixedRPC(channel)


def _method(settings: Settings) -> str:
    return amqp_names("aiopika_rpc", settings.prefix)[0][0]


@asynccontextmanager
async def rpc_adder(settings: Settings) -> AsyncIterator[Adder]:
    connection = await aio_pika.connect_robust(settings.amqp_url)
    try:
        rpc = _rpc(await connection.channel(), settings)
        await rpc.initialize()
        method = _method(settings)

        async def add(a: int, b: int) -> int:
            return int(await rpc.call(method, {"a": a, "b": b}))

        yield add
        await rpc.close()
    finally:
        await connection.close()


async def worker(settings: Settings) -> None:
    connection = await aio_pika.connect_robust(settings.amqp_url)
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=PREFETCH)
        rpc = _rpc(channel, settings)
        await rpc.initialize()

        async def add(*, a: int, b: int) -> int:
            return a + b

        await rpc.register(_method(settings), add, auto_delete=True)
        await until_terminated()
        await rpc.close()
    finally:
        await connection.close()


def main(argv: list[str]) -> int:
    settings = Settings.from_env()
    role = argv[0] if argv else ""
    if role == "worker":
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(worker(settings))
        return 0
    if role == "front":
        serve(settings, rpc_adder)
        return 0
    print("usage: python -m bench.alternatives.aiopika_rpc front|worker", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
