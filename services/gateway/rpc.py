"""The gateway's RPC client: publish a call, await its reply, never longer than its deadline.

One Direct Reply-To consumer per process and a map of pending futures keyed by correlation id;
no lock is held across a round trip, so any number of calls are in flight at once. A call
costs one publish and one timer: publishing does not wait for the broker's confirm; the
confirm, a return or the reply, whichever settles the call first, resolves its future.
Every failure becomes a :class:`shared.errors.PlatformError` the protocols can render:

* no queue bound for the function (``basic.return``) or no consumer on it -> ``noworkers``
* queue full (nack from ``x-overflow: reject-publish``), or the broker blocking publishers
  (memory or disk alarm) -> ``servicebusy``
* broker connection lost, or not (yet) back -> ``brokerunavailable``, at once: calls in flight
  when the connection drops fail immediately instead of waiting for their deadline
* no reply before the deadline -> ``calltimeout``
"""

from __future__ import annotations

import asyncio
import logging
import time

import msgspec

from shared import amqp, tracing
from shared.amqp import codec
from shared.bus import (
    CALL_CONTENT_TYPE,
    DIRECT_REPLY_TO,
    BusLink,
    declare_calls_exchange,
    open_channel,
)
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
BROKER_BLOCKED = ServiceUnavailable(
    "servicebusy",
    "The server is busy, please try again later",
    "The message broker refuses new messages for now (resource alarm)",
)


#: Seconds a consumer count of 0 is cached (a positive count: ``consumer_check_ttl``).
ZERO_COUNT_TTL = 0.1


def _broker_down(detail: str) -> ServiceUnavailable:
    return ServiceUnavailable("brokerunavailable", "The service is temporarily unavailable", detail)


