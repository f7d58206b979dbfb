"""aiohttp + FastStream: the worker a FastStream subscriber, the front its ``broker.request``.

``python -m bench.alternatives.faststream_rpc front|worker`` (``.venv-alt``). The worker is what
FastStream's docs show: ``@broker.subscriber(queue)`` on ``async def add(a: int, b: int) ->
int`` (the JSON body unpacked into typed arguments, validated by pydantic), whose return value
FastStream publishes to the caller's ``reply_to``. The front is the aiohttp front of
:mod:`.aiohttp_front` awaiting ``broker.request(...)`` (Direct Reply-To).

Why an aiohttp front rather than FastStream's ASGI side: FastStream has no HTTP routing of its
own beyond health checks (a user would mount it in FastAPI or any web framework); the aiohttp
front is the one the other stacks and the bare baselines use, so only the messaging differs.

Both brokers have FastStream's per-message logging off (``logger=None``): no other target logs
per call. Note: FastStream 0.7's ``request`` holds a lock of its producer for the whole
round trip (``RabbitFastProducerImpl.request``), so one front has one call in flight at a time.
"""
# mypy: disable-error-code="import-not-found, untyped-decorator, unused-ignore"
# (FastStream lives in .venv-alt only: the main venv's mypy cannot see it.)

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream.rabbit import RabbitBroker, RabbitQueue

from bench.alternatives.aiohttp_front import Adder, serve
from bench.alternatives.common import Settings, amqp_names, loop_factory, until_terminated

__all__ = ["main"]

#: A call waits at most this long for the worker's reply (seconds).
TIMEOUT = 30.0


def _queue(settings: Settings) -> str:
    return amqp_names("faststream_rpc", settings.prefix)[0][0]


@asynccontextmanager
async def request_adder(settings: Settings) -> AsyncIterator[Adder]:
    broker = RabbitBroker(settings.amqp_url, logger=None)
    await broker.connect()
    try:
        queue = _queue(settings)

        async def add(a: int, b: int) -> int:
            reply = await broker.request({"a": a, "b": b}, queue, timeout=TIMEOUT)
            total = await reply.decode()
            if not isinstance(total, int):
                raise RuntimeError(f"the worker answered {total!r}")
            return total

        yield add
    finally:
        await broker.stop()


async def worker(settings: Settings) -> None:
    broker = RabbitBroker(settings.amqp_url, logger=None)

    @broker.subscriber(RabbitQueue(_queue(settings), auto_delete=True))
    async def add(a: int, b: int) -> int:
        return a + b

    await broker.start()
    try:
        await until_terminated()
    finally:
        await broker.stop()


def main(argv: list[str]) -> int:
    settings = Settings.from_env()
    role = argv[0] if argv else ""
    if role == "worker":
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(worker(settings))
        return 0
    if role == "front":
        serve(settings, request_adder)
        return 0
    print("usage: python -m bench.alternatives.faststream_rpc front|worker", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
