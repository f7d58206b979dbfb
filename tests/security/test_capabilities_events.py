"""Capabilities declared by functions, the audit stream and the events exchange."""

from __future__ import annotations

import asyncio
import json
import secrets

import aio_pika
import aiohttp
import msgspec

from shared.contexts import CONTEXT_COURSE, ContextStore
from shared.store import Store
from tests.e2e.stack import Stack
from tests.security.conftest import (
    SITE_INFO,
    answer,
    api,
    call,
    errorcode,
    new_token,
    new_user,
)


async def test_declared_capabilities_are_enforced(
    http: aiohttp.ClientSession, sec: Stack, sec_store: Store
) -> None:
    catalog = await sec_store.get_catalog()
    original = catalog[SITE_INFO]
    capability = f"local/secret{secrets.token_hex(2)}:use"
    await sec_store.put_functions([msgspec.structs.replace(original, capabilities=[capability])])
    user = new_user(sec)
    token = new_token(sec, user)
    try:
        body = await answer(http, sec, token, lambda b: errorcode(b) == "nopermissions")
        assert body == {
            "exception": "required_capability_exception",
            "errorcode": "nopermissions",
            "message": (
                f"Sorry, but you do not currently have permissions to do that ({capability})."
            ),
        }
        status, body, _ = await api(http, sec.url, token)
        assert (status, body["errorcode"]) == (403, "nopermissions")
        assert "sitename" in await call(http, sec, new_token(sec, "admin"))
        # Held in a course where the user has a role: enough for the gateway (the function
        # checks the instance itself).
        contexts = ContextStore(sec_store.redis, sec_store.names)
        course = await contexts.ensure(CONTEXT_COURSE, 4242)
        sec.wsadmin("role", "create", f"r_{user}", "--capabilities", capability)
        sec.wsadmin("role", "assign", f"r_{user}", user, "--context", str(course.id))
        await answer(http, sec, token, lambda b: "sitename" in b)
        sec.wsadmin("role", "revoke", f"r_{user}", capability)
        await answer(http, sec, token, lambda b: errorcode(b) == "nopermissions")
    finally:
        await sec_store.put_functions([original])
    # Later tests need the original description back in every gateway's catalog.
    await answer(http, sec, new_token(sec, new_user(sec)), lambda b: "sitename" in b)


async def test_function_calls_and_failures_are_audited(
    http: aiohttp.ClientSession, sec: Stack
) -> None:
    user = new_user(sec)
    token = new_token(sec, user)
    assert "sitename" in await call(http, sec, token)
    assert errorcode(await call(http, sec, "f" * 32)) == "invalidtoken"
    await asyncio.sleep(0.3)  # the gateway writes events in the background
    called = sec.wsadmin("audit", "--event", "webservice_function_called").stdout.splitlines()
    assert any(f"function={SITE_INFO}" in line for line in called)
    assert all(" webservice_function_called " in f" {line} " for line in called)
    failed = sec.wsadmin("audit", "--event", "webservice_login_failed").stdout
    assert "reason=invalid_token" in failed
    assert "f" * 32 not in failed  # never a token value
    assert len(sec.wsadmin("audit", "--limit", "2").stdout.splitlines()) == 2


async def test_events_exchange(http: aiohttp.ClientSession, sec: Stack) -> None:
    amqp_url = sec.env.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            f"{sec.namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="webservice_function_called")
        user = new_user(sec)
        token = new_token(sec, user)
        assert "sitename" in await call(http, sec, token)
        names = set()
        async with asyncio.timeout(10):
            while "webservice_function_called" not in names:
                message = await queue.get(fail=False)
                if message is None:
                    await asyncio.sleep(0.05)
                    continue
                await message.ack()
                names.add(json.loads(message.body)["eventname"])
        assert "webservice_function_called" in names
