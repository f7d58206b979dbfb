"""Redis restarted under our processes: a clear error while it is away, service after."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stack import Stack, login, rest, start_stack, stop_stack
from tests.reliability.broker import PrivateRedis

pytestmark = pytest.mark.e2e


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
async def redis_stack(tmp_path: Path, private_redis: PrivateRedis) -> AsyncIterator[Stack]:
    running = await start_stack(tmp_path, workers=1, REDIS_URL=private_redis.url)
    try:
        yield running
    finally:
        await stop_stack(running)


async def test_redis_restart_recovers_without_restarting_processes(
    private_redis: PrivateRedis, redis_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = (await login(http, redis_stack, "student", "Student-2026!"))["token"]
    first = await rest(http, redis_stack, "core_webservice_get_site_info", token)
    assert "userid" in first, first
    await asyncio.to_thread(private_redis.stop)
    started = time.monotonic()
    down = await rest(http, redis_stack, "core_webservice_get_site_info", token)
    assert down["errorcode"] == "storeunavailable", down
    assert time.monotonic() - started < 5
    async with http.get(f"{redis_stack.url}/healthz") as resp:
        assert resp.status == 503
    await asyncio.to_thread(private_redis.start)
    up_at = time.monotonic()
    recovered = None
    while time.monotonic() - up_at < 20:
        body = await rest(http, redis_stack, "core_webservice_get_site_info", token)
        if "userid" in body:
            recovered = time.monotonic() - up_at
            break
        await asyncio.sleep(0.2)
    assert recovered is not None, "no recovery within 20 s of Redis coming back"
    for name, proc in redis_stack.processes.items():
        assert proc.poll() is None, f"{name} exited"
