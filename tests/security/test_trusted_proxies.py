"""Behind a load balancer: the client's address from X-Forwarded-For, only from trusted peers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.stack import Stack, start_stack, stop_stack

pytestmark = pytest.mark.e2e


@pytest.fixture
async def proxied_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await start_stack(tmp_path, workers=1, WS_TRUSTED_PROXIES="127.0.0.1")
    try:
        yield running
    finally:
        await stop_stack(running)


async def site_info(
    http: aiohttp.ClientSession, stack: Stack, token: str, **headers: str
) -> dict[str, Any]:
    data = {
        "wstoken": token,
        "wsfunction": "core_webservice_get_site_info",
        "moodlewsrestformat": "json",
    }
    async with http.post(
        f"{stack.url}/webservice/rest/server.php", data=data, headers=headers
    ) as resp:
        body: dict[str, Any] = await resp.json()
        return body


async def test_ip_restriction_sees_the_forwarded_client(
    proxied_stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = proxied_stack.wsadmin(
        "token", "create", "student", "moodle_mobile_app", "--ip-restriction", "10.1.2.0/24"
    )
    token = created.stdout.split()[-1]
    ok = await site_info(http, proxied_stack, token, **{"X-Forwarded-For": "10.1.2.3"})
    assert "userid" in ok, ok
    # A forged first hop is ignored: the right-most untrusted address counts.
    forged = await site_info(
        http, proxied_stack, token, **{"X-Forwarded-For": "10.1.2.3, 192.0.2.9"}
    )
    assert forged["errorcode"] == "accessexception"
    assert "IP:192.0.2.9" in forged["debuginfo"]
    direct = await site_info(http, proxied_stack, token)
    assert direct["errorcode"] == "accessexception"  # 127.0.0.1 itself is not 10.1.2.0/24


async def test_forwarded_header_ignored_without_trusted_proxies(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = stack.wsadmin(
        "token", "create", "student", "moodle_mobile_app", "--ip-restriction", "10.1.2.0/24"
    )
    token = created.stdout.split()[-1]
    body = await site_info(http, stack, token, **{"X-Forwarded-For": "10.1.2.3"})
    assert body["errorcode"] == "accessexception"
