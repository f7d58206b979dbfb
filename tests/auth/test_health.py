"""The health check, and token.php while Redis is unreachable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from shared.constants import MOBILE_SERVICE
from tests.auth.conftest import Client, MakeClient, RedisProxy


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[RedisProxy]:
    relay = RedisProxy(urlsplit(redis_url).port or 6379)
    await relay.start()
    yield relay
    if relay.server is not None and relay.server.is_serving():
        await relay.stop()


async def test_healthy(client: Client) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "redis": True}


async def test_redis_outage(make_client: MakeClient, proxy: RedisProxy, redis_url: str) -> None:
    assert proxy.server is not None
    port = proxy.server.sockets[0].getsockname()[1]
    db = urlsplit(redis_url).path or "/0"
    client = await make_client(redis_url=f"redis://127.0.0.1:{port}{db}")
    assert (await client.get("/healthz")).status == 200
    await proxy.stop()
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert await resp.json() == {"status": "unavailable", "redis": False}
    resp = await client.get(
        "/login/token.php",
        params={"username": "student", "password": "x", "service": MOBILE_SERVICE},
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["errorcode"] == "dmlreadexception"
    assert body["debuginfo"] is None
