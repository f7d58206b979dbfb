"""Audit events: what happened to tokens, logins, services and calls, under Moodle's names.

Every event goes two ways, both fire-and-forget so that auditing never blocks or fails a call:

* appended to a capped Redis stream (``Names.audit_stream``, ``XADD MAXLEN ~``), which
  ``wsadmin audit`` reads and filters;
* published on the topic exchange ``<ns>.events`` with the event name as routing key, for
  whoever wants to consume them (SIEM, analytics).

:meth:`AuditLog.emit` only appends to an in-process buffer; a background task writes the buffer
in batches (one Redis command per batch), so the hot path pays no Redis round trip per event. When
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
from collections.abc import Iterable
from typing import Any

import msgspec
import redis.asyncio as aioredis
import redis.exceptions

from shared import amqp
from shared.bus import BusLink, open_channel
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
_JSON = "application/json"
_TRANSIENT = 1  # delivery mode: events are not persisted by the broker

#: Append ARGV[2..] to the stream KEYS[1] as field ``e``, capped at about ARGV[1] entries.
_APPEND = """
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
end
return #ARGV - 1
"""
_dec = msgspec.json.Decoder(AuditEvent)


class EventPublisher:
    """Publishes events on the topic exchange; connects in the background, drops when down.

    It uses the lean AMQP client (:mod:`shared.amqp`): a publish is a few bytes appended to the
    connection's next write, with no await and no message object per event. With aio-pika,
    awaiting one ``Exchange.publish`` per event cost the gateway about a tenth of its CPU
    under load, and the flusher fell so far behind that most events were dropped.
    """

    def __init__(self, amqp_url: str, names: Names, *, connection_name: str) -> None:
        self.amqp_url = amqp_url
        self.names = names
        self.connection_name = connection_name
        self._link: BusLink | None = None
        self._channel: amqp.Channel | None = None
        #: event name -> its encoded publish destination (exchange, routing key)
        self._targets: dict[str, bytes] = {}

    async def connect(self, within: float = 5.0) -> bool:
        """Connect and declare the exchange; False (logged) when the broker cannot be reached
        now: the link keeps trying in the background, and events go to Redis only meanwhile."""
        # Any node of a cluster (AMQP_URL may list several, comma-separated).
        self._link = BusLink(
            self.amqp_url,
            name=self.connection_name,
            setup=self._setup,
            on_lost=self._lost,
            connect_timeout=within,
        )
        await self._link.start(wait=False)
        if not self._link.ready.is_set():
            log.warning("events exchange unavailable; events go to Redis only until it is back")
            return False
        return True

    async def _setup(self, connection: amqp.Connection) -> None:
        # No publisher confirms: events are fire-and-forget by design.
        channel = await open_channel(connection)
        await channel.exchange_declare(self.names.events_exchange, "topic", durable=True)
        self._channel = channel

    def _lost(self) -> None:
        self._channel = None

    def publish(self, events: Iterable[tuple[str, bytes]]) -> None:
        """Publish ``(event name, JSON body)`` pairs, one message each, routed by name."""
        channel = self._channel
        # Never wait for the broker (down, or blocking publishers on an alarm): the Redis
        # stream is the record.
        if channel is None or channel.is_closed or channel.connection.blocked:
            return
        targets = self._targets
        try:
            for name, body in events:
                target = targets.get(name)
                if target is None:  # event names are a fixed set: the map stays small
                    target = amqp.publish_target(self.names.events_exchange, name)
                    targets[name] = target
                channel.publish(target, body, content_type=_JSON, delivery_mode=_TRANSIENT)
        except Exception as exc:  # never let the broker's state reach a caller
            log.debug("events not published: %r", exc)

    async def close(self) -> None:
        link, self._link = self._link, None
        self._channel = None
        if link is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_PUBLISH_TIMEOUT):
                    await link.close()


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
        self._append = redis.register_script(_APPEND)

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
        encode = _enc.encode
        bodies = [encode(event) for event in events]
        try:
            # One command per batch: the script appends each event (XADD MAXLEN ~), so the
            # client packs one command instead of one per event.
            await self._append(keys=[self.names.audit_stream], args=[self.maxlen, *bodies])
        except redis.exceptions.RedisError as exc:
            self.dropped += len(events)
            log.warning("audit stream unavailable, %d event(s) lost: %r", len(events), exc)
        if self.publisher is not None:
            self.publisher.publish(zip([e.eventname for e in events], bodies, strict=True))


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
