"""A lean AMQP 0-9-1 client for the call path: one asyncio protocol, no per-frame tasks.

Why not aio-pika here: with it, the gateway spent more CPU on AMQP than on everything else it
does for a call (message objects, a writer task fed by a queue, three awaited reads per frame).
This client parses every complete frame of a read in one pass inside ``data_received``, calls
consumers synchronously, and writes everything produced in one loop iteration with a single
``transport.write``. It implements only what the platform uses: the handshake (PLAIN), channels,
publisher confirms, qos, exchange/queue declare and bind, consume/cancel, publish, ack/nack/
reject, returns, heartbeats and closes. aio-pika stays for the low-volume paths (events,
health checks) and the tests.

Publishing never awaits: :meth:`Channel.publish` queues the frames and returns the delivery
tag; with confirms on, the broker's ack or nack (or the channel's loss) is reported to
``Channel.on_confirm`` with the token given at publish time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import struct
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

import pamqp.frame
from pamqp import base as pbase
from pamqp import commands as spec

from shared.amqp import codec
from shared.amqp.codec import Properties
from shared.amqp.errors import AMQPError, ChannelClosed, ConnectionClosed, ProtocolError

__all__ = [
    "ACKED",
    "LOST",
    "NACKED",
    "Channel",
    "Connection",
    "Delivery",
    "Returned",
    "connect",
]

log = logging.getLogger(__name__)

#: Outcomes reported to ``Channel.on_confirm``.
ACKED, NACKED, LOST = "ack", "nack", "lost"

#: The largest frame we accept or send (the broker may ask for less).
FRAME_MAX = 131_072
DEFAULT_HEARTBEAT = 60
_CLOSE_TIMEOUT = 3.0

F = TypeVar("F", bound=pbase.Frame)

_frame_head = struct.Struct(">BHI")
_class_method = struct.Struct(">HH")
_deliver_tail = struct.Struct(">QB")
_ack_body = struct.Struct(">QB")
_reply_code = struct.Struct(">H")


class Delivery:
    """A message the broker delivered to a consumer."""

    __slots__ = (
        "body",
        "channel",
        "consumer_tag",
        "delivery_tag",
        "exchange",
        "properties",
        "redelivered",
        "routing_key",
    )

    # Positional: built once per delivered message, on the hot path.
    def __init__(  # noqa: PLR0917
        self,
        channel: Channel,
        consumer_tag: str,
        delivery_tag: int,
        redelivered: bool,
        exchange: str,
        routing_key: str,
    ) -> None:
        self.channel = channel
        self.consumer_tag = consumer_tag
        self.delivery_tag = delivery_tag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routing_key = routing_key
        self.properties = Properties()
        self.body = b""


class Returned:
    """A ``mandatory`` message the broker could not route, handed back (``basic.return``)."""

    __slots__ = ("body", "exchange", "properties", "reply_code", "reply_text", "routing_key")

    def __init__(self, reply_code: int, reply_text: str, exchange: str, routing_key: str) -> None:
        self.reply_code = reply_code
        self.reply_text = reply_text
        self.exchange = exchange
        self.routing_key = routing_key
        self.properties = Properties()
        self.body = b""


class _Content:
    """A message being assembled from its header and body frames."""

    __slots__ = ("message", "parts", "received", "size")

    def __init__(self, message: Delivery | Returned) -> None:
        self.message = message
        self.size = -1  # until the header frame arrives
        self.received = 0
        self.parts: list[bytes] = []


Consumer = Callable[[Delivery], None]


class Channel:
    """One AMQP channel. Synchronous methods (declare, consume, ...) are serialised."""

    def __init__(self, connection: Connection, channel_id: int) -> None:
        self.connection = connection
        self.id = channel_id
        self.closed: BaseException | None = None
        #: ``on_confirm(token, outcome)`` with outcome ACKED, NACKED or LOST.
        self.on_confirm: Callable[[Any, str], None] | None = None
        #: Called with each unroutable ``mandatory`` message.
        self.on_return: Callable[[Returned], None] | None = None
        #: Called with a consumer tag the broker cancelled (its queue was deleted).
        self.on_cancel: Callable[[str], None] | None = None
        #: Called with the error when the broker closes this channel (not on connection loss).
        self.on_close: Callable[[BaseException], None] | None = None
        self._confirming = False
        self._next_tag = 1
        self._unconfirmed: dict[int, Any] = {}
        self._consumers: dict[str, Consumer] = {}
        self._content: _Content | None = None
        self._no_ack: set[str] = set()
        self._pending_consumer: Consumer | None = None
        self._lock = asyncio.Lock()
        self._waiter: tuple[type[pbase.Frame], asyncio.Future[pbase.Frame]] | None = None

    @property
    def is_closed(self) -> bool:
        return self.closed is not None

    # -- synchronous methods -------------------------------------------------------------

    async def _rpc(self, frame: pbase.Frame, expect: type[F]) -> F:
        async with self._lock:
            self._check_open()
            data = pamqp.frame.marshal(frame, self.id)
            fut: asyncio.Future[pbase.Frame] = self.connection.loop.create_future()
            self._waiter = (expect, fut)
            self.connection.send(data)
            try:
                reply = await fut
            finally:
                self._waiter = None
        assert isinstance(reply, expect)
        return reply

    def _check_open(self) -> None:
        if self.closed is not None:
            raise self.closed if isinstance(self.closed, AMQPError) else ChannelClosed()

    async def _open(self) -> None:
        await self._rpc(spec.Channel.Open(), spec.Channel.OpenOk)

    async def confirm_select(self) -> None:
        """Turn publisher confirms on: every publish is acked or nacked by the broker."""
        await self._rpc(spec.Confirm.Select(), spec.Confirm.SelectOk)
        self._confirming = True

    async def basic_qos(self, prefetch_count: int) -> None:
        await self._rpc(spec.Basic.Qos(prefetch_count=prefetch_count), spec.Basic.QosOk)

    async def exchange_declare(
        self,
        exchange: str,
        exchange_type: str = "direct",
        *,
        durable: bool = False,
        passive: bool = False,
        auto_delete: bool = False,
        arguments: dict[str, Any] | None = None,
    ) -> None:
        await self._rpc(
            spec.Exchange.Declare(
                exchange=exchange,
                exchange_type=exchange_type,
                durable=durable,
                passive=passive,
                auto_delete=auto_delete,
                arguments=arguments,
            ),
            spec.Exchange.DeclareOk,
        )

    async def queue_declare(
        self,
        queue: str,
        *,
        durable: bool = False,
        passive: bool = False,
        exclusive: bool = False,
        auto_delete: bool = False,
        arguments: dict[str, Any] | None = None,
    ) -> spec.Queue.DeclareOk:
        """Declare ``queue``; the answer carries its message and consumer counts. A passive
        declare of a missing queue raises :class:`ChannelClosed` (404) and closes the channel."""
        return await self._rpc(
            spec.Queue.Declare(
                queue=queue,
                durable=durable,
                passive=passive,
                exclusive=exclusive,
                auto_delete=auto_delete,
                arguments=arguments,
            ),
            spec.Queue.DeclareOk,
        )

    async def queue_bind(self, queue: str, exchange: str, routing_key: str) -> None:
        await self._rpc(
            spec.Queue.Bind(queue=queue, exchange=exchange, routing_key=routing_key),
            spec.Queue.BindOk,
        )

    async def queue_delete(self, queue: str) -> None:
        await self._rpc(spec.Queue.Delete(queue=queue), spec.Queue.DeleteOk)

    async def exchange_delete(self, exchange: str) -> None:
        await self._rpc(spec.Exchange.Delete(exchange=exchange), spec.Exchange.DeleteOk)

    async def basic_consume(
        self, queue: str, consumer: Consumer, *, no_ack: bool = False, exclusive: bool = False
    ) -> str:
        """Start consuming ``queue``; ``consumer`` is called, synchronously, with each
        delivery (schedule a task from it for anything that waits). Returns the tag."""
        async with self._lock:
            self._check_open()
            fut: asyncio.Future[pbase.Frame] = self.connection.loop.create_future()
            self._waiter = (spec.Basic.ConsumeOk, fut)
            self.connection.send_method(
                self.id, spec.Basic.Consume(queue=queue, no_ack=no_ack, exclusive=exclusive)
            )
            # Deliveries may follow the ConsumeOk in the same read: the consumer must be
            # registered before the parser moves past it (see _on_method).
            self._pending_consumer = consumer
            try:
                reply = await fut
            finally:
                self._waiter = None
                self._pending_consumer = None
        assert isinstance(reply, spec.Basic.ConsumeOk)
        if no_ack:
            self._no_ack.add(str(reply.consumer_tag))
        return str(reply.consumer_tag)

    async def basic_cancel(self, consumer_tag: str) -> None:
        await self._rpc(spec.Basic.Cancel(consumer_tag=consumer_tag), spec.Basic.CancelOk)
        self._consumers.pop(consumer_tag, None)

    async def close(self) -> None:
        if self.closed is not None or self.connection.closed is not None:
            return
        try:
            await self._rpc(
                spec.Channel.Close(reply_code=200, reply_text="bye", class_id=0, method_id=0),
                spec.Channel.CloseOk,
            )
        finally:
            self._lost(ChannelClosed(200, "closed by the client"))
            self.connection.forget_channel(self.id)

    # -- asynchronous methods: no waiting ------------------------------------------------

    def publish(
        self,
        exchange_and_key: bytes,
        body: bytes,
        *,
        mandatory: bool = False,
        token: Any = None,
        content_type: str | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        expiration: str | None = None,
        delivery_mode: int | None = None,
        headers: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> int:
        """Queue a publish; ``exchange_and_key`` is :func:`codec.publish_target`'s encoding.

        With confirms on, returns the delivery tag and reports its outcome to ``on_confirm``
        with ``token`` (when ``token`` is not None). Raises at once if the channel is closed.
        """
        self._check_open()
        connection = self.connection
        connection.send(
            codec.encode_publish(
                self.id,
                exchange_and_key,
                mandatory,
                body,
                connection.frame_max,
                content_type=content_type,
                correlation_id=correlation_id,
                reply_to=reply_to,
                expiration=expiration,
                delivery_mode=delivery_mode,
                headers=headers,
                message_id=message_id,
            )
        )
        if not self._confirming:
            return 0
        tag = self._next_tag
        self._next_tag = tag + 1
        if token is not None:
            self._unconfirmed[tag] = token
        return tag

    def ack(self, delivery_tag: int, *, multiple: bool = False) -> None:
        self._check_open()
        self.connection.send(codec.encode_ack(self.id, delivery_tag, multiple))

    def nack(self, delivery_tag: int, *, multiple: bool = False, requeue: bool = True) -> None:
        self._check_open()
        self.connection.send(
            codec.encode_nack(self.id, delivery_tag, multiple=multiple, requeue=requeue)
        )

    def reject(self, delivery_tag: int, *, requeue: bool = True) -> None:
        self._check_open()
        self.connection.send(codec.encode_reject(self.id, delivery_tag, requeue=requeue))

    # -- incoming frames -----------------------------------------------------------------

    def _on_confirm(self, tag: int, multiple: bool, outcome: str) -> None:
        unconfirmed = self._unconfirmed
        if not unconfirmed:
            return
        handler = self.on_confirm
        if multiple:
            # Tags are kept in publish order: confirm from the oldest up to ``tag``.
            while unconfirmed:
                first = next(iter(unconfirmed))
                if first > tag:
                    break
                token = unconfirmed.pop(first)
                if handler is not None:
                    handler(token, outcome)
        else:
            token = unconfirmed.pop(tag, None)
            if token is not None and handler is not None:
                handler(token, outcome)

    def _on_method(self, frame: pbase.Frame) -> None:
        """A method frame other than the call path's (those are parsed by the connection)."""
        if isinstance(frame, spec.Channel.Close):
            error = ChannelClosed(frame.reply_code or 0, frame.reply_text or "")
            log.debug("channel %d closed by the broker: %s", self.id, error)
            self.connection.send_method(self.id, spec.Channel.CloseOk())
            self._lost(error)
            self.connection.forget_channel(self.id)
            if self.on_close is not None:
                self.on_close(error)
            return
        if isinstance(frame, spec.Basic.Cancel):  # the broker cancelled a consumer
            tag = str(frame.consumer_tag)
            self._consumers.pop(tag, None)
            log.warning("consumer %s cancelled by the broker", tag)
            if self.on_cancel is not None:
                self.on_cancel(tag)
            return
        if isinstance(frame, spec.Channel.Flow):
            self.connection.send_method(self.id, spec.Channel.FlowOk(active=frame.active))
            return
        waiter = self._waiter
        if waiter is not None and isinstance(frame, waiter[0]) and not waiter[1].done():
            if isinstance(frame, spec.Basic.ConsumeOk) and self._pending_consumer is not None:
                self._consumers[str(frame.consumer_tag)] = self._pending_consumer
            waiter[1].set_result(frame)
            return
        log.warning("channel %d: unexpected %s ignored", self.id, frame.name)

    def _deliver(self, delivery: Delivery) -> None:
        consumer = self._consumers.get(delivery.consumer_tag)
        if consumer is None:
            # Cancelled meanwhile: give the message back rather than lose it (a no-ack
            # delivery is the broker's to forget; nacking it would be a channel error).
            if self.closed is None and delivery.consumer_tag not in self._no_ack:
                self.nack(delivery.delivery_tag, requeue=True)
            return
        try:
            consumer(delivery)
        except Exception:  # one consumer's bug must not stop the connection's parser
            log.exception("consumer %s failed on a delivery", delivery.consumer_tag)

    def _returned(self, message: Returned) -> None:
        if self.on_return is not None:
            try:
                self.on_return(message)
            except Exception:
                log.exception("return handler failed")

    def _lost(self, error: BaseException) -> None:
        """The channel (or its connection) is gone: fail whoever waits on it."""
        if self.closed is not None:
            return
        self.closed = error
        waiter = self._waiter
        if waiter is not None and not waiter[1].done():
            waiter[1].set_exception(error)
        unconfirmed, self._unconfirmed = self._unconfirmed, {}
        handler = self.on_confirm
        if handler is not None:
            for token in unconfirmed.values():
                handler(token, LOST)
        self._consumers.clear()
        self._content = None


