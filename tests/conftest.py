"""Shared fixtures: real Redis and RabbitMQ, isolated per test run by a unique namespace.

Every Redis key and AMQP name a test creates lives under ``wstest-<random>``; the session
fixture deletes the keys (with SCAN, never KEYS) and the AMQP objects afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import aiohttp
import pytest
import redis.asyncio as aioredis

from shared.constants import Names
from shared.store import Store, connect_redis
from tests.e2e.stack import Stack, start_stack, stop_stack

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture(scope="session")
def amqp_url() -> str:
    return AMQP_URL


#: Namespaces handed out this session; their exchanges are deleted when the session ends.
_NAMESPACES: list[str] = []


@pytest.fixture
def namespace() -> str:
    """A fresh namespace per test: tests never see each other's keys or queues."""
    name = f"wstest-{secrets.token_hex(4)}"
    _NAMESPACES.append(name)
    return name


@pytest.fixture(scope="session", autouse=True)
async def _drop_test_exchanges() -> AsyncIterator[None]:
    """In-process apps (auth, wsadmin) declare their namespace's events exchange; remove the
    exchanges of every namespace used, in one connection at the end (the broker is shared)."""
    yield
    if not _NAMESPACES:
        return
    try:
        connection = await aio_pika.connect(AMQP_URL)
    except Exception:  # a broker that is gone has nothing left to clean
        return
    async with connection:
        channel = await connection.channel()
        for name in _NAMESPACES:
            names = Names(name)
            await channel.exchange_delete(names.events_exchange)
            await channel.exchange_delete(names.calls_exchange)


async def drop_namespace(client: aioredis.Redis, namespace: str) -> None:
    keys = [k async for k in client.scan_iter(match=f"{namespace}:*", count=500)]
    for i in range(0, len(keys), 500):
        await client.delete(*keys[i : i + 500])


@pytest.fixture
async def redis_client(namespace: str) -> AsyncIterator[aioredis.Redis]:
    client = connect_redis(REDIS_URL)
    try:
        yield client
    finally:
        await drop_namespace(client, namespace)
        await client.aclose()


@pytest.fixture
async def store(redis_client: aioredis.Redis, namespace: str) -> Store:
    return Store(redis_client, Names(namespace))


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One full stack (auth, gateway, two workers) shared by the end-to-end tests."""
    running = await start_stack(
        Path(tmp_path_factory.mktemp("stack")),
        # The plugin guide's worked example runs beside the core plugin.
        WS_PLUGINS=("services.functions.plugins.core,examples.local_greetings,tests.plugins.probe"),
        TEST_EXTRA_COMPONENTS="local_greetings,local_probe",
    )
    try:
        yield running
    finally:
        await stop_stack(running)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
