"""Audit events: what happened to tokens, logins, services and calls, under Moodle's names.

Every event goes two ways, both fire-and-forget so that auditing never blocks or fails a call:

* appended to a capped Redis stream (``Names.audit_stream``, ``XADD MAXLEN ~``), which
  ``wsadmin audit`` reads and filters;
* published on the topic exchange ``<ns>.events`` with the event name as routing key, for
  whoever wants to consume them (SIEM, analytics).

:meth:`AuditLog.emit` only appends to an in-process buffer; a background task writes the buffer
in batches (one pipeline per batch), so the hot path pays no Redis round trip per event. When
the buffer is full, events are dropped and counted rather than slowing callers down.

Event names follow Moodle's ``\\core\\event\\*`` classes: ``webservice_function_called``,
``webservice_login_failed`` (``reason``: ``invalid_token``, ``token_expired``,
``ip_restricted``, ``user_deleted`` ...), ``webservice_token_created``, ``webservice_token_sent``,
``user_login_failed`` (``reason``: 1 no user, 2 suspended, 3 wrong password, 4 locked out,
5 unauthorised), ``webservice_service_created|updated``, ``webservice_service_user_added|removed``,
``user_updated``, ``role_*``, ``config_log_created``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any

import aio_pika
import msgspec
import redis.asyncio as aioredis
import redis.exceptions
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection

from shared.bus import connect_amqp
from shared.constants import Names

__all__ = ["AuditEvent", "AuditLog", "EventPublisher", "read_events"]

log = logging.getLogger(__name__)

#: Events kept in the Redis stream (approximately: MAXLEN ~ trims whole macro-nodes).
AUDIT_MAXLEN_DEFAULT = 100_000
#: Events buffered in a process before new ones are dropped.
_BUFFER_MAX = 10_000
#: Events written per pipeline.
_BATCH = 500
#: After the first event of a quiet spell, wait this long so that one Redis pipeline (and one
#: burst of publishes) carries many events: under load, one write per call cost the gateway
#: about an eighth of its CPU (docs/performance.md).
_FLUSH_DELAY = 0.05
#: Seconds publishing a batch or closing the broker connection may take.
_PUBLISH_TIMEOUT = 2.0
#: Seconds the flusher gets to write what is buffered at shutdown.
_CLOSE_TIMEOUT = 5.0


class AuditEvent(msgspec.Struct, omit_defaults=True):
    """One event. ``other`` carries what Moodle keeps in the event's ``other`` array."""

    eventname: str
    timecreated: float
    userid: int = 0
    relateduserid: int = 0
    objectid: int = 0
    reason: str = ""
    remoteaddr: str = ""
    origin: str = ""
    other: dict[str, Any] = {}
    #: Stream entry id, filled in when read back.
    id: str = ""


_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(AuditEvent)


class EventPublisher:
    """Publishes events on the topic exchange; connects in the background, drops when down."""

    def __init__(self, amqp_url: str, names: Names, *, connection_name: str) -> None:
        self.amqp_url = amqp_url
        self.names = names
        self.connection_name = connection_name
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    async def connect(self, within: float = 5.0) -> bool:
        """Connect and declare the exchange; False (logged) when the broker cannot be reached."""
        try:
            async with asyncio.timeout(within):
                # Any node of a cluster (AMQP_URL may list several, comma-separated).
                self._connection = await connect_amqp(self.amqp_url, name=self.connection_name)
                # No publisher confirms: events are fire-and-forget by design.
                self._channel = await self._connection.channel(publisher_confirms=False)
                self._exchange = await self._channel.declare_exchange(
                    self.names.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True
                )
        except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
            log.warning("events exchange unavailable (%r); events go to Redis only", exc)
            await self.close()
            return False
        return True

    async def publish(self, events: list[AuditEvent]) -> None:
        exchange = self._exchange
        if exchange is None:
            return
        try:
            # A robust channel waits while it reconnects; events never wait that long.
            async with asyncio.timeout(_PUBLISH_TIMEOUT):
                for event in events:
                    await exchange.publish(
                        aio_pika.Message(
                            _enc.encode(event),
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
                        ),
                        routing_key=event.eventname,
                        mandatory=False,
                    )
        except Exception as exc:  # never let the broker's state reach a caller
            log.debug("events not published: %r", exc)

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        self._channel = self._exchange = None
        if connection is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_PUBLISH_TIMEOUT):
                    await connection.close()


