"""A stack of its own for the observability tests: developer mode, worker metrics on a port."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stack import Stack, free_port, start_stack, stop_stack


async def wait_ready(url: str, within: float = 30.0) -> None:
    """/healthz is 200 once any queue has a consumer; /readyz waits for every component."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            async with http.get(f"{url}/readyz") as resp:
                if resp.status == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url}/readyz not 200 within {within} s")


@pytest.fixture(scope="module")
async def obs_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    port = free_port()
    running = await start_stack(
        Path(tmp_path_factory.mktemp("obs")),
        workers=1,
        WS_DEBUG="developer",
        WS_METRICS_PORT=str(port),
        WS_PLUGINS="services.functions.plugins.core,tests.plugins.probe",
        TEST_EXTRA_COMPONENTS="local_probe",
    )
    running.env["TEST_WORKER_METRICS"] = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(running.url)
        yield running
    finally:
        await stop_stack(running)
