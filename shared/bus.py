"""AMQP topology and connection plumbing shared by the gateway and the workers.

Calls go to one durable direct exchange (``Names.calls_exchange``) with the function name as
routing key. Each component has one durable queue, bound once per function it serves; all
workers serving that component compete on it. Replies come back through RabbitMQ's Direct
Reply-To (``amq.rabbitmq.reply-to``), so no reply queue needs declaring or cleaning up.

Publishing is ``mandatory`` with publisher confirms: a call to a function no worker ever bound
is returned at once (``basic.return``) and a call refused by a full queue is nacked
(``x-overflow: reject-publish``), so neither waits for its deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractQueue,
    AbstractRobustConnection,
)

from shared.constants import Names

__all__ = [
    "CALL_CONTENT_TYPE",
    "DIRECT_REPLY_TO",
    "BusLink",
    "connect_amqp",
    "declare_call_queue",
    "declare_calls_exchange",
]

log = logging.getLogger(__name__)

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
CALL_CONTENT_TYPE = "application/msgpack"


async def connect_amqp(url: str, *, name: str) -> AbstractRobustConnection:
    """A robust connection: aio-pika reopens it, its channels and consumers after a loss."""
    return await aio_pika.connect_robust(url, client_properties={"connection_name": name})


async def declare_calls_exchange(channel: AbstractChannel, names: Names) -> AbstractExchange:
    return await channel.declare_exchange(
        names.calls_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )


def call_queue_arguments(max_length: int) -> dict[str, Any]:
    # reject-publish turns an overflowing queue into a nack the gateway answers as "busy",
    # instead of silently dropping the oldest calls (the default drop-head).
    return {"x-max-length": max_length, "x-overflow": "reject-publish"}


async def declare_call_queue(
    channel: AbstractChannel, names: Names, component: str, *, max_length: int
) -> AbstractQueue:
    return await channel.declare_queue(
        names.call_queue(component),
        durable=True,
        arguments=call_queue_arguments(max_length),
    )


class BusLink:
    """A broker connection that rebuilds everything on top of it after a loss.

    aio-pika's robust connection restores channels and consumers on its own, but not the
    Direct Reply-To consumer, and it gives no hook to fail what was in flight. This link keeps
    it simple and explicit: ``setup(connection)`` declares and consumes whatever its owner
    needs; when the connection drops, ``on_lost`` runs at once (fail pending calls) and the
    link reconnects with backoff, running ``setup`` again on the new connection.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str,
        setup: Callable[[AbstractConnection], Awaitable[None]],
        on_lost: Callable[[], None] = lambda: None,
        max_backoff: float = 5.0,
    ) -> None:
        self.url = url
        self.name = name
        self._setup = setup
        self._on_lost = on_lost
        self._max_backoff = max_backoff
        self.connection: AbstractConnection | None = None
        self.ready = asyncio.Event()
        self.reconnects = 0
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait: bool = True) -> None:
        """Connect now; if the broker is down, raise (``wait``) or keep trying in the background."""
        try:
            await self._connect()
        except Exception:
            if wait:
                raise
            log.warning("%s: broker unavailable at start; retrying in the background", self.name)
            self._schedule()

    async def _connect(self) -> None:
        connection = await aio_pika.connect(
            self.url, client_properties={"connection_name": self.name}, timeout=10
        )
        try:
            await self._setup(connection)
        except BaseException:
            await connection.close()
            raise
        connection.close_callbacks.add(self._closed)
        self.connection = connection
        self.ready.set()

    def _closed(self, _sender: object, exc: BaseException | None = None) -> None:
        if self._closing:
            return
        log.warning("%s: lost the broker connection (%r); reconnecting", self.name, exc)
        self.ready.clear()
        self.connection = None
        self._on_lost()
        self._schedule()

    def _schedule(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.25
        while not self._closing:
            await asyncio.sleep(delay)
            try:
                await self._connect()
            except Exception as exc:
                log.info("%s: reconnect failed (%r); next try in %.1f s", self.name, exc, delay)
                delay = min(delay * 2, self._max_backoff)
                continue
            self.reconnects += 1
            log.warning("%s: reconnected to the broker", self.name)
            return

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
        if self.connection is not None:
            await self.connection.close()
