"""Plugin code runs on an event loop of its own, in a thread of its own.

The worker's main loop holds the broker connection: if plugin code blocked it (a synchronous
library call, a CPU-heavy loop), heartbeats would stop, the broker would drop the connection
and redeliver calls that are still running. Here the main loop only moves messages; each call
runs on the functions loop, so a blocking function stalls other functions but never the
heartbeats (CPU-bound code still shares the GIL, which Python hands over every few
milliseconds). Plugins should still use ``run_blocking`` for blocking work.

The functions loop has its own Redis client and stores (asyncio clients belong to the loop
that created them).

The hop between the two loops is batched. ``asyncio.run_coroutine_threadsafe`` plus
``asyncio.wrap_future`` cost a ``concurrent.futures.Future`` (with its lock and condition),
two chained callbacks and two thread-safe wake-ups per call: about a third of a loaded
worker's CPU. Here a call is one small object passed through two deques, and each loop is
woken at most once per batch of calls, however many are queued (bench/fnloop.py measures it).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import redis.asyncio as aioredis

from shared.aio import new_event_loop
from shared.constants import Names
from shared.contexts import ContextStore
from shared.filestore import FileStore
from shared.roles import RoleStore
from shared.store import Store, connect_redis

__all__ = ["CLOSE_GRACE", "FunctionLoop", "Resources"]

T = TypeVar("T")

#: Seconds close() gives cancelled calls (and plugin background tasks) to finish.
CLOSE_GRACE = 5.0


@dataclass(frozen=True, slots=True)
class Resources:
    """Clients and stores living on the functions loop, handed to plugins."""

    redis: aioredis.Redis
    store: Store
    contexts: ContextStore
    roles: RoleStore
    files: FileStore


class _Call(Generic[T]):
    """One coroutine on its way to the functions loop and its outcome on the way back.

    ``future`` belongs to the calling loop and is only touched there; ``task``,
    ``cancel_requested`` and the outcome fields are written on the functions loop (the outcome
    before the call enters the return deque, so the calling loop reads a finished outcome).
    """

    __slots__ = (
        "cancel_requested",
        "cancelled",
        "context",
        "coro",
        "error",
        "finished",
        "future",
        "owner",
        "result",
        "task",
    )

    def __init__(
        self, owner: FunctionLoop, coro: Coroutine[Any, Any, T], future: asyncio.Future[T]
    ) -> None:
        self.owner = owner
        self.coro = coro
        self.future = future
        # run_coroutine_threadsafe ran the coroutine in a copy of the caller's context (its
        # call_soon_threadsafe captured it), which is how the request id bound in the caller's
        # task reaches plugin log lines; copy it the same way.
        self.context = contextvars.copy_context()
        self.task: asyncio.Task[T] | None = None
        self.cancel_requested = False
        self.cancelled = False
        self.error: BaseException | None = None
        self.result: T | None = None
        #: set on the calling loop once the outcome has been handed to ``future``
        self.finished = False

    def __call__(self, task: asyncio.Task[T]) -> None:
        """The task's done callback, on the functions loop: record the outcome, send it back."""
        if task.cancelled():
            self.cancelled = True
        else:
            # Retrieved here, on the task's own loop, so asyncio never logs it as unretrieved.
            error = task.exception()
            if error is None:
                self.result = task.result()
            else:
                self.error = error
        self.owner._send_back(self)


