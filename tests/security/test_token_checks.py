"""Every check of a token call (reference §3.3 and load_function_info), over HTTP, with
Moodle's errorcodes and debuginfo at REST and the JSON API's statuses."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import msgspec

from shared.store import Store
from shared.tokens import hash_token
from tests.e2e.stack import Stack
from tests.security.conftest import (
    SITE_INFO,
    answer,
    api,
    call,
    errorcode,
    new_token,
    new_user,
    update_user,
)


async def test_unknown_and_missing_tokens(http: aiohttp.ClientSession, sec: Stack) -> None:
    for token in ("0" * 32, "", "x" * 500):
        body = await call(http, sec, token)
        assert body == {
            "exception": "moodle_exception",
            "errorcode": "invalidtoken",
            "message": "Invalid token - token not found",
        }
    status, body, headers = await api(http, sec.url, "0" * 32)
    assert (status, body["errorcode"]) == (401, "invalidtoken")
    assert headers["WWW-Authenticate"] == "Bearer"


async def test_expired_token_is_refused_then_deleted(
    http: aiohttp.ClientSession, sec: Stack, sec_store: Store
) -> None:
    user = new_user(sec)
    token = new_token(sec, user, "moodle_mobile_app", "--valid-until", str(int(time.time()) + 60))
    assert "sitename" in await call(http, sec, token)
    # Age the token in Redis (and announce it, as every write does): no minute-long sleep.
    found = await sec_store.get_token(hash_token(token))
    assert found is not None
    found[0].validuntil = int(time.time()) - 1
    key = sec_store.names.token(found[0].hash)
    await sec_store.redis.hset(key, "record", msgspec.json.encode(found[0]))
    await sec_store.invalidate("token", found[0].hash)
    body = await call(http, sec, token)
    assert body["exception"] == "webservice_access_exception"
    assert body["errorcode"] == "accessexception"
    assert body["debuginfo"] == (
        "Invalid token - token expired - check validuntil time for the token"
    )
    assert await sec_store.get_token(hash_token(token)) is None
    assert errorcode(await call(http, sec, token)) == "invalidtoken"


async def test_token_ip_restriction(http: aiohttp.ClientSession, sec: Stack) -> None:
    user = new_user(sec)
    refused = new_token(sec, user, "moodle_mobile_app", "--ip-restriction", "10.0.0.1,192.168.")
    body = await call(http, sec, refused)
    assert body["errorcode"] == "accessexception"
    assert body["debuginfo"] == (
        "Invalid service - IP:127.0.0.1 is not supported - check this allowed user"
    )
    status, body, _ = await api(http, sec.url, refused)
    assert (status, body["errorcode"]) == (403, "accessexception")
    for allowed in ("127.0.0.0/8", "127.0.0.1-5", "127.0.", "10.1.1.1,127.0.0.1"):
        token = new_token(sec, user, "moodle_mobile_app", "--ip-restriction", allowed)
        assert "sitename" in await call(http, sec, token), allowed


async def test_maintenance_mode_lets_admins_and_maintainers_in(
    http: aiohttp.ClientSession, sec: Stack
) -> None:
    user = new_user(sec)
    token = new_token(sec, user)
    admin_token = new_token(sec, "admin")
    sec.wsadmin("maintenance", "on")
    try:
        body = await answer(http, sec, token, lambda b: errorcode(b) == "sitemaintenance")
        assert body == {
            "exception": "moodle_exception",
            "errorcode": "sitemaintenance",
            "message": "The site is undergoing maintenance and is currently not available",
        }
        status, body, _ = await api(http, sec.url, token)
        assert (status, body["errorcode"]) == (503, "sitemaintenance")
        assert "sitename" in await call(http, sec, admin_token)
        # A role holding moodle/site:maintenanceaccess lets a non-admin in too.
        sec.wsadmin("role", "assign", "manager", user)
        await answer(http, sec, token, lambda b: "sitename" in b)
        sec.wsadmin("role", "unassign", "manager", user)
        await answer(http, sec, token, lambda b: errorcode(b) == "sitemaintenance")
    finally:
        sec.wsadmin("maintenance", "off")
    await answer(http, sec, token, lambda b: "sitename" in b)


async def test_user_states(http: aiohttp.ClientSession, sec: Stack, sec_store: Store) -> None:
    user = new_user(sec)
    token = new_token(sec, user)
    assert "sitename" in await call(http, sec, token)

    sec.wsadmin("user", "suspend", user)
    suspended = f"Refused web service access for suspended username: {user}"
    body = await answer(http, sec, token, lambda b: b.get("debuginfo") == suspended)
    assert body["errorcode"] == "accessexception"
    sec.wsadmin("user", "unsuspend", user)
    await answer(http, sec, token, lambda b: "sitename" in b)

    await update_user(sec_store, user, confirmed=False)
    body = await answer(http, sec, token, lambda b: errorcode(b) == "wsaccessuserunconfirmed")
    assert body["message"] == f"Refused web service access for unconfirmed username: {user}"
    status, _, _ = await api(http, sec.url, token)
    assert status == 403
    await update_user(sec_store, user, confirmed=True, auth="nologin")
    nologin = f"Refused web service access for nologin authentication username: {user}"
    body = await answer(http, sec, token, lambda b: b.get("debuginfo") == nologin)
    assert body["errorcode"] == "accessexception"
    await update_user(sec_store, user, auth="manual", deleted=True)
    deleted = f"Refused web service access for deleted username: {user}"
    body = await answer(http, sec, token, lambda b: b.get("debuginfo") == deleted)
    assert body["errorcode"] == "accessexception"


async def test_service_disabled_and_function_not_in_service(
    http: aiohttp.ClientSession, sec: Stack
) -> None:
    user = new_user(sec)
    shortname = f"svc_{user}"
    sec.wsadmin("service", "create", shortname, "--functions", "core_webservice_get_site_info")
    token = new_token(sec, user, shortname)
    assert "sitename" in await call(http, sec, token)
    body = await call(http, sec, token, "tool_mobile_get_public_config")
    assert body["errorcode"] == "accessexception"
    assert body["debuginfo"].startswith(
        "Access to the function tool_mobile_get_public_config() is not allowed."
    )
    sec.wsadmin("service", "disable", shortname)
    body = await answer(http, sec, token, lambda b: errorcode(b) == "accessexception")
    assert body["debuginfo"].startswith(
        "Access to the function core_webservice_get_site_info() is not allowed.\n"
        "There could be multiple reasons for this:\n1. The service linked"
    )
    status, body, _ = await api(http, sec.url, token)
    assert (status, body["errorcode"]) == (403, "accessexception")
    sec.wsadmin("service", "enable", shortname)
    await answer(http, sec, token, lambda b: "sitename" in b)
    body = await call(http, sec, token, "")
    assert (body["errorcode"], body["debuginfo"]) == ("invalidparameter", "Missing function name")
    body = await call(http, sec, token, "no_such_function")
    assert body["errorcode"] == "invalidrecord"


async def test_restricted_service_and_authorised_users(
    http: aiohttp.ClientSession, sec: Stack
) -> None:
    user = new_user(sec)
    shortname = f"restricted_{user}"
    sec.wsadmin("service", "create", shortname, "--restricted", "--functions", SITE_INFO)
    token = new_token(sec, user, shortname)
    assert errorcode(await call(http, sec, token)) == "accessexception"
    sec.wsadmin("service", "authorise", shortname, user)
    assert "sitename" in await call(http, sec, token)
    sec.wsadmin("service", "authorise", shortname, user, "--valid-until", "1000")
    assert errorcode(await call(http, sec, token)) == "accessexception"
    sec.wsadmin("service", "authorise", shortname, user, "--ip-restriction", "10.0.0.0/8")
    assert errorcode(await call(http, sec, token)) == "accessexception"
    sec.wsadmin("service", "authorise", shortname, user, "--ip-restriction", "127.0.0.1")
    assert "sitename" in await call(http, sec, token)
    sec.wsadmin("service", "deauthorise", shortname, user)
    assert errorcode(await call(http, sec, token)) == "accessexception"


async def test_required_capability_of_the_service(http: aiohttp.ClientSession, sec: Stack) -> None:
    user = new_user(sec)
    shortname = f"capped_{user}"
    sec.wsadmin(
        "service",
        "create",
        shortname,
        "--functions",
        "core_webservice_get_site_info",
        "--required-capability",
        "moodle/site:config",
    )
    token = new_token(sec, user, shortname)
    assert errorcode(await call(http, sec, token)) == "accessexception"
    sec.wsadmin("role", "assign", "manager", user)
    assert "sitename" in await call(http, sec, token)
    sec.wsadmin("role", "unassign", "manager", user)
    assert errorcode(await call(http, sec, token)) == "accessexception"


async def test_protocol_capability(http: aiohttp.ClientSession, sec: Stack) -> None:
    user = new_user(sec)
    token = new_token(sec, user)
    sec.wsadmin("role", "create", f"norest_{user}")
    sec.wsadmin("role", "revoke", "user", "webservice/rest:use")
    try:
        body = await answer(http, sec, token, lambda b: errorcode(b) == "accessexception")
        assert body["debuginfo"] == (
            "You are not allowed to use the {$a} protocol (missing capability: webservice/rest:use)"
        )
        assert "sitename" in await call(http, sec, new_token(sec, "admin"))
        sec.wsadmin("role", "grant", "editingteacher", "webservice/rest:use")
        sec.wsadmin("role", "assign", "editingteacher", user)
        await answer(http, sec, token, lambda b: "sitename" in b)
    finally:
        sec.wsadmin("role", "grant", "user", "webservice/rest:use")
        sec.wsadmin("role", "revoke", "editingteacher", "webservice/rest:use")
    await answer(http, sec, token, lambda b: "sitename" in b)


async def test_lastaccess_at_most_once_a_minute(
    http: aiohttp.ClientSession, sec: Stack, sec_store: Store
) -> None:
    user = new_user(sec)
    token = new_token(sec, user)
    found = await sec_store.get_token(hash_token(token))
    assert found is not None and found[1] == 0
    before = int(time.time())
    assert "sitename" in await call(http, sec, token)
    await asyncio.sleep(0.3)  # written in the background
    found = await sec_store.get_token(hash_token(token))
    assert found is not None and found[1] >= before
    first = found[1]
    await sec_store.redis.hset(sec_store.names.token(hash_token(token)), "lastaccess", first - 30)
    assert "sitename" in await call(http, sec, token)
    await asyncio.sleep(0.3)
    found = await sec_store.get_token(hash_token(token))
    assert found is not None and found[1] == first - 30  # less than a minute: untouched
