"""The batched hop from the worker's loop to the functions loop (services/functions/fnloop.py).

The contract is that of ``asyncio.wrap_future(asyncio.run_coroutine_threadsafe(...))``, which
the hop replaced: results and exceptions come back as they are, cancellation travels both
ways, the coroutine runs in a copy of the caller's context, and the calling loop never waits on
the functions loop's thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.functions.fnloop import FunctionLoop
from shared import aio
from shared.constants import Names
from shared.logs import REQUEST_ID, bind_request_id, current_request_id
from tests.conftest import REDIS_URL


def new_fnloop(namespace: str, tmp_path: Path) -> FunctionLoop:
    return FunctionLoop(REDIS_URL, Names(namespace), str(tmp_path))


@pytest.fixture
async def fnloop(namespace: str, tmp_path: Path) -> AsyncIterator[FunctionLoop]:
    loop = new_fnloop(namespace, tmp_path)
    await loop.start()
    try:
        yield loop
    finally:
        await loop.close()


async def wait_for_flag(flag: threading.Event) -> bool:
    """Wait (two seconds at most) for another thread's flag without blocking this loop."""
    return await asyncio.to_thread(flag.wait, 2.0)


class PluginError(Exception):
    pass


async def test_results_come_back_from_the_functions_thread(fnloop: FunctionLoop) -> None:
    async def where(value: int) -> tuple[str, int]:
        await asyncio.sleep(0)
        return threading.current_thread().name, value

    assert await fnloop.run(where(7)) == ("functions", 7)
    assert await fnloop.run(where(8)) == ("functions", 8)


async def test_exceptions_keep_their_type_and_identity(fnloop: FunctionLoop) -> None:
    raised: list[BaseException] = []

    async def fail() -> None:
        error = PluginError("boom")
        raised.append(error)
        raise error

    with pytest.raises(PluginError, match="boom") as info:
        await fnloop.run(fail())
    assert info.value is raised[0]

    async def timeout() -> None:
        await asyncio.wait_for(asyncio.sleep(10), 0.01)

    with pytest.raises(TimeoutError):
        await fnloop.run(timeout())


async def test_cancelling_the_caller_cancels_the_coroutine(fnloop: FunctionLoop) -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    caller = asyncio.create_task(fnloop.run(forever()))
    assert await wait_for_flag(started)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert await wait_for_flag(cancelled)
    # The hop still works afterwards.
    assert await fnloop.run(asyncio.sleep(0, "after")) == "after"


async def test_a_call_cancelled_before_it_starts_never_runs(fnloop: FunctionLoop) -> None:
    """The caller gives up while the functions loop is busy: the coroutine's body never runs
    (and it is closed, so no 'never awaited' warning: warnings fail the tests)."""
    blocking, release = threading.Event(), threading.Event()
    ran = threading.Event()

    async def block() -> None:
        blocking.set()
        release.wait(5)  # blocks the functions loop on purpose

    async def body() -> None:
        ran.set()

    blocker = asyncio.create_task(fnloop.run(block()))
    assert await wait_for_flag(blocking)
    caller = asyncio.create_task(fnloop.run(body()))
    await asyncio.sleep(0.01)  # submitted, queued behind the blocked loop
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    release.set()
    await blocker
    assert await fnloop.run(asyncio.sleep(0, "drained")) == "drained"
    assert not ran.is_set()


async def test_cancellation_on_the_functions_loop_reaches_the_caller(
    fnloop: FunctionLoop,
) -> None:
    async def cancel_myself() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(1)

    async def raise_cancelled() -> None:
        raise asyncio.CancelledError

    for coro in (cancel_myself(), raise_cancelled()):
        caller = asyncio.create_task(fnloop.run(coro))
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert caller.cancelled()