class Connection(asyncio.Protocol):
    """The protocol object of one broker connection; create it with :func:`connect`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, name: str, heartbeat: int) -> None:
        self.loop = loop
        self.name = name
        self.heartbeat = heartbeat
        self.frame_max = FRAME_MAX
        self.channel_max = 2047
        self.server_properties: dict[str, Any] = {}
        #: Why the connection ended (None while it is open).
        self.closed: BaseException | None = None
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._out: list[bytes] = []
        self._flush_scheduled = False
        self._channels: dict[int, Channel] = {}
        self._waiter0: tuple[type[pbase.Frame], asyncio.Future[pbase.Frame]] | None = None
        self._close_callbacks: list[Callable[[BaseException | None], None]] = []
        self._lost_fut: asyncio.Future[None] = loop.create_future()
        self._closing_by_us = False
        self._last_recv = loop.time()
        self._last_send = loop.time()
        self._heartbeat_handle: asyncio.TimerHandle | None = None
        self._blocked = False
        #: The error to report once the socket is gone (a broker close, a protocol error).
        self._pending_close: BaseException | None = None

    # -- public ------------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        return self.closed is not None

    @property
    def blocked(self) -> bool:
        """The broker stopped reading our publishes (a memory or disk alarm): anything
        published now waits in our buffers until the alarm clears."""
        return self._blocked

    def add_close_callback(self, callback: Callable[[BaseException | None], None]) -> None:
        """``callback(error)`` runs once when the connection ends; ``error`` is None when we
        closed it ourselves."""
        self._close_callbacks.append(callback)

    async def channel(self) -> Channel:
        self._check_open()
        channel_id = next(i for i in range(1, self.channel_max + 1) if i not in self._channels)
        channel = Channel(self, channel_id)
        self._channels[channel_id] = channel
        try:
            await channel._open()
        except BaseException:
            self._channels.pop(channel_id, None)
            raise
        return channel

    def forget_channel(self, channel_id: int) -> None:
        self._channels.pop(channel_id, None)

    async def close(self) -> None:
        """Close politely (``connection.close`` and its answer), then the socket."""
        if self.closed is not None:
            await asyncio.shield(self._lost_fut)
            return
        self._closing_by_us = True
        with contextlib.suppress(Exception):
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await self._rpc0(
                    spec.Connection.Close(
                        reply_code=200, reply_text="Normal shutdown", class_id=0, method_id=0
                    ),
                    spec.Connection.CloseOk,
                )
        if self._transport is not None:
            self._transport.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await asyncio.shield(self._lost_fut)
        if self.closed is None:  # the transport never reported its end: finish by hand
            self.connection_lost(None)

    # -- writing -----------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Queue bytes for the socket; everything queued in one loop iteration goes out in
        one write."""
        if self.closed is not None:
            raise ConnectionClosed(text="the broker connection is closed")
        self._out.append(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def send_method(self, channel_id: int, frame: pbase.Frame) -> None:
        self.send(pamqp.frame.marshal(frame, channel_id))

    def _flush(self) -> None:
        self._flush_scheduled = False
        out, self._out = self._out, []
        transport = self._transport
        if transport is None or transport.is_closing() or not out:
            return
        transport.write(out[0] if len(out) == 1 else b"".join(out))
        self._last_send = self.loop.time()

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self._transport = cast(asyncio.Transport, transport)
        self._transport.write(codec.PROTOCOL_HEADER)

    def data_received(self, data: bytes) -> None:
        self._last_recv = self.loop.time()
        buffer = self._buffer
        buffer += data
        size = len(buffer)
        pos = 0
        try:
            while size - pos >= 8:
                frame_type, channel_id, length = _frame_head.unpack_from(buffer, pos)
                end = pos + 7 + length
                if end >= size:
                    break  # the rest of this frame has not arrived
                if buffer[end] != codec.FRAME_END:
                    raise ProtocolError("frame does not end with 0xCE")
                payload = bytes(buffer[pos + 7 : end])
                if frame_type == codec.FRAME_METHOD:
                    self._on_method_frame(channel_id, payload, buffer, pos, end + 1)
                elif frame_type == codec.FRAME_HEADER:
                    self._on_header(channel_id, payload)
                elif frame_type == codec.FRAME_BODY:
                    self._on_body(channel_id, payload)
                elif frame_type != codec.FRAME_HEARTBEAT:
                    raise ProtocolError(f"unknown frame type {frame_type}")
                pos = end + 1
        except Exception as exc:  # a broken stream cannot be resynchronised: drop it
            log.error("%s: bad frame from the broker (%r); closing", self.name, exc)
            del buffer[:]
            self._abort(ProtocolError(str(exc)))
            return
        del buffer[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed is not None:
            return
        error: BaseException
        if self._pending_close is not None:
            error = self._pending_close
        elif self._closing_by_us:
            error = ConnectionClosed(200, "closed by the client")
        else:
            error = ConnectionClosed(
                text=f"connection lost ({exc!r})" if exc else "connection lost"
            )
        self.closed = error
        self._transport = None
        if self._heartbeat_handle is not None:
            self._heartbeat_handle.cancel()
        waiter = self._waiter0
        if waiter is not None and not waiter[1].done():
            waiter[1].set_exception(error)
        for channel in list(self._channels.values()):
            channel._lost(error)
        self._channels.clear()
        if not self._lost_fut.done():
            self._lost_fut.set_result(None)
        reported = None if self._closing_by_us else error
        for callback in self._close_callbacks:
            try:
                callback(reported)
            except Exception:
                log.exception("connection close callback failed")
        self._close_callbacks.clear()

    def abort(self) -> None:
        """Drop the socket without the closing handshake, as a network failure would: the
        close callbacks see a loss (for failure tests)."""
        self._abort(ConnectionClosed(text="connection aborted"))

    def _abort(self, error: BaseException) -> None:
        self._pending_close = error
        if self._transport is not None:
            self._transport.abort()

    # -- incoming frames -----------------------------------------------------------------

    def _on_method_frame(
        self, channel_id: int, payload: bytes, buffer: bytearray, start: int, end: int
    ) -> None:
        class_id, method_id = _class_method.unpack_from(payload, 0)
        if class_id == codec.BASIC:
            channel = self._channels.get(channel_id)
            if channel is None:
                return  # a channel we already let go of
            if method_id == codec.DELIVER:
                tag, offset = codec.read_shortstr(payload, 4)
                delivery_tag, redelivered = _deliver_tail.unpack_from(payload, offset)
                exchange, offset = codec.read_shortstr(payload, offset + 9)
                routing_key, _end = codec.read_shortstr(payload, offset)
                channel._content = _Content(
                    Delivery(channel, tag, delivery_tag, bool(redelivered), exchange, routing_key)
                )
                return
            if method_id in (codec.ACK, codec.NACK):
                delivery_tag, bits = _ack_body.unpack_from(payload, 4)
                outcome = ACKED if method_id == codec.ACK else NACKED
                channel._on_confirm(delivery_tag, bool(bits & 1), outcome)
                return
            if method_id == codec.RETURN:
                (code,) = _reply_code.unpack_from(payload, 4)
                text, offset = codec.read_shortstr(payload, 6)
                exchange, offset = codec.read_shortstr(payload, offset)
                routing_key, _end = codec.read_shortstr(payload, offset)
                channel._content = _Content(Returned(code, text, exchange, routing_key))
                return
        _used, _channel, frame = pamqp.frame.unmarshal(bytes(buffer[start:end]))
        if not isinstance(frame, pbase.Frame):
            raise ProtocolError(f"not a method frame: {frame!r}")
        if channel_id == 0:
            self._on_connection_method(frame)
            return
        channel = self._channels.get(channel_id)
        if channel is not None:
            channel._on_method(frame)

    def _on_header(self, channel_id: int, payload: bytes) -> None:
        channel = self._channels.get(channel_id)
        content = channel._content if channel is not None else None
        if channel is None or content is None:
            return
        size, properties = codec.decode_content_header(payload)
        content.size = size
        content.message.properties = properties
        if size == 0:
            self._complete(channel, content)

    def _on_body(self, channel_id: int, payload: bytes) -> None:
        channel = self._channels.get(channel_id)
        content = channel._content if channel is not None else None
        if channel is None or content is None or content.size < 0:
            return
        content.parts.append(payload)
        content.received += len(payload)
        if content.received >= content.size:
            self._complete(channel, content)

    def _complete(self, channel: Channel, content: _Content) -> None:
        channel._content = None
        parts = content.parts
        message = content.message
        message.body = parts[0] if len(parts) == 1 else b"".join(parts)
        if isinstance(message, Delivery):
            channel._deliver(message)
        else:
            channel._returned(message)

    def _on_connection_method(self, frame: pbase.Frame) -> None:
        if isinstance(frame, spec.Connection.Close):
            error = ConnectionClosed(frame.reply_code or 0, frame.reply_text or "")
            log.warning("%s: the broker closed the connection: %s", self.name, error)
            self._pending_close = error
            with contextlib.suppress(ConnectionClosed):
                self.send_method(0, spec.Connection.CloseOk())
                self._flush()
            if self._transport is not None:
                self._transport.close()
            return
        if isinstance(frame, spec.Connection.Blocked):
            self._blocked = True
            log.warning("%s: the broker blocks publishing (%s)", self.name, frame.reason)
            return
        if isinstance(frame, spec.Connection.Unblocked):
            self._blocked = False
            log.warning("%s: the broker unblocked publishing", self.name)
            return
        waiter = self._waiter0
        if waiter is not None and isinstance(frame, waiter[0]) and not waiter[1].done():
            waiter[1].set_result(frame)
            return
        log.warning("%s: unexpected %s ignored", self.name, frame.name)

    # -- handshake and heartbeats --------------------------------------------------------

    def _expect0(self, expect: type[pbase.Frame]) -> asyncio.Future[pbase.Frame]:
        fut: asyncio.Future[pbase.Frame] = self.loop.create_future()
        self._waiter0 = (expect, fut)
        return fut

    async def _rpc0(self, frame: pbase.Frame, expect: type[F]) -> F:
        self._check_open()
        data = pamqp.frame.marshal(frame, 0)
        fut = self._expect0(expect)
        self.send(data)
        reply = await fut
        assert isinstance(reply, expect)
        return reply

    async def handshake(
        self, username: str, password: str, vhost: str, start: asyncio.Future[pbase.Frame]
    ) -> None:
        started = await start
        assert isinstance(started, spec.Connection.Start)
        self.server_properties = dict(started.server_properties or {})
        mechanisms = str(started.mechanisms).split()
        if "PLAIN" not in mechanisms:
            raise AMQPError(f"the broker offers no PLAIN login (only {mechanisms})")
        tune_fut = self._expect0(spec.Connection.Tune)
        self.send_method(
            0,
            spec.Connection.StartOk(
                client_properties={
                    "product": "moodle-ws",
                    "connection_name": self.name,
                    "capabilities": {
                        "publisher_confirms": True,
                        "basic.nack": True,
                        "consumer_cancel_notify": True,
                        "connection.blocked": True,
                        "authentication_failure_close": True,
                        "exchange_exchange_bindings": True,
                    },
                },
                mechanism="PLAIN",
                response=f"\0{username}\0{password}",
            ),
        )
        tune = await tune_fut
        assert isinstance(tune, spec.Connection.Tune)
        self.frame_max = min(tune.frame_max or FRAME_MAX, FRAME_MAX)
        self.channel_max = min(tune.channel_max or 2047, 2047)
        # Both sides propose; 0 means "none" from that side, otherwise the lower one wins.
        if tune.heartbeat and self.heartbeat:
            self.heartbeat = min(tune.heartbeat, self.heartbeat)
        else:
            self.heartbeat = tune.heartbeat or self.heartbeat
        self.send_method(
            0,
            spec.Connection.TuneOk(
                channel_max=self.channel_max, frame_max=self.frame_max, heartbeat=self.heartbeat
            ),
        )
        await self._rpc0(spec.Connection.Open(virtual_host=vhost), spec.Connection.OpenOk)
        if self.heartbeat:
            self._heartbeat_handle = self.loop.call_later(self.heartbeat / 2, self._beat)

    def _beat(self) -> None:
        """Every half heartbeat: send one if we were quiet, give up on a silent broker."""
        if self.closed is not None or self._transport is None:
            return
        now = self.loop.time()
        if now - self._last_recv > 2 * self.heartbeat:
            log.warning("%s: no frame from the broker for %.0f s; dropping the connection",
                        self.name, now - self._last_recv)  # fmt: skip
            self._abort(ConnectionClosed(text="missed heartbeats"))
            return
        if now - self._last_send >= self.heartbeat / 2:
            self._transport.write(codec.HEARTBEAT_FRAME)
            self._last_send = now
        self._heartbeat_handle = self.loop.call_later(self.heartbeat / 2, self._beat)

    def _check_open(self) -> None:
        if self.closed is not None:
            raise self.closed if isinstance(self.closed, AMQPError) else ConnectionClosed()


async def connect(url: str, *, name: str, timeout: float = 10.0) -> Connection:  # noqa: ASYNC109
    """Open a connection to one broker URL (``amqp://`` or ``amqps://``, with optional
    ``?heartbeat=N``) and complete the handshake within ``timeout`` seconds."""
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "amqps"):
        raise ValueError(f"not an AMQP URL: {url!r}")
    secure = parts.scheme == "amqps"
    host = parts.hostname or "localhost"
    port = parts.port or (5671 if secure else 5672)
    username = unquote(parts.username or "guest")
    password = unquote(parts.password or "guest")
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    vhost = unquote(path) if path else "/"
    heartbeat = DEFAULT_HEARTBEAT
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if key == "heartbeat" and value:
            heartbeat = int(value)
    loop = asyncio.get_running_loop()
    connection = Connection(loop, name=name, heartbeat=heartbeat)
    # Registered before the socket exists: the broker's Start may arrive with the first read.
    start = connection._expect0(spec.Connection.Start)
    try:
        async with asyncio.timeout(timeout):
            await loop.create_connection(
                lambda: connection,
                host,
                port,
                ssl=ssl.create_default_context() if secure else None,
            )
            await connection.handshake(username, password, vhost, start)
    except BaseException:
        if connection._transport is not None:
            connection._transport.abort()
        start.cancel()
        raise
    return connection
