"""A lean AMQP 0-9-1 client for the call path (see :mod:`shared.amqp.connection`)."""

from shared.amqp.codec import Properties, publish_target
from shared.amqp.connection import (
    ACKED,
    LOST,
    NACKED,
    Channel,
    Connection,
    Delivery,
    Returned,
    connect,
)
from shared.amqp.errors import AMQPError, ChannelClosed, ConnectionClosed, ProtocolError

__all__ = [
    "ACKED",
    "LOST",
    "NACKED",
    "AMQPError",
    "Channel",
    "ChannelClosed",
    "Connection",
    "ConnectionClosed",
    "Delivery",
    "Properties",
    "ProtocolError",
    "Returned",
    "connect",
    "publish_target",
]
