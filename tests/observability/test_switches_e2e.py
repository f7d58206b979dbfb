"""Site switches set with ``wsadmin config set`` and honoured by the gateway at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.stack import Stack, login, start_stack, stop_stack

SITE_INFO = "core_webservice_get_site_info"


@pytest.fixture(scope="module")
async def sw_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    running = await start_stack(Path(tmp_path_factory.mktemp("switches")), workers=1)
    try:
        yield running
    finally:
        await stop_stack(running)


@pytest.fixture
async def token(http: aiohttp.ClientSession, sw_stack: Stack) -> AsyncIterator[str]:
    body = await login(http, sw_stack, "student", "Student-2026!")
    yield str(body["token"])
    # Every test leaves the site as it found it.
    for name, value in (
        ("enablewebservices", "1"),
        ("webserviceprotocols", "rest,ajax,api"),
        ("enablemobilewebservice", "1"),
        ("enablewsdocumentation", "1"),
    ):
        sw_stack.wsadmin("config", "set", name, value)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 3.0) -> None:
    """Pub/sub delivers in milliseconds; allow a little time, never a TTL's worth."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "the gateway did not apply the switch in time"
        await asyncio.sleep(0.05)


async def rest_call(http: aiohttp.ClientSession, stack: Stack, token: str) -> tuple[int, bytes]:
    data = {"wstoken": token, "wsfunction": SITE_INFO, "moodlewsrestformat": "json"}
    async with http.post(f"{stack.url}/webservice/rest/server.php", data=data) as resp:
        return resp.status, await resp.read()


async def api_call(
    http: aiohttp.ClientSession, stack: Stack, token: str
) -> tuple[int, dict[str, Any]]:
    async with http.post(
        f"{stack.url}/api/v1/functions/{SITE_INFO}",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        return resp.status, await resp.json()


async def test_enablewebservices_off_and_on(
    http: aiohttp.ClientSession, sw_stack: Stack, token: str
) -> None:
    assert (await rest_call(http, sw_stack, token))[0] == 200
    sw_stack.wsadmin("config", "set", "enablewebservices", "off")

    async def rest_refused() -> bool:
        return await rest_call(http, sw_stack, token) == (403, b"")

    await eventually(rest_refused)
    status, body = await api_call(http, sw_stack, token)
    assert status == 503 and body["errorcode"] == "enablewsdescription"
    refused = await login(http, sw_stack, "student", "Student-2026!")
    assert refused["errorcode"] == "enablewsdescription"
    sw_stack.wsadmin("config", "set", "enablewebservices", "on")

    async def rest_back() -> bool:
        status, body = await rest_call(http, sw_stack, token)
        return status == 200 and b'"userid"' in body

    await eventually(rest_back)
    assert (await api_call(http, sw_stack, token))[0] == 200


async def test_webserviceprotocols(
    http: aiohttp.ClientSession, sw_stack: Stack, token: str
) -> None:
    sw_stack.wsadmin("config", "set", "webserviceprotocols", "rest")

    async def api_refused() -> bool:
        status, body = await api_call(http, sw_stack, token)
        return status == 503 and body.get("errorcode") == "protocoldisabled"

    await eventually(api_refused)
    status, body = await rest_call(http, sw_stack, token)
    assert status == 200 and b'"userid"' in body
    async with http.post(
        f"{sw_stack.url}/lib/ajax/service-nologin.php",
        data='[{"index":0,"methodname":"core_get_string","args":{}}]',
    ) as resp:
        ajax = await resp.json()
    assert ajax["errorcode"] == "servicenotavailable", ajax

    sw_stack.wsadmin("config", "set", "webserviceprotocols", "api")

    async def rest_refused() -> bool:
        return (await rest_call(http, sw_stack, token))[0] == 403

    await eventually(rest_refused)
    assert (await api_call(http, sw_stack, token))[0] == 200


async def test_enablemobilewebservice_off_refuses_mobile_tokens(
    http: aiohttp.ClientSession, sw_stack: Stack, token: str
) -> None:
    sw_stack.wsadmin("config", "set", "enablemobilewebservice", "0")

    async def mobile_refused() -> bool:
        status, body = await api_call(http, sw_stack, token)
        return status == 403 and body.get("errorcode") == "accessexception"

    await eventually(mobile_refused)
    _, body = await rest_call(http, sw_stack, token)
    assert b'"accessexception"' in body
    refused = await login(http, sw_stack, "student", "Student-2026!")
    assert refused["errorcode"] == "servicenotavailable"


async def test_enablewsdocumentation(
    http: aiohttp.ClientSession, sw_stack: Stack, token: str
) -> None:
    del token
    for path in ("/docs", "/openapi.json"):
        async with http.get(f"{sw_stack.url}{path}") as resp:
            assert resp.status == 200
    sw_stack.wsadmin("config", "set", "enablewsdocumentation", "no")

    async def docs_gone() -> bool:
        async with http.get(f"{sw_stack.url}/docs") as resp:
            return resp.status == 404

    await eventually(docs_gone)
    async with http.get(f"{sw_stack.url}/openapi.json") as resp:
        assert resp.status == 404


def test_wsadmin_config_list_and_get(sw_stack: Stack) -> None:
    listing = sw_stack.wsadmin("config", "list").stdout
    assert "enablewebservices = 1" in listing
    assert "webserviceprotocols = rest,ajax,api" in listing
    assert sw_stack.wsadmin("config", "get", "enablewsdocumentation").stdout.strip() == "1"
    bad = sw_stack.wsadmin("config", "set", "enablewebservices", "maybe", check=False)
    assert bad.returncode == 1 and "on or off" in bad.stderr
