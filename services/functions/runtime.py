"""The worker: consume calls, run plugin functions, reply, then ack.

Lifecycle: :meth:`Worker.start` connects, publishes the catalog and starts consuming;
:meth:`Worker.stop` (on SIGTERM) cancels the consumer so no new call arrives, waits up to
``drain_seconds`` for calls in flight to reply, and closes. Prefetch bounds the calls a worker
holds, so a flood waits in the broker, not in our memory.

Delivery is at least once: the ack follows the reply, so a worker killed mid-call has its
messages redelivered to another worker. Calls whose deadline has passed are dropped unrun.
Write functions (``type="write"``) never run twice: the worker claims the call id in Redis
before running it and stores the reply after, so a redelivered write gets the stored reply
replayed, or, if its first worker died mid-way, a clear ``callinterrupted`` error.

If the broker connection drops, the worker reconnects on its own (:class:`shared.bus.BusLink`)
and declares and consumes again; calls it was running keep running, but their acks are lost
with the connection, so the broker redelivers them (reads run again; writes replay).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError

from services.functions.api import CallContext, FunctionDef, InstallContext, Plugin
from services.functions.fnloop import FunctionLoop
from services.functions.observe import call_answered, call_received
from services.functions.registry import run_install_hooks, select_functions, sync_catalog
from services.functions.settings import WorkerSettings
from shared import amqp, tracing
from shared.amqp import codec
from shared.bus import (
    CALL_CONTENT_TYPE,
    BusLink,
    declare_call_queue,
    declare_calls_exchange,
    open_channel,
)
from shared.constants import CALL_OUTCOME_TTL, Names
from shared.contexts import ContextStore
from shared.errors import ErrorInfo, WSError
from shared.filestore import FileStore
from shared.logs import bind_request_id
from shared.roles import RoleStore
from shared.store import Store, connect_redis
from shared.wire import CallReply, CallRequest, reply_decoder, reply_encoder, request_decoder

__all__ = ["Worker"]

log = logging.getLogger(__name__)

#: What a client sees when plugin code fails unexpectedly; details stay in the worker's log.
UNEXPECTED = ErrorInfo(
    exception="moodle_exception",
    errorcode="generalexceptionmessage",
    message="An unexpected error occurred in the function",
)
#: A write call whose first worker died while running it: it may or may not have taken effect,
#: and running it again could apply it twice, so the client is told rather than guessed for.
INTERRUPTED = ErrorInfo(
    exception="moodle_exception",
    errorcode="callinterrupted",
    message="The call was interrupted; it may or may not have taken effect",
    debuginfo="A worker stopped while running this write call; it is not run again",
)
STORE_DOWN = ErrorInfo(
    exception="moodle_exception",
    errorcode="storeunavailable",
    message="The service is temporarily unavailable",
)
_RUNNING = b"running"


class Worker:
    def __init__(self, settings: WorkerSettings, plugins: list[Plugin]) -> None:
        self.settings = settings
        self.names = Names(settings.namespace)
        self.plugins = plugins
        self.functions: dict[str, FunctionDef] = select_functions(
            plugins, settings.components.split(",")
        )
        self.redis = connect_redis(settings.redis_url)
        self.store = Store(self.redis, self.names)
        self.contexts = ContextStore(self.redis, self.names)
        self.roles = RoleStore(self.redis, self.names)
        self.files = FileStore(self.redis, self.names, Path(settings.files_dir))
        self.link = BusLink(
            settings.amqp_url, name=f"{settings.namespace}-worker", setup=self._setup
        )
        #: (channel, consumer tag) of each queue consumed
        self._consumers: list[tuple[amqp.Channel, str]] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.calls_handled = 0
        self.fnloop = FunctionLoop(settings.redis_url, self.names, settings.files_dir)

    @property
    def inflight(self) -> int:
        """Calls running now (for metrics)."""
        return len(self._inflight)

    @property
    def consuming(self) -> int:
        """Queues this worker consumes now (0 while the broker is away)."""
        return len(self._consumers) if self.link.ready.is_set() else 0

    @property
    def components(self) -> set[str]:
        return {f.info.component for f in self.functions.values()}

    async def start(self) -> None:
        await self.redis.ping()
        await self.fnloop.start()
        await sync_catalog(self.store, self.plugins, self.functions)
        await run_install_hooks(
            self.plugins,
            InstallContext(
                store=self.store,
                wwwroot=self.settings.wwwroot,
                contexts=self.contexts,
                roles=self.roles,
                files=self.files,
                redis=self.redis,
                names=self.names,
                seed=self.settings.seed,
            ),
        )
        await self.link.start()
        log.info(
            "worker consuming %d functions of %s", len(self.functions), sorted(self.components)
        )

    async def _setup(self, connection: amqp.Connection) -> None:
        """Declare the topology and consume; runs again after every reconnection."""
        channel = await open_channel(connection)
        # No publisher confirms on this channel: a reply is followed by the call's ack on the
        # same channel, and the broker handles a channel's frames in order, so once the ack
        # counts the reply was routed; if the connection dies before, the call is redelivered.
        await channel.basic_qos(self.settings.concurrency)
        # A consumer cancelled because its queue was deleted would leave this worker idle on
        # a live connection: start over on a new one, as for a closed channel.
        channel.on_cancel = lambda _tag: None if self._stopping else connection.abort()
        await declare_calls_exchange(channel, self.names)
        consumers = []
        for component in sorted(self.components):
            queue = await declare_call_queue(
                channel,
                self.names,
                component,
                max_length=self.settings.queue_max_length,
                queue_type=self.settings.queue_type,
            )
            for name, fdef in self.functions.items():
                if fdef.info.component == component:
                    await channel.queue_bind(queue, self.names.calls_exchange, name)
            consumers.append((channel, await channel.basic_consume(queue, self._on_message)))
        self._consumers = consumers

    async def stop(self) -> None:
        """Stop taking calls, let in-flight ones finish (bounded), then close connections."""
        self._stopping = True
        for channel, tag in self._consumers:
            try:
                await channel.basic_cancel(tag)
            except Exception:  # the broker may already be gone; draining still matters
                log.warning("could not cancel consumer %s", tag, exc_info=True)
        self._consumers.clear()
        if self._inflight:
            log.info("draining %d in-flight calls", len(self._inflight))
            _done, pending = await asyncio.wait(self._inflight, timeout=self.settings.drain_seconds)
            for task in pending:
                task.cancel()
        await self.link.close()
        await self.fnloop.close()
        await self.redis.aclose()

    def _on_message(self, message: amqp.Delivery) -> None:
        if self._stopping:
            # Delivered between the cancel and its confirmation: hand it to another worker.
            message.channel.nack(message.delivery_tag, requeue=True)
            return
        # Each call runs in its own task so one slow function does not hold the others back;
        # prefetch already bounds how many exist at once.
        task = asyncio.create_task(self._handle(message))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _handle(self, message: amqp.Delivery) -> None:
        received = time.time()
        channel = message.channel
        props = message.properties
        try:
            request = request_decoder.decode(message.body)
        except Exception:
            log.error("dropping undecodable call message %r", props.correlation_id)
            with contextlib.suppress(amqp.AMQPError):
                channel.reject(message.delivery_tag, requeue=False)
            return
        # This task's log lines (and the function's, on the functions loop) carry the id.
        bind_request_id(request.request_id)
        queue_wait = call_received(self.functions.get(request.function), request, received)
        remaining = request.deadline - time.time()
        if remaining <= 0:
            log.info("dropping expired call %s to %s", request.call_id, request.function)
            with contextlib.suppress(amqp.AMQPError):
                channel.ack(message.delivery_tag)
            return
        fdef = self.functions.get(request.function)
        with tracing.span(
            f"run {request.function}",
            kind=tracing.SpanKind.CONSUMER,
            attributes={"ws.function": request.function, "ws.call_id": request.call_id},
            parent=props.headers,
        ):
            if fdef is not None and fdef.info.type == "write":
                reply = await self._run_once(fdef, request, remaining)
            else:
                reply = await self._run(fdef, request, remaining)
        reply = call_answered(fdef, request, reply, queue_wait)
        try:
            # Replies and acks go on the channel the call came in on: after a reconnection
            # that channel is closed, both fail, and the broker redelivers the call.
            if props.reply_to:
                # No `mandatory` here: RabbitMQ 3.10 returns Direct Reply-To messages even
                # when it delivered them.
                channel.publish(
                    codec.publish_target("", props.reply_to),
                    reply_encoder.encode(reply),
                    correlation_id=props.correlation_id,
                    content_type=CALL_CONTENT_TYPE,
                )
            channel.ack(message.delivery_tag)
        except (amqp.AMQPError, ConnectionError) as exc:
            # The connection went away under us: the broker redelivers the call.
            log.warning("could not reply to %s (%r)", request.call_id, exc)
            return
        self.calls_handled += 1

    async def _run_once(
        self, fdef: FunctionDef, request: CallRequest, remaining: float
    ) -> CallReply:
        """Run a write call at most once per call id; replay its outcome to redeliveries."""
        key = self.names.call_outcome(request.call_id)
        if not await self.redis.set(key, _RUNNING, nx=True, ex=CALL_OUTCOME_TTL):
            stored = await self.redis.get(key)
            if stored is not None and stored != _RUNNING:
                log.info("replaying the stored outcome of write call %s", request.call_id)
                return reply_decoder.decode(bytes(stored))  # type: ignore[arg-type]
            log.warning(
                "write call %s to %s was interrupted earlier; not running it again",
                request.call_id,
                request.function,
            )
            return CallReply(request.call_id, error=INTERRUPTED)
        reply = await self._run(fdef, request, remaining)
        await self.redis.set(key, reply_encoder.encode(reply), ex=CALL_OUTCOME_TTL)
        return reply

    async def _run(
        self, fdef: FunctionDef | None, request: CallRequest, remaining: float
    ) -> CallReply:
        if fdef is None:
            return CallReply(
                request.call_id,
                error=ErrorInfo(
                    "dml_missing_record_exception",
                    "invalidrecord",
                    "Can't find data record in database table external_functions.",
                ),
            )
        res = self.fnloop.resources
        ctx = CallContext(
            caller=request.caller,
            settings=request.settings,
            call_id=request.call_id,
            deadline=request.deadline,
            store=res.store,
            wwwroot=self.settings.wwwroot,
            contexts=res.contexts,
            roles=res.roles,
            files=res.files,
            redis=res.redis,
            names=self.names,
            request_id=request.request_id,
        )
        return await self.fnloop.run(_invoke(fdef, ctx, request, remaining))


async def _invoke(
    fdef: FunctionDef, ctx: CallContext, request: CallRequest, remaining: float
) -> CallReply:
    """Run one implementation (on the functions loop) and turn its outcome into a reply."""
    started = time.perf_counter()
    try:
        result: Any = await asyncio.wait_for(
            fdef.implementation(ctx, **request.args), timeout=remaining
        )
    except WSError as exc:
        return CallReply(
            request.call_id, error=exc.info(), worker_time=time.perf_counter() - started
        )
    except RedisError as exc:
        # Redis away (restarting): a temporary condition the client can retry, not a bug.
        log.warning("%s: Redis unavailable (%r)", request.function, exc)
        return CallReply(request.call_id, error=STORE_DOWN)
    except TimeoutError:
        log.warning("%s exceeded its deadline", request.function)
        return CallReply(
            request.call_id,
            error=ErrorInfo("moodle_exception", "calltimeout", "The call timed out"),
        )
    except Exception:
        log.exception("function %s failed (call %s)", request.function, request.call_id)
        return CallReply(
            request.call_id, error=UNEXPECTED, worker_time=time.perf_counter() - started
        )
    return CallReply(request.call_id, result=result, worker_time=time.perf_counter() - started)
