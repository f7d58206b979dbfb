"""Calls when workers are gone: a clear error within the deadline, never a hang."""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from shared.constants import Names
from shared.store import Store, connect_redis
from shared.wire import FunctionInfo
from tests.e2e.stack import Stack, login, rest, start_stack, stop_stack

pytestmark = pytest.mark.e2e

CALL_TIMEOUT = 3.0


@pytest.fixture
async def small_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await start_stack(tmp_path, workers=1, WS_CALL_TIMEOUT=str(CALL_TIMEOUT))
    try:
        yield running
    finally:
        await stop_stack(running)


async def test_killed_workers_answer_an_error_within_the_deadline(
    small_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = (await login(http, small_stack, "student", "Student-2026!"))["token"]
    assert (await rest(http, small_stack, "core_webservice_get_site_info", token))["userid"]
    small_stack.stop("worker0", signal.SIGKILL)
    started = time.monotonic()
    body = await rest(http, small_stack, "core_webservice_get_site_info", token)
    elapsed = time.monotonic() - started
    assert body["errorcode"] in {"noworkers", "calltimeout"}, body
    assert set(body) <= {"exception", "errorcode", "message", "debuginfo"}
    assert elapsed < CALL_TIMEOUT + 2
    async with http.get(f"{small_stack.url}/healthz") as resp:
        assert resp.status == 503, (body, elapsed, await resp.text())
    # A worker coming back serves again without restarting the gateway.
    small_stack.spawn("worker1", "services.functions")
    await small_stack.wait_healthy(small_stack.url)
    assert (await rest(http, small_stack, "core_webservice_get_site_info", token))["userid"]


async def test_function_without_any_worker_fails_fast(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    """A catalogued function whose component no worker serves: `noworkers` at once."""
    redis = connect_redis(stack.env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    store = Store(redis, Names(stack.namespace))
    try:
        await store.put_functions(
            [
                FunctionInfo(
                    name="local_ghost_haunt",
                    component="local_ghost",
                    parameters={
                        "type": "single",
                        "keys": {},
                        "desc": "",
                        "required": 1,
                        "default": None,
                        "allownull": False,
                    },
                )
            ]
        )
    finally:
        await redis.aclose()
    stack.wsadmin("service", "create", "ghosts", "--functions", "local_ghost_haunt")
    token = stack.wsadmin("token", "create", "student", "ghosts").stdout.strip().splitlines()[-1]
    started = time.monotonic()
    body = await rest(http, stack, "local_ghost_haunt", token)
    assert body["errorcode"] == "noworkers", body
    assert time.monotonic() - started < 1.5
