"""RabbitMQ restarted under our processes: they reconnect on their own and serve again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stack import Stack, login, rest, start_stack, stop_stack
from tests.reliability.broker import PrivateBroker

pytestmark = pytest.mark.e2e


@pytest.fixture
def broker() -> Iterator[PrivateBroker]:
    node = PrivateBroker()
    node.start()
    try:
        yield node
    finally:
        node.remove()


@pytest.fixture
async def broker_stack(tmp_path: Path, broker: PrivateBroker) -> AsyncIterator[Stack]:
    running = await start_stack(tmp_path, workers=1, AMQP_URL=broker.url, WS_CALL_TIMEOUT="5")
    try:
        yield running
    finally:
        await stop_stack(running)


async def test_broker_restart_recovers_without_restarting_processes(
    broker: PrivateBroker, broker_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = (await login(http, broker_stack, "student", "Student-2026!"))["token"]
    first = await rest(http, broker_stack, "core_webservice_get_site_info", token)
    assert "userid" in first, first
    await asyncio.to_thread(broker.stop)
    started = time.monotonic()
    down = await rest(http, broker_stack, "core_webservice_get_site_info", token)
    assert down["errorcode"] == "brokerunavailable", down
    assert time.monotonic() - started < 2  # at once, not after the deadline
    await asyncio.to_thread(broker.start)
    up_at = time.monotonic()
    recovered = None
    while time.monotonic() - up_at < 30:
        body = await rest(http, broker_stack, "core_webservice_get_site_info", token)
        if "userid" in body:
            recovered = time.monotonic() - up_at
            break
        await asyncio.sleep(0.25)
    assert recovered is not None, "no recovery within 30 s of the broker coming back"
    for name, proc in broker_stack.processes.items():
        assert proc.poll() is None, f"{name} exited"
    async with http.get(f"{broker_stack.url}/healthz") as resp:
        assert resp.status == 200
