"""The worker: consume calls, run plugin functions, reply, then ack.

Lifecycle: :meth:`Worker.start` connects, publishes the catalog and starts consuming;
:meth:`Worker.stop` (on SIGTERM) cancels the consumer so no new call arrives, waits up to
``drain_seconds`` for calls in flight to reply, and closes. Prefetch bounds the calls a worker
holds, so a flood waits in the broker, not in our memory.

Delivery is at least once: the ack follows the reply, so a worker killed mid-call has its
messages redelivered to another worker. Calls whose deadline has passed are dropped unrun.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from services.functions.api import CallContext, FunctionDef, Plugin
from services.functions.registry import select_functions, sync_catalog
from services.functions.settings import WorkerSettings
from shared.bus import connect_amqp, declare_call_queue, declare_calls_exchange
from shared.constants import Names
from shared.contexts import ContextStore
from shared.errors import ErrorInfo, WSError
from shared.filestore import FileStore
from shared.roles import RoleStore
from shared.store import Store, connect_redis
from shared.wire import CallReply, CallRequest, reply_encoder, request_decoder

__all__ = ["Worker"]

log = logging.getLogger(__name__)

#: What a client sees when plugin code fails unexpectedly; details stay in the worker's log.
UNEXPECTED = ErrorInfo(
    exception="moodle_exception",
    errorcode="generalexceptionmessage",
    message="An unexpected error occurred in the function",
)


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
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self.calls_handled = 0

    @property
    def components(self) -> set[str]:
        return {f.info.component for f in self.functions.values()}

    async def start(self) -> None:
        await self.redis.ping()
        await sync_catalog(self.store, self.plugins, self.functions)
        self._connection = await connect_amqp(
            self.settings.amqp_url, name=f"{self.settings.namespace}-worker"
        )
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.settings.concurrency)
        self._channel = channel
        exchange = await declare_calls_exchange(channel, self.names)
        for component in sorted(self.components):
            queue = await declare_call_queue(
                channel, self.names, component, max_length=self.settings.queue_max_length
            )
            for name, fdef in self.functions.items():
                if fdef.info.component == component:
                    await queue.bind(exchange, routing_key=name)
            tag = await queue.consume(self._on_message)
            self._consumers.append((queue, tag))
        log.info(
            "worker consuming %d functions of %s", len(self.functions), sorted(self.components)
        )

    async def stop(self) -> None:
        """Stop taking calls, let in-flight ones finish (bounded), then close connections."""
        for queue, tag in self._consumers:
            try:
                await queue.cancel(tag)
            except Exception:  # the broker may already be gone; draining still matters
                log.warning("could not cancel consumer %s", tag, exc_info=True)
        self._consumers.clear()
        if self._inflight:
            log.info("draining %d in-flight calls", len(self._inflight))
            _done, pending = await asyncio.wait(self._inflight, timeout=self.settings.drain_seconds)
            for task in pending:
                task.cancel()
        if self._connection is not None:
            await self._connection.close()
        await self.redis.aclose()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # Each call runs in its own task so one slow function does not hold the others back;
        # prefetch already bounds how many exist at once.
        task = asyncio.create_task(self._handle(message))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        try:
            request = request_decoder.decode(message.body)
        except Exception:
            log.error("dropping undecodable call message %r", message.message_id)
            await message.reject(requeue=False)
            return
        remaining = request.deadline - time.time()
        if remaining <= 0:
            log.info("dropping expired call %s to %s", request.call_id, request.function)
            await message.ack()
            return
        reply = await self._run(request, remaining)
        if message.reply_to:
            assert self._channel is not None
            # No `mandatory` here: RabbitMQ 3.10 returns Direct Reply-To messages even when
            # it delivered them.
            await self._channel.default_exchange.publish(
                aio_pika.Message(
                    reply_encoder.encode(reply),
                    correlation_id=message.correlation_id,
                    content_type="application/msgpack",
                ),
                routing_key=message.reply_to,
            )
        await message.ack()
        self.calls_handled += 1

    async def _run(self, request: CallRequest, remaining: float) -> CallReply:
        fdef = self.functions.get(request.function)
        if fdef is None:
            return CallReply(
                request.call_id,
                error=ErrorInfo(
                    "dml_missing_record_exception",
                    "invalidrecord",
                    "Can't find data record in database table external_functions.",
                ),
            )
        ctx = CallContext(
            caller=request.caller,
            settings=request.settings,
            call_id=request.call_id,
            deadline=request.deadline,
            store=self.store,
            wwwroot=self.settings.wwwroot,
            contexts=self.contexts,
            roles=self.roles,
            files=self.files,
            redis=self.redis,
            names=self.names,
            request_id=request.request_id,
        )
        started = time.perf_counter()
        try:
            result: Any = await asyncio.wait_for(
                fdef.implementation(ctx, **request.args), timeout=remaining
            )
        except WSError as exc:
            return CallReply(
                request.call_id, error=exc.info(), worker_time=time.perf_counter() - started
            )
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
