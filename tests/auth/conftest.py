"""Fixtures for the auth tests: the app on a real test server over the per-test namespace."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.auth.accounts import Accounts
from services.auth.app import create_app
from services.auth.passwords import Passwords
from services.auth.settings import AuthSettings
from shared.store import Store

SECRET = "test-secret-key-0123456789abcdef"
ADMIN_PASSWORD = "Admin-Pass-1!"
#: argon2 at its cheapest: tests check behaviour, not hashing cost.
FAST_HASH: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_cost": 8,
    "argon2_parallelism": 1,
}

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
def auth_settings(namespace: str, redis_url: str) -> AuthSettings:
    return AuthSettings(
        secret_key=SECRET,
        redis_url=redis_url,
        namespace=namespace,
        admin_password=ADMIN_PASSWORD,
        **FAST_HASH,
    )


@pytest.fixture
def accounts(store: Store, auth_settings: AuthSettings) -> Accounts:
    return Accounts(store, Passwords(auth_settings), SECRET)


@pytest.fixture
async def make_client(store: Store, auth_settings: AuthSettings) -> AsyncIterator[MakeClient]:
    """Start the auth app (settings overridable) on a test server; closed after the test.

    Depends on ``store`` so the namespace is dropped only after the apps have stopped.
    """
    clients: list[Client] = []

    async def make(**overrides: Any) -> Client:
        settings = auth_settings
        if overrides:
            settings = msgspec.structs.replace(auth_settings, **overrides)
        client: Client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client()


class RedisProxy:
    """A TCP relay in front of the real Redis that a test can cut, to watch outages."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()
