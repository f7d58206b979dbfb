"""Hostile clients: trickled bodies, oversized headers, junk. Clear answers, no crash."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stack import Stack, login, rest, start_stack, stop_stack

pytestmark = pytest.mark.e2e


@pytest.fixture
async def strict_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await start_stack(tmp_path, workers=1, WS_BODY_TIMEOUT="1")
    try:
        yield running
    finally:
        await stop_stack(running)


async def raw_exchange(stack: Stack, payload: bytes, *, pause: float = 0.0) -> bytes:
    host, port = stack.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(payload)
        await writer.drain()
        if pause:
            await asyncio.sleep(pause)
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


async def test_trickled_body_is_cut_off_with_a_moodle_error(strict_stack: Stack) -> None:
    head = (
        b"POST /webservice/rest/server.php?moodlewsrestformat=json HTTP/1.1\r\n"
        b"Host: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1000\r\nConnection: close\r\n\r\nwstoken=abc"
    )
    started = time.monotonic()
    answer = await raw_exchange(strict_stack, head)
    assert time.monotonic() - started < 5
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200")
    assert json.loads(body)["errorcode"] == "invalidparameter"


async def test_oversized_headers_and_junk_leave_the_gateway_serving(
    strict_stack: Stack, http: aiohttp.ClientSession
) -> None:
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
    answer = await raw_exchange(strict_stack, big)
    assert answer.split(b" ")[1].startswith(b"4")  # refused by the HTTP parser, not a crash
    junk = await raw_exchange(strict_stack, b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
    assert junk == b"" or junk.split(b" ")[1] == b"400"
    token = (await login(http, strict_stack, "student", "Student-2026!"))["token"]
    assert "userid" in await rest(http, strict_stack, "core_webservice_get_site_info", token)
