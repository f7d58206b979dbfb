"""Fixtures for the admin console: the auth app on a test server over the per-test namespace,
and browser-like clients that log in through ``/login/index.php``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.auth.app import create_app
from services.auth.settings import AuthSettings
from shared.store import Store

SECRET = "console-secret-key-0123456789abcdef"
ADMIN_PASSWORD = "Admin-Pass-1!"
STUDENT_PASSWORD = "Student-2026!"

Client = TestClient[web.Request, web.Application]

_LOGINTOKEN = re.compile(r"name='logintoken' value='([^']+)'")
_SESSKEY = re.compile(r"name='sesskey' value='([^']+)'")


@pytest.fixture
def console_settings(namespace: str, redis_url: str) -> AuthSettings:
    return AuthSettings(
        secret_key=SECRET,
        redis_url=redis_url,
        namespace=namespace,
        admin_password=ADMIN_PASSWORD,
        argon2_time_cost=1,
        argon2_memory_cost=8,
        argon2_parallelism=1,
        audit_publish=False,
    )


async def log_in(client: Client, username: str, password: str) -> None:
    """The login form, as a browser fills it (the client keeps the cookies)."""
    async with client.get("/login/index.php") as resp:
        found = _LOGINTOKEN.search(await resp.text())
        assert found is not None
    async with client.post(
        "/login/index.php",
        data={"logintoken": found.group(1), "username": username, "password": password},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 303, await resp.text()


async def sesskey_of(client: Client, path: str = "/admin/") -> str:
    async with client.get(path) as resp:
        assert resp.status == 200
        found = _SESSKEY.search(await resp.text())
    if found is None:  # the overview page has no form: any page with one will do
        async with client.get("/admin/users") as resp:
            found = _SESSKEY.search(await resp.text())
    assert found is not None
    return found.group(1)


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def make_console(store: Store, console_settings: AuthSettings) -> AsyncIterator[MakeClient]:
    """A fresh client (own cookie jar) on one shared auth app, logged in as ``username``."""
    server = TestServer(create_app(console_settings))
    await server.start_server()
    clients: list[Client] = []

    async def make(username: str = "", password: str = "") -> Client:
        client: Client = TestClient(server)
        await client.start_server()
        clients.append(client)
        if username:
            await log_in(client, username, password)
        return client

    yield make
    for client in clients:
        await client.session.close()
    await server.close()


@pytest.fixture
async def admin(make_console: MakeClient) -> Client:
    return await make_console("admin", ADMIN_PASSWORD)


@pytest.fixture
async def student(make_console: MakeClient) -> Client:
    return await make_console("student", STUDENT_PASSWORD)


class Console:
    """An administrator's browser: GETs pages and submits forms with the sesskey."""

    def __init__(self, client: Client, sesskey: str) -> None:
        self.client = client
        self.sesskey = sesskey

    async def get(self, path: str, status: int = 200) -> str:
        async with self.client.get(path, allow_redirects=False) as resp:
            text = await resp.text()
            assert resp.status == status, text
            return text

    async def post(self, path: str, status: int = 200, **data: Any) -> str:
        async with self.client.post(
            path, data={"sesskey": self.sesskey, **data}, allow_redirects=False
        ) as resp:
            text = await resp.text()
            assert resp.status == status, text
            return text


@pytest.fixture
async def console(admin: Client) -> Console:
    return Console(admin, await sesskey_of(admin))