class AuditLog:
    """The audit trail of one process. ``emit`` never blocks and never raises."""

    def __init__(
        self,
        redis: aioredis.Redis,
        names: Names,
        *,
        publisher: EventPublisher | None = None,
        maxlen: int = AUDIT_MAXLEN_DEFAULT,
        origin: str = "",
    ) -> None:
        self.redis = redis
        self.names = names
        self.publisher = publisher
        self.maxlen = maxlen
        self.origin = origin
        self.dropped = 0
        self._buffer: deque[AuditEvent] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def event(self, eventname: str, **fields: Any) -> AuditEvent:
        fields.setdefault("origin", self.origin)
        return AuditEvent(eventname, time.time(), **fields)

    def emit(self, eventname: str, **fields: Any) -> None:
        """Queue an event for writing (call :meth:`start` first, or use :meth:`record`)."""
        if len(self._buffer) >= _BUFFER_MAX:
            self.dropped += 1
            return
        self._buffer.append(self.event(eventname, **fields))
        self._wakeup.set()

    async def record(self, eventname: str, **fields: Any) -> None:
        """Write one event now (for short-lived processes such as ``wsadmin``)."""
        await self._write([self.event(eventname, **fields)])

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._flusher(), name="audit-flusher")

    async def close(self) -> None:
        """Stop the flusher after writing what is buffered (a few seconds at most)."""
        task, self._task = self._task, None
        self._closing = True
        self._wakeup.set()
        if task is not None:
            # Asked to finish rather than cancelled: a cancellation landing inside the Redis
            # client can be turned into a connection error and lost.
            done, _ = await asyncio.wait({task}, timeout=_CLOSE_TIMEOUT)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 1.0)
        with contextlib.suppress(Exception):
            await self._drain()

    async def _drain(self) -> None:
        while self._buffer:
            batch = [self._buffer.popleft() for _ in range(min(_BATCH, len(self._buffer)))]
            await self._write(batch)

    async def _flusher(self) -> None:
        while not self._closing:
            await self._wakeup.wait()
            if not self._closing:
                await asyncio.sleep(_FLUSH_DELAY)
            self._wakeup.clear()
            try:
                await self._drain()
            except Exception as exc:
                log.warning("audit events lost: %r", exc)
                await asyncio.sleep(1)

    async def _write(self, events: list[AuditEvent]) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.xadd(
                        self.names.audit_stream,
                        {"e": _enc.encode(event)},
                        maxlen=self.maxlen,
                        approximate=True,
                    )
                await pipe.execute()
        except redis.exceptions.RedisError as exc:
            self.dropped += len(events)
            log.warning("audit stream unavailable, %d event(s) lost: %r", len(events), exc)
        if self.publisher is not None:
            await self.publisher.publish(events)


async def read_events(
    redis: aioredis.Redis, names: Names, *, limit: int = 50, eventname: str = ""
) -> list[AuditEvent]:
    """The newest ``limit`` events (oldest first), optionally only those named ``eventname``."""
    found: list[AuditEvent] = []
    upper: bytes | str = "+"
    while len(found) < limit:
        entries = await redis.xrevrange(names.audit_stream, max=upper, min="-", count=500)
        if not entries:
            break
        for entry_id, fields in entries:
            raw = (fields or {}).get(b"e")
            if raw is None:
                continue
            event = _dec.decode(raw)
            if eventname and event.eventname != eventname:
                continue
            event.id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            found.append(event)
            if len(found) >= limit:
                break
        last = entries[-1][0]
        last_text = last.decode() if isinstance(last, bytes) else str(last)
        upper = "(" + last_text  # exclusive: continue below the last entry read
        if len(entries) < 500:
            break
    found.reverse()
    return found
