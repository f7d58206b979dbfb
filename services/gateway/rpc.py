"""The gateway's RPC client: publish a call, await its reply, never longer than its deadline.

One Direct Reply-To consumer per process and a map of pending futures keyed by correlation id;
no lock is held across a round trip, so any number of calls are in flight at once.
Every failure becomes a :class:`shared.errors.PlatformError` the protocols can render:

* no queue bound for the function (``basic.return``) or no consumer on it -> ``noworkers``
* queue full (nack from ``x-overflow: reject-publish``) -> ``servicebusy``
* broker connection lost, or not (yet) back -> ``brokerunavailable``, at once: calls in flight
  when the connection drops fail immediately instead of waiting for their deadline
* no reply before the deadline -> ``calltimeout``
"""

from __future__ import annotations

import asyncio
import logging
import time

import aio_pika
import aiormq
import msgspec
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
)
from aio_pika.exceptions import (
    AMQPError,
    ChannelClosed,
    ChannelInvalidStateError,
    DeliveryError,
)
from pamqp import commands as spec

from shared import tracing
from shared.bus import CALL_CONTENT_TYPE, DIRECT_REPLY_TO, BusLink, declare_calls_exchange
from shared.constants import Names
from shared.errors import CallTimeout, ServiceUnavailable
from shared.wire import CallReply, CallRequest, reply_decoder, request_encoder

__all__ = ["RpcClient"]

log = logging.getLogger(__name__)

NO_WORKERS = ServiceUnavailable(
    "noworkers",
    "The service is temporarily unavailable",
    "No worker is running for this function",
)
QUEUE_FULL = ServiceUnavailable(
    "servicebusy",
    "The server is busy, please try again later",
    "The call queue is full",
)

_BUS_ERRORS = (AMQPError, aiormq.exceptions.AMQPError, ChannelInvalidStateError, ConnectionError)


def _broker_down(detail: str) -> ServiceUnavailable:
    return ServiceUnavailable("brokerunavailable", "The service is temporarily unavailable", detail)


class RpcClient:
    def __init__(self, amqp_url: str, names: Names, *, consumer_check_ttl: float = 1.0) -> None:
        self.names = names
        self.consumer_check_ttl = consumer_check_ttl
        self.link = BusLink(
            amqp_url,
            name=f"{names.namespace}-gateway",
            setup=self._setup,
            on_lost=self._fail_pending,
        )
        self._channel: AbstractChannel | None = None
        self._check_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._pending: dict[str, asyncio.Future[CallReply]] = {}
        #: queue name -> (checked at, consumer count)
        self._consumers: dict[str, tuple[float, int]] = {}

    @property
    def connected(self) -> bool:
        return self.link.ready.is_set()

    @property
    def inflight(self) -> int:
        return len(self._pending)

    async def start(self) -> None:
        """Connect, or keep trying in the background: the gateway serves (and reports itself
        unhealthy) while the broker is away."""
        await self.link.start(wait=False)

    async def _setup(self, connection: AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await declare_calls_exchange(channel, self.names)
        reply_queue = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await reply_queue.consume(self._on_reply, no_ack=True)
        self._channel, self._exchange = channel, exchange
        self._check_channel = None
        self._consumers.clear()

    def _fail_pending(self) -> None:
        # Replies to these calls would have come back on the lost connection: they never will.
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(_broker_down("Lost the connection to the message broker"))
        self._channel = self._exchange = self._check_channel = None

    async def close(self) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(_broker_down("The gateway is shutting down"))
        await self.link.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        fut = self._pending.get(message.correlation_id or "")
        if fut is None or fut.done():
            return  # the caller gave up (deadline) or the reply is a duplicate
        try:
            fut.set_result(reply_decoder.decode(message.body))
        except Exception as exc:
            log.error("undecodable reply for %s: %r", message.correlation_id, exc)
            fut.set_exception(_broker_down("A worker sent an undecodable reply"))

    async def consumer_count(self, queue: str) -> int:
        """Consumers on ``queue`` (0 when it does not exist), cached for a short while."""
        now = time.monotonic()
        cached = self._consumers.get(queue)
        if cached is not None and now - cached[0] < self.consumer_check_ttl:
            return cached[1]
        connection = self.link.connection
        if connection is None:
            raise _broker_down("Not connected to the message broker")
        if self._check_channel is None or self._check_channel.is_closed:
            # A passive declare of a missing queue closes its channel: keep it apart.
            self._check_channel = await connection.channel(publisher_confirms=False)
        try:
            declared = await self._check_channel.declare_queue(queue, passive=True)
            result = declared.declaration_result
            count = int(result.consumer_count or 0) if result is not None else 0
        except ChannelClosed:
            self._check_channel = None
            count = 0
        self._consumers[queue] = (now, count)
        return count

    async def call(self, request: CallRequest, queue: str) -> CallReply:
        """Publish ``request`` and wait for the reply until ``request.deadline``."""
        exchange = self._exchange
        if exchange is None or not self.connected:
            raise _broker_down("Not connected to the message broker")
        try:
            if await self.consumer_count(queue) == 0:
                raise NO_WORKERS
        except _BUS_ERRORS as exc:
            raise _broker_down(f"Message broker unavailable: {exc!r}") from None
        timeout = request.deadline - time.time()
        if timeout <= 0:
            raise CallTimeout(request.function, 0)
        fut: asyncio.Future[CallReply] = asyncio.get_running_loop().create_future()
        self._pending[request.call_id] = fut
        try:
            await self._publish(exchange, request, seconds=timeout)
            try:
                return await asyncio.wait_for(fut, request.deadline - time.time())
            except TimeoutError:
                raise CallTimeout(request.function, timeout) from None
        finally:
            self._pending.pop(request.call_id, None)

    async def _publish(
        self, exchange: AbstractExchange, request: CallRequest, *, seconds: float
    ) -> None:
        # Stamped at the last moment: the worker's queue wait is its receive time minus this.
        request = msgspec.structs.replace(request, published_at=time.time())
        message = aio_pika.Message(
            request_encoder.encode(request),
            correlation_id=request.call_id,
            reply_to=DIRECT_REPLY_TO,
            content_type=CALL_CONTENT_TYPE,
            # The message dies with its deadline: a call nobody waits for never runs.
            expiration=max(seconds, 0.001),
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
            # W3C trace context when tracing is on (the worker's span joins the trace).
            headers=dict(tracing.inject_headers()) or None,
        )
        try:
            await exchange.publish(
                message, routing_key=request.function, mandatory=True, timeout=seconds
            )
        except DeliveryError as exc:
            raise (NO_WORKERS if isinstance(exc.frame, spec.Basic.Return) else QUEUE_FULL) from None
        except _BUS_ERRORS as exc:
            raise _broker_down(f"Message broker unavailable: {exc!r}") from None
        except TimeoutError:
            raise CallTimeout(request.function, seconds) from None