def _expire(fut: asyncio.Future[CallReply | None]) -> None:
    if not fut.done():
        fut.set_result(None)  # None: no reply before the deadline


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
        self._channel: amqp.Channel | None = None
        self._check_channel: amqp.Channel | None = None
        self._pending: dict[str, asyncio.Future[CallReply | None]] = {}
        #: function name -> its encoded publish destination (exchange, routing key)
        self._targets: dict[str, bytes] = {}
        #: queue name -> (valid until, consumer count)
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

    async def _setup(self, connection: amqp.Connection) -> None:
        channel = await open_channel(connection)
        # Confirms tell a full queue (nack, from x-overflow reject-publish) at once.
        await channel.confirm_select()
        await declare_calls_exchange(channel, self.names)
        channel.on_confirm = self._on_confirm
        channel.on_return = self._on_return
        await channel.basic_consume(DIRECT_REPLY_TO, self._on_reply, no_ack=True)
        self._channel = channel
        self._check_channel = None
        self._consumers.clear()

    def _fail_pending(self) -> None:
        # Replies to these calls would have come back on the lost connection: they never will.
        self._fail_all(_broker_down("Lost the connection to the message broker"))
        self._channel = self._check_channel = None

    def _fail_all(self, error: ServiceUnavailable) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(error)

    async def close(self) -> None:
        self._fail_all(_broker_down("The gateway is shutting down"))
        await self.link.close()

    def _settle(self, call_id: str | None, error: ServiceUnavailable) -> None:
        fut = self._pending.get(call_id or "")
        if fut is not None and not fut.done():
            fut.set_exception(error)

    def _on_reply(self, delivery: amqp.Delivery) -> None:
        fut = self._pending.get(delivery.properties.correlation_id or "")
        if fut is None or fut.done():
            return  # the caller gave up (deadline) or the reply is a duplicate
        try:
            fut.set_result(reply_decoder.decode(delivery.body))
        except Exception as exc:
            log.error("undecodable reply for %s: %r", delivery.properties.correlation_id, exc)
            fut.set_exception(_broker_down("A worker sent an undecodable reply"))

    def _on_return(self, returned: amqp.Returned) -> None:
        # No queue is bound for the function: no worker ever served it.
        self._settle(returned.properties.correlation_id, NO_WORKERS)

    def _on_confirm(self, call_id: str, outcome: str) -> None:
        if outcome == amqp.NACKED:  # refused by a full queue (x-overflow reject-publish)
            self._settle(call_id, QUEUE_FULL)
        elif outcome == amqp.LOST:
            self._settle(call_id, _broker_down("Lost the channel to the message broker"))

    async def consumer_count(self, queue: str) -> int:
        """Consumers on ``queue`` (0 when it does not exist), cached for a short while."""
        now = time.monotonic()
        cached = self._consumers.get(queue)
        if cached is not None and now < cached[0]:
            return cached[1]
        connection = self.link.connection
        if connection is None:
            raise _broker_down("Not connected to the message broker")
        if self._check_channel is None or self._check_channel.is_closed:
            # A passive declare of a missing queue closes its channel: keep it apart.
            self._check_channel = await connection.channel()
        try:
            declared = await self._check_channel.queue_declare(queue, passive=True)
            count = int(declared.consumer_count or 0)
        except amqp.ChannelClosed:
            self._check_channel = None
            count = 0
        # "No consumer" is believed only briefly: after a broker restart the workers come back
        # a moment after the gateway, and calls must find them as soon as they consume.
        ttl = self.consumer_check_ttl if count else min(self.consumer_check_ttl, ZERO_COUNT_TTL)
        self._consumers[queue] = (now + ttl, count)
        return count

    async def call(self, request: CallRequest, queue: str) -> CallReply:
        """Publish ``request`` and wait for the reply until ``request.deadline``."""
        channel = self._channel
        if channel is None or not self.connected:
            raise _broker_down("Not connected to the message broker")
        if channel.connection.blocked:
            # A call published now would sit in our buffers until its deadline: say so now.
            raise BROKER_BLOCKED
        cached = self._consumers.get(queue)
        if cached is None or time.monotonic() >= cached[0]:
            try:
                if await self.consumer_count(queue) == 0:
                    raise NO_WORKERS
            except (amqp.AMQPError, ConnectionError) as exc:
                raise _broker_down(f"Message broker unavailable: {exc!r}") from None
        elif cached[1] == 0:
            raise NO_WORKERS
        timeout = request.deadline - time.time()
        if timeout <= 0:
            raise CallTimeout(request.function, 0)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[CallReply | None] = loop.create_future()
        call_id = request.call_id
        self._pending[call_id] = fut
        timer = loop.call_later(timeout, _expire, fut)
        try:
            self._publish(channel, request, timeout)
            reply = await fut
        finally:
            timer.cancel()
            del self._pending[call_id]
        if reply is None:
            raise CallTimeout(request.function, timeout)
        return reply

    def _publish(self, channel: amqp.Channel, request: CallRequest, seconds: float) -> None:
        target = self._targets.get(request.function)
        if target is None:
            target = codec.publish_target(self.names.calls_exchange, request.function)
            self._targets[request.function] = target
        # Stamped at the last moment: the worker's queue wait is its receive time minus this.
        request = msgspec.structs.replace(request, published_at=time.time())
        try:
            channel.publish(
                target,
                request_encoder.encode(request),
                mandatory=True,
                token=request.call_id,
                content_type=CALL_CONTENT_TYPE,
                correlation_id=request.call_id,
                reply_to=DIRECT_REPLY_TO,
                # The message dies with its deadline: a call nobody waits for never runs.
                expiration=str(max(int(seconds * 1000), 1)),
                delivery_mode=1,  # not persistent: a call outliving a broker restart is moot
                # W3C trace context when tracing is on (the worker's span joins the trace).
                headers=tracing.inject_headers() or None,
            )
        except (amqp.AMQPError, ConnectionError) as exc:
            raise _broker_down(f"Message broker unavailable: {exc!r}") from None
