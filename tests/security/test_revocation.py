"""Revoking a token, suspending a user or disabling a service reaches every gateway process
within one second, although each caches what it checked."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.e2e.stack import Stack, free_port
from tests.security.conftest import call, errorcode, eventually, new_token, new_user


@pytest.fixture(scope="module")
async def second_gateway(sec: Stack) -> AsyncIterator[str]:
    """Another gateway process on the same namespace (its own port and cache)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = sec.env
    sec.env = {**env, "WS_HTTP_PORT": str(port), "WS_WWWROOT": url}
    try:
        sec.spawn("gateway2", "services.gateway")
    finally:
        sec.env = env
    await sec.wait_healthy(url)
    yield url
    if "gateway2" in sec.processes:
        sec.stop("gateway2")


def at(stack: Stack, url: str) -> Stack:
    """The same stack seen through another gateway."""
    return Stack(stack.namespace, stack.env, url, stack.auth_url)


async def _both_answer(http: aiohttp.ClientSession, gateways: list[Stack], token: str) -> None:
    for gw in gateways:
        assert "sitename" in await call(http, gw, token)  # now cached in that process
        assert "sitename" in await call(http, gw, token)


async def test_revoked_token(http: aiohttp.ClientSession, sec: Stack, second_gateway: str) -> None:
    gateways = [sec, at(sec, second_gateway)]
    user = new_user(sec)
    token = new_token(sec, user)
    await _both_answer(http, gateways, token)
    sec.wsadmin("token", "revoke", token)
    done = time.monotonic()

    async def refused() -> bool:
        codes = [errorcode(await call(http, gw, token)) for gw in gateways]
        return codes == ["invalidtoken", "invalidtoken"]

    await eventually(refused, within=1.0)
    assert time.monotonic() - done < 1.0


async def test_suspended_user(http: aiohttp.ClientSession, sec: Stack, second_gateway: str) -> None:
    gateways = [sec, at(sec, second_gateway)]
    user = new_user(sec)
    token = new_token(sec, user)
    await _both_answer(http, gateways, token)
    sec.wsadmin("user", "suspend", user)

    async def refused() -> bool:
        bodies = [await call(http, gw, token) for gw in gateways]
        return all("suspended" in str(b.get("debuginfo", "")) for b in bodies)

    await eventually(refused, within=1.0)
    sec.wsadmin("user", "unsuspend", user)

    async def back() -> bool:
        return all(["sitename" in await call(http, gw, token) for gw in gateways])

    await eventually(back, within=1.0)


async def test_disabled_service(
    http: aiohttp.ClientSession, sec: Stack, second_gateway: str
) -> None:
    gateways = [sec, at(sec, second_gateway)]
    user = new_user(sec)
    shortname = f"rev_{user}"
    sec.wsadmin("service", "create", shortname, "--functions", "core_webservice_get_site_info")
    token = new_token(sec, user, shortname)
    await _both_answer(http, gateways, token)
    sec.wsadmin("service", "disable", shortname)

    async def refused() -> bool:
        codes = [errorcode(await call(http, gw, token)) for gw in gateways]
        return codes == ["accessexception", "accessexception"]

    await eventually(refused, within=1.0)


async def test_maintenance_and_roles_reach_both(
    http: aiohttp.ClientSession, sec: Stack, second_gateway: str
) -> None:
    gateways = [sec, at(sec, second_gateway)]
    user = new_user(sec)
    token = new_token(sec, user)
    await _both_answer(http, gateways, token)
    sec.wsadmin("maintenance", "on")
    try:

        async def refused() -> bool:
            codes = [errorcode(await call(http, gw, token)) for gw in gateways]
            return codes == ["sitemaintenance", "sitemaintenance"]

        await eventually(refused, within=1.0)
        sec.wsadmin("role", "assign", "manager", user)

        async def allowed() -> bool:
            return all(["sitename" in await call(http, gw, token) for gw in gateways])

        await eventually(allowed, within=1.0)
    finally:
        sec.wsadmin("maintenance", "off")
