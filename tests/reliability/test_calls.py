"""Faults during calls: killed workers, drains, expired calls. Nothing lost, nothing run twice."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from shared.constants import Names
from shared.store import connect_redis
from tests.e2e.stack import Stack, rest, start_stack, stop_stack

pytestmark = pytest.mark.e2e

PROBE = "services.functions.plugins.core,tests.plugins.probe"


@pytest.fixture
async def probe_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await start_stack(
        tmp_path,
        workers=1,
        WS_PLUGINS=PROBE,
        TEST_EXTRA_COMPONENTS="local_probe",
        WS_CALL_TIMEOUT="10",
        WS_CONCURRENCY="4",
    )
    try:
        yield running
    finally:
        await stop_stack(running)


def probe_token(stack: Stack) -> str:
    return stack.wsadmin("token", "create", "student", "local_probe").stdout.split()[-1]


async def counter(stack: Stack, key: str) -> int:
    redis = connect_redis(stack.env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        value = await redis.get(Names(stack.namespace).key("probe", "count", key))
    finally:
        await redis.aclose()
    return int(value or 0)


async def test_killed_worker_mid_write_is_not_run_twice(
    probe_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = probe_token(probe_stack)
    call = asyncio.create_task(
        rest(http, probe_stack, "local_probe_count", token, key="kill", seconds="1.5")
    )
    await asyncio.sleep(0.6)  # the worker holds the call and sleeps before counting
    probe_stack.stop("worker0", signal.SIGKILL)
    probe_stack.spawn("worker1", "services.functions")  # gets the redelivered message
    body = await call
    assert body["errorcode"] == "callinterrupted", body
    await asyncio.sleep(0.5)
    assert await counter(probe_stack, "kill") == 0  # never executed by the second worker


async def test_killed_worker_mid_read_is_answered_by_another(
    probe_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = probe_token(probe_stack)
    call = asyncio.create_task(rest(http, probe_stack, "local_probe_sleep", token, seconds="1"))
    await asyncio.sleep(0.4)
    probe_stack.stop("worker0", signal.SIGKILL)
    probe_stack.spawn("worker1", "services.functions")
    assert await call == {"slept": 1.0}


async def test_sigterm_drains_in_flight_calls(
    probe_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = probe_token(probe_stack)
    calls = [
        asyncio.create_task(rest(http, probe_stack, "local_probe_sleep", token, seconds="1.5"))
        for _ in range(3)
    ]
    await asyncio.sleep(0.5)
    started = time.monotonic()
    code = await asyncio.to_thread(probe_stack.stop, "worker0", signal.SIGTERM)
    assert code == 0
    assert time.monotonic() - started < 5
    assert await asyncio.gather(*calls) == [{"slept": 1.5}] * 3


async def test_expired_calls_are_never_executed(
    probe_stack: Stack, http: aiohttp.ClientSession
) -> None:
    """Calls that waited past their deadline (in the queue, or prefetched by a frozen worker)
    are dropped, never run late."""
    probe_stack.stop("gateway")
    probe_stack.env["WS_CALL_TIMEOUT"] = "1"
    probe_stack.spawn("gateway", "services.gateway")
    await probe_stack.wait_healthy(probe_stack.url)
    token = probe_token(probe_stack)
    worker = probe_stack.processes["worker0"]
    worker.send_signal(signal.SIGSTOP)  # still consuming as far as the broker knows
    try:
        keys = [f"late{i}" for i in range(10)]  # more than the prefetch of 4: some stay queued
        bodies = await asyncio.gather(
            *(rest(http, probe_stack, "local_probe_count", token, key=k) for k in keys)
        )
        assert {b["errorcode"] for b in bodies} == {"calltimeout"}
        await asyncio.sleep(1.0)
    finally:
        worker.send_signal(signal.SIGCONT)
    await asyncio.sleep(2.0)  # the worker runs anything it still holds now
    assert [await counter(probe_stack, k) for k in keys] == [0] * 10
    log = (probe_stack.logdir / "worker0.log").read_text()
    assert "dropping expired call" in log  # the prefetched ones, dropped by the worker


async def test_gateway_sigterm_finishes_in_flight_requests(
    probe_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = probe_token(probe_stack)
    call = asyncio.create_task(rest(http, probe_stack, "local_probe_sleep", token, seconds="1"))
    await asyncio.sleep(0.3)
    code = await asyncio.to_thread(probe_stack.stop, "gateway", signal.SIGTERM)
    assert await call == {"slept": 1.0}
    assert code == 0


@pytest.fixture
async def heartbeat_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    # A 2 s heartbeat: a worker whose connection loop stalled for 8 s would be dropped.
    url = "amqp://guest:guest@127.0.0.1:5672/?heartbeat=2"
    running = await start_stack(
        tmp_path,
        workers=1,
        AMQP_URL=url,
        WS_PLUGINS=PROBE,
        TEST_EXTRA_COMPONENTS="local_probe",
        WS_CALL_TIMEOUT="20",
    )
    try:
        yield running
    finally:
        await stop_stack(running)


async def test_blocking_plugin_code_does_not_stall_heartbeats(
    heartbeat_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = probe_token(heartbeat_stack)
    body = await rest(http, heartbeat_stack, "local_probe_block", token, seconds="8")
    assert body == {"blocked": 8.0}
    log = (heartbeat_stack.logdir / "worker0.log").read_text()
    assert "lost the broker connection" not in log
    # The same message was not redelivered to run a second time.
    assert log.count("replaying") == 0


@pytest.fixture
async def tight_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await start_stack(
        tmp_path,
        workers=1,
        WS_PLUGINS=PROBE,
        TEST_EXTRA_COMPONENTS="local_probe",
        WS_CALL_TIMEOUT="10",
        WS_CONCURRENCY="1",
        WS_QUEUE_MAX_LENGTH="2",
        WS_MAX_INFLIGHT="6",
    )
    try:
        yield running
    finally:
        await stop_stack(running)


async def test_a_flood_gets_server_busy_not_an_unbounded_queue(
    tight_stack: Stack, http: aiohttp.ClientSession
) -> None:
    """One call running, two queued: the broker refuses the rest (reject-publish), and the
    gateway's own in-flight bound refuses beyond six; every refusal is immediate."""
    token = probe_token(tight_stack)
    started = time.monotonic()
    bodies = await asyncio.gather(
        *(rest(http, tight_stack, "local_probe_sleep", token, seconds="1") for _ in range(12))
    )
    codes = sorted(b.get("errorcode", "ok") for b in bodies)
    assert codes.count("ok") == 3, codes  # one running + two queued
    assert set(codes) == {"ok", "servicebusy"}, codes
    assert time.monotonic() - started < 5  # three seconds of work, refusals at once
    url = f"{tight_stack.url}/api/v1/functions/local_probe_sleep"
    headers = {"Authorization": f"Bearer {token}"}

    async def api_call() -> int:
        async with http.post(url, json={"seconds": 1}, headers=headers) as resp:
            return resp.status

    statuses = await asyncio.gather(*(api_call() for _ in range(12)))
    assert sorted(set(statuses)) == [200, 503], statuses
