"""AMQP topology and connection plumbing shared by the gateway and the workers.

Calls go to one durable direct exchange (``Names.calls_exchange``) with the function name as
routing key. Each component has one durable queue, bound once per function it serves; all
workers serving that component compete on it. Replies come back through RabbitMQ's Direct
Reply-To (``amq.rabbitmq.reply-to``), so no reply queue needs declaring or cleaning up.

Publishing is ``mandatory`` with publisher confirms: a call to a function no worker ever bound
is returned at once (``basic.return``) and a call refused by a full queue is nacked
(``x-overflow: reject-publish``), so neither waits for its deadline.

The call path (:class:`BusLink`, the gateway's RPC client, the workers) runs on the lean client
of :mod:`shared.amqp`; aio-pika serves the low-volume paths (events, health checks).

On a RabbitMQ cluster, ``AMQP_URL`` lists several nodes separated by commas; every client
connects to the first that answers and, when that node goes away, to the next one (see
:class:`BusLink`). The call queues can then be quorum queues (``WS_QUEUE_TYPE=quorum``),
replicated on every node, so a node's loss loses no queued call (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection

from shared import amqp
from shared.constants import QUEUE_TYPES, Names

__all__ = [
    "CALL_CONTENT_TYPE",
    "DIRECT_REPLY_TO",
    "BusLink",
    "amqp_urls",
    "connect_amqp",
    "declare_call_queue",
    "declare_calls_exchange",
    "open_channel",
]

log = logging.getLogger(__name__)

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
CALL_CONTENT_TYPE = "application/msgpack"


def amqp_urls(url: str) -> list[str]:
    """The broker URLs of ``AMQP_URL``: one, or several (cluster nodes) separated by commas."""
    urls = [part.strip() for part in url.split(",") if part.strip()]
    if not urls:
        raise ValueError("AMQP_URL names no broker")
    return urls


async def connect_amqp(url: str, *, name: str) -> AbstractRobustConnection:
    """A robust connection to the first node of ``url`` that answers.

    aio-pika reopens it, its channels and consumers after a loss, but always to that same node:
    use it only where a short outage is acceptable (health checks, events); calls go through
    :class:`BusLink`, which moves to another node.
    """
    error: Exception | None = None
    for one in amqp_urls(url):
        try:
            return await aio_pika.connect_robust(one, client_properties={"connection_name": name})
        except Exception as exc:  # refused, unreachable, or not ready: try the next node
            error = exc
    assert error is not None
    raise error


async def open_channel(connection: amqp.Connection) -> amqp.Channel:
    """A channel for what a :class:`BusLink` owner's ``setup`` builds on ``connection``.

    The broker closes a channel on a channel error (an exchange deleted under us, say), and
    the connection lives on: the owner would keep publishing into, or waiting on, a dead
    channel. Such a close drops the whole connection instead, so the link reconnects and runs
    ``setup`` again, which declares everything anew.
    """
    channel = await connection.channel()
    channel.on_close = lambda _error: connection.abort()
    return channel


async def declare_calls_exchange(channel: amqp.Channel, names: Names) -> None:
    await channel.exchange_declare(names.calls_exchange, "direct", durable=True)


def call_queue_arguments(max_length: int, queue_type: str = "classic") -> dict[str, Any]:
    """The declare arguments of a call queue; ``queue_type`` is ``classic`` or ``quorum``."""
    if queue_type not in QUEUE_TYPES:
        raise ValueError(f"queue type must be one of {', '.join(QUEUE_TYPES)}, not {queue_type!r}")
    # reject-publish turns an overflowing queue into a nack the gateway answers as "busy",
    # instead of silently dropping the oldest calls (the default drop-head). Quorum queues
    # honour both arguments (RabbitMQ >= 3.8).
    arguments: dict[str, Any] = {"x-max-length": max_length, "x-overflow": "reject-publish"}
    # A classic queue is declared without x-queue-type, exactly as before the setting existed,
    # so queues already on a broker stay equivalent to the declaration.
    if queue_type == "quorum":
        arguments["x-queue-type"] = "quorum"
    return arguments


async def declare_call_queue(
    channel: amqp.Channel,
    names: Names,
    component: str,
    *,
    max_length: int,
    queue_type: str = "classic",
) -> str:
    """Declare a component's call queue (durable; a quorum queue is replicated on the cluster).

    A queue keeps the type it was created with: the broker refuses a declaration of the other
    type (PRECONDITION_FAILED), so switching type means deleting the queue while it is empty.
    """
    name = names.call_queue(component)
    await channel.queue_declare(
        name, durable=True, arguments=call_queue_arguments(max_length, queue_type)
    )
    return name


class BusLink:
    """A broker connection that rebuilds everything on top of it after a loss.

    A lean :class:`shared.amqp.Connection` restores nothing on its own, on purpose: what to
    rebuild, and what to fail, is the owner's business. This link keeps it simple and explicit:
    ``setup(connection)`` declares and consumes whatever its owner needs; when the connection
    drops, ``on_lost`` runs at once (fail pending calls) and the link reconnects with backoff,
    running ``setup`` again on the new connection.

    ``url`` may list several cluster nodes separated by commas. Each connection attempt tries
    them in order, starting after the node last lost, so a dead node is tried last; one round
    over every node counts as one failed attempt for the backoff.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str,
        setup: Callable[[amqp.Connection], Awaitable[None]],
        on_lost: Callable[[], None] = lambda: None,
        max_backoff: float = 5.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.urls = amqp_urls(url)
        #: The node connected to now (or last), for logs and metrics.
        self.url = self.urls[0]
        self.name = name
        self._setup = setup
        self._on_lost = on_lost
        self._max_backoff = max_backoff
        self._connect_timeout = connect_timeout
        self._first = 0  # index of the node the next attempt starts with
        self.connection: amqp.Connection | None = None
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

    def _rotation(self) -> Sequence[int]:
        count = len(self.urls)
        return [(self._first + i) % count for i in range(count)]

    async def _connect(self) -> None:
        error: Exception | None = None
        for index in self._rotation():
            try:
                await self._connect_to(self.urls[index])
            except Exception as exc:
                error = exc
                if len(self.urls) > 1:
                    log.info(
                        "%s: node %d of %d refused (%r)", self.name, index + 1, len(self.urls), exc
                    )
                continue
            self._first = index
            return
        assert error is not None
        raise error

    async def _connect_to(self, url: str) -> None:
        connection = await amqp.connect(url, name=self.name, timeout=self._connect_timeout)
        self.url = url
        try:
            await self._setup(connection)
        except BaseException:
            await connection.close()
            raise
        connection.add_close_callback(self._closed)
        self.connection = connection
        self.ready.set()

    def _closed(self, exc: BaseException | None) -> None:
        if self._closing or exc is None:  # None: closed by its owner, on purpose
            return
        log.warning("%s: lost the broker connection (%r); reconnecting", self.name, exc)
        self.ready.clear()
        self.connection = None
        # The node just lost is likely down: start the next round with the one after it.
        self._first = (self._first + 1) % len(self.urls)
        self._on_lost()
        self._schedule()

    def _schedule(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        # With other nodes to go to, the first try comes at once; a lone node gets a moment.
        delay = 0.05 if len(self.urls) > 1 else 0.25
        while not self._closing:
            await asyncio.sleep(delay)
            try:
                await self._connect()
            except Exception as exc:
                log.info("%s: reconnect failed (%r); next try in %.1f s", self.name, exc, delay)
                delay = min(max(delay, 0.25) * 2, self._max_backoff)
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