async def test_many_concurrent_calls_from_many_tasks(fnloop: FunctionLoop) -> None:
    """Every call gets its own outcome back, whatever the batching and interleaving."""

    async def echo(task: int, i: int) -> tuple[int, int]:
        if i % 3 == 0:
            await asyncio.sleep(0)
        if i % 7 == 0:
            raise PluginError(task, i)
        return task, i

    async def caller(task: int) -> int:
        good = 0
        for i in range(50):
            if i % 5 == 0:
                await asyncio.sleep(0)  # let other callers interleave
            try:
                assert await fnloop.run(echo(task, i)) == (task, i)
                good += 1
            except PluginError as exc:
                assert exc.args == (task, i)
        return good

    counts = await asyncio.gather(*(caller(t) for t in range(200)))
    assert counts == [len([i for i in range(50) if i % 7]) for _ in range(200)]


async def test_the_callers_context_travels_as_a_copy(fnloop: FunctionLoop) -> None:
    async def seen(change: bool) -> str:
        request_id = current_request_id()
        if change:
            bind_request_id("changed-on-the-functions-loop")
        await asyncio.sleep(0)
        return request_id

    async def caller(request_id: str) -> str:
        bind_request_id(request_id)  # this task's own context (create_task copied it)
        result = await fnloop.run(seen(change=True))
        assert current_request_id() == request_id  # not changed by the other side
        return result

    ids = [f"req-{i}" for i in range(20)]
    assert await asyncio.gather(*(caller(i) for i in ids)) == ids
    token = bind_request_id("outer")
    try:
        assert await fnloop.run(seen(change=False)) == "outer"
    finally:
        REQUEST_ID.reset(token)
    assert await fnloop.run(seen(change=False)) == ""


async def test_a_blocking_call_does_not_block_the_calling_loop(fnloop: FunctionLoop) -> None:
    async def block() -> str:
        time.sleep(0.3)  # noqa: ASYNC251 - the blocking plugin code under test
        return "done"

    call = asyncio.create_task(fnloop.run(block()))
    ticks = 0
    while not call.done():
        await asyncio.sleep(0.01)
        ticks += 1
    assert call.result() == "done"
    assert ticks >= 10  # about 30 while the functions loop was blocked


async def test_close_cancels_outstanding_calls(namespace: str, tmp_path: Path) -> None:
    loop = new_fnloop(namespace, tmp_path)
    await loop.start()
    started: list[int] = []
    all_started = threading.Event()
    cleaned: list[int] = []

    async def forever(i: int) -> None:
        started.append(i)
        if len(started) == 10:
            all_started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.append(i)

    callers = [asyncio.create_task(loop.run(forever(i))) for i in range(10)]
    assert await wait_for_flag(all_started)
    began = time.perf_counter()
    await loop.close()
    assert time.perf_counter() - began < 2
    outcomes = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
    assert sorted(cleaned) == list(range(10))

    async def late() -> None:
        raise AssertionError("must not run")

    with pytest.raises(RuntimeError, match="closed"):
        await loop.run(late())  # closed, not left pending (no 'never awaited' warning either)
    await loop.close()  # twice is harmless


async def test_close_before_start(namespace: str, tmp_path: Path) -> None:
    await new_fnloop(namespace, tmp_path).close()


def test_on_uvloop_callers(namespace: str, tmp_path: Path) -> None:
    """The worker's own loop is uvloop too (shared.aio): the same contract from one."""

    async def scenario() -> None:
        loop = new_fnloop(namespace, tmp_path)
        await loop.start()
        try:

            async def double(x: int) -> int:
                await asyncio.sleep(0)
                if x < 0:
                    raise PluginError(x)
                return 2 * x

            results = await asyncio.gather(
                *(loop.run(double(x)) for x in range(-5, 500)), return_exceptions=True
            )
            assert all(isinstance(r, PluginError) for r in results[:5])
            assert results[5:] == [2 * x for x in range(500)]
            blocked = asyncio.create_task(loop.run(asyncio.sleep(3600)))
            await asyncio.sleep(0.01)
            blocked.cancel()
            with pytest.raises(asyncio.CancelledError):
                await blocked
        finally:
            await loop.close()

    aio.run(scenario())
