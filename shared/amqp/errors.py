"""What the AMQP client raises."""

from __future__ import annotations

__all__ = ["AMQPError", "ChannelClosed", "ConnectionClosed", "ProtocolError"]


class AMQPError(Exception):
    """Anything that went wrong talking to the broker."""


class ConnectionClosed(AMQPError, ConnectionError):
    """The connection is gone: closed by the broker (with its reply code), by us, or lost."""

    def __init__(self, code: int = 0, text: str = "connection lost") -> None:
        super().__init__(f"{code} {text}" if code else text)
        self.code = code
        self.text = text


class ChannelClosed(AMQPError):
    """The broker closed a channel, e.g. 404 for a passive declare of a missing queue."""

    def __init__(self, code: int = 0, text: str = "channel closed") -> None:
        super().__init__(f"{code} {text}" if code else text)
        self.code = code
        self.text = text


class ProtocolError(AMQPError):
    """The peer sent something this client cannot make sense of."""
