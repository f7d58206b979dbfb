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

from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractQueue,
    AbstractRobustConnection,
)

from shared.constants import Names

__all__ = [
    "CALL_CONTENT_TYPE",
    "DIRECT_REPLY_TO",
    "connect_amqp",
    "declare_call_queue",
    "declare_calls_exchange",
]

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
