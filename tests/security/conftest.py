"""A stack of its own for the security tests (they switch maintenance mode, suspend users,
change roles), and helpers that drive it over HTTP and through ``wsadmin``."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from shared.constants import Names
from shared.records import UserRecord
from shared.store import Store, connect_redis
from tests.e2e.stack import Stack, rest, start_stack, stop_stack

SITE_INFO = "core_webservice_get_site_info"
PASSWORD = "Secur1ty-Test!"


@pytest.fixture(scope="module")
async def sec(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    running = await start_stack(Path(tmp_path_factory.mktemp("security")), workers=1)
    try:
        yield running
    finally:
        await stop_stack(running)


@pytest.fixture
async def sec_store(sec: Stack) -> AsyncIterator[Store]:
    """The stack's own Redis data, for states wsadmin cannot set (deleted, unconfirmed)."""
    redis = connect_redis(sec.env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        yield Store(redis, Names(sec.namespace))
    finally:
        await redis.aclose()


def new_user(stack: Stack) -> str:
    username = f"u{secrets.token_hex(4)}"
    stack.wsadmin("user", "create", username, "--password", PASSWORD)
    return username


def new_token(stack: Stack, username: str, service: str = "moodle_mobile_app", *extra: str) -> str:
    out = stack.wsadmin("token", "create", username, service, *extra).stdout
    return out.strip().splitlines()[-1]


async def call(
    http: aiohttp.ClientSession, stack: Stack, token: str, function: str = SITE_INFO, **params: Any
) -> Any:
    return await rest(http, stack, function, token, **params)


async def api(
    http: aiohttp.ClientSession, url: str, token: str, function: str = SITE_INFO
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with http.post(
        f"{url}/api/v1/functions/{function}",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


def errorcode(body: Any) -> str:
    return str(body.get("errorcode", "")) if isinstance(body, dict) else ""


async def update_user(store: Store, username: str, **changes: Any) -> UserRecord:
    user = await store.get_user_by_username(username)
    assert user is not None
    for name, value in changes.items():
        setattr(user, name, value)
    await store.save_user(user)  # publishes user:<id>, as every write path must
    return user


async def eventually(check: Any, within: float = 1.0) -> float:
    """Poll ``check`` (an async callable returning bool) until true; returns the seconds taken."""
    start = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            raise AssertionError(f"not true within {within} s")
        await asyncio.sleep(0.05)


async def answer(
    http: aiohttp.ClientSession,
    stack: Stack,
    token: str,
    predicate: Any,
    function: str = SITE_INFO,
    within: float = 2.0,
) -> dict[str, Any]:
    """The first REST answer satisfying ``predicate``, polled: a change made by wsadmin or a
    direct store write reaches the gateways' caches through the invalidation channel within
    the promised second, not before the next request is guaranteed to be handled."""
    box: dict[str, dict[str, Any]] = {}

    async def check() -> bool:
        box["body"] = await call(http, stack, token, function)
        return bool(predicate(box["body"]))

    await eventually(check, within)
    return box["body"]