class FunctionLoop:
    """The functions loop and its thread; ``run`` hands coroutines to it from one calling loop.

    Each direction is a deque plus a "wake-up pending" flag. The producer appends, then wakes
    the consumer's loop only if the flag is down (raising it first); the consumer's drain lowers
    the flag, then pops until the deque is empty. No item is ever stranded: say the producer
    appends item x and then reads the flag. If it reads "down", it schedules a drain itself,
    which runs after the append. If it reads "up", some drain D was scheduled when the flag was
    raised and D has not lowered it yet (lowering is the only other write, and each raise is
    followed by a scheduled drain), so D lowers it after the producer's read, hence after the
    append, and only then pops: it finds x unless an earlier drain already took it. The GIL
    makes the deque operations atomic and the flag reads and writes sequentially consistent.
    The check-and-raise is not atomic, but each deque has a single producer thread (the
    calling loop for calls, the functions loop for outcomes); the worst race left, a producer
    raising the flag just after a drain lowered it, costs one extra drain that finds nothing.
    """

    def __init__(self, redis_url: str, names: Names, files_dir: str) -> None:
        self._redis_url = redis_url
        self._names = names
        self._files_dir = files_dir
        self._loop = new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="functions", daemon=True
        )
        self._resources: Resources | None = None
        #: the one loop ``run`` is called from (set by ``start``)
        self._caller: asyncio.AbstractEventLoop | None = None
        self._closed = False
        # calling loop -> functions loop
        self._inbox: deque[_Call[Any]] = deque()
        self._inbox_wake_pending = False
        # functions loop -> calling loop
        self._outbox: deque[_Call[Any]] = deque()
        self._outbox_wake_pending = False

    @property
    def resources(self) -> Resources:
        assert self._resources is not None, "FunctionLoop.start() first"
        return self._resources

    async def start(self) -> None:
        self._caller = asyncio.get_running_loop()
        self._thread.start()
        self._resources = await self.run(self._open())

    async def _open(self) -> Resources:
        redis = connect_redis(self._redis_url)
        names = self._names
        return Resources(
            redis=redis,
            store=Store(redis, names),
            contexts=ContextStore(redis, names),
            roles=RoleStore(redis, names),
            files=FileStore(redis, names, Path(self._files_dir)),
        )

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the functions loop and wait for it from the calling loop.

        As with ``run_coroutine_threadsafe`` + ``wrap_future``: the coroutine runs in a copy
        of the caller's context; its result or exception comes back as is; if it is cancelled
        there, the caller sees ``CancelledError``; if the caller's await is cancelled, the
        coroutine is cancelled too (or never started, if it had not started yet).
        """
        if self._closed or self._caller is None:
            coro.close()  # never awaited otherwise, and asyncio would warn about it
            raise RuntimeError("FunctionLoop is closed" if self._closed else "start() first")
        if asyncio.get_running_loop() is not self._caller:
            coro.close()
            raise RuntimeError("FunctionLoop.run called from a loop other than start()'s")
        call = self._submit(coro)
        try:
            return await call.future
        except asyncio.CancelledError:
            if not call.finished:  # our caller was cancelled, not the coroutine
                self._cancel_remote(call)
            raise

    def _submit(self, coro: Coroutine[Any, Any, T]) -> _Call[T]:
        """On the calling loop: queue ``coro`` and wake the functions loop once per batch."""
        assert self._caller is not None
        call = _Call(self, coro, self._caller.create_future())
        self._inbox.append(call)
        if not self._inbox_wake_pending:
            self._inbox_wake_pending = True
            self._loop.call_soon_threadsafe(self._drain_inbox)
        return call

    def _drain_inbox(self) -> None:
        """On the functions loop: start a task per queued call."""
        self._inbox_wake_pending = False  # before popping: see the class docstring
        inbox = self._inbox
        create_task = self._loop.create_task
        while inbox:
            call = inbox.popleft()
            if call.cancel_requested:  # the caller gave up before the call started
                call.coro.close()
                call.cancelled = True
                self._send_back(call)
                continue
            task = create_task(call.coro, context=call.context)
            call.task = task
            task.add_done_callback(call, context=call.context)

    def _send_back(self, call: _Call[Any]) -> None:
        """On the functions loop: queue a finished call and wake the calling loop once per batch."""
        assert self._caller is not None
        self._outbox.append(call)
        if not self._outbox_wake_pending:
            self._outbox_wake_pending = True
            # A closed calling loop has nobody waiting any more.
            with contextlib.suppress(RuntimeError):
                self._caller.call_soon_threadsafe(self._drain_outbox)

    def _drain_outbox(self) -> None:
        """On the calling loop: hand each finished call's outcome to its future."""
        self._outbox_wake_pending = False  # before popping: see the class docstring
        outbox = self._outbox
        while outbox:
            call = outbox.popleft()
            call.finished = True
            future = call.future
            if future.done():  # the caller was cancelled meanwhile
                continue
            if call.error is not None:
                future.set_exception(call.error)
            elif call.cancelled:
                future.cancel()
            else:
                future.set_result(call.result)

    def _cancel_remote(self, call: _Call[Any]) -> None:
        """On the calling loop: cancel ``call`` on the functions loop (rare: one wake-up each)."""
        # A closed functions loop runs nothing any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._cancel_here, call)

    @staticmethod
    def _cancel_here(call: _Call[Any]) -> None:
        """On the functions loop. The drain that starts ``call`` was scheduled before this
        request (the argument in the class docstring, and call_soon_threadsafe keeps order), so
        the task normally exists; should the call still be queued, the drain skips it."""
        if call.task is None:
            call.cancel_requested = True
        else:
            call.task.cancel()

    async def _shutdown(self) -> None:
        """On the functions loop: cancel every other task (calls still running, plugin
        background tasks), give them CLOSE_GRACE seconds, then close the Redis client."""
        me = asyncio.current_task()
        others = [task for task in asyncio.all_tasks() if task is not me]
        for task in others:
            task.cancel()
        if others:
            await asyncio.wait(others, timeout=CLOSE_GRACE)
        if self._resources is not None:
            await self._resources.redis.aclose()

    async def close(self) -> None:
        """Refuse new calls, cancel outstanding ones (their callers see ``CancelledError``, as
        when a call is cancelled on the functions loop), close the Redis client, stop the loop.

        A call that ignores cancellation for longer than CLOSE_GRACE keeps its caller waiting.
        """
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            # Calls queued before this one were started by an earlier drain (one calling thread,
            # and call_soon_threadsafe keeps order), so the shutdown sees their tasks.
            await self._submit(self._shutdown()).future
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 5)
        if not self._thread.is_alive():
            self._loop.close()
