"""AJAX over HTTP: the login form and session cookie, service.php, service-nologin.php (§4.3)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from shared.records import TOKEN_EMBEDDED, TokenRecord
from shared.tokens import hash_token, new_nonce
from tests.e2e.stack import ADMIN_PASSWORD, Stack
from tests.protocols.test_files import with_store

pytestmark = pytest.mark.e2e


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that keeps cookies for an IP-address host, as a browser does."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def form_login(
    browser: aiohttp.ClientSession, stack: Stack, username: str, password: str
) -> str:
    """Log in through /login/index.php; returns the sesskey the landing page exposes."""
    async with browser.get(f"{stack.url}/login/index.php") as resp:
        page = await resp.text()
        assert resp.status == 200
        cookie = resp.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    logintoken = re.search(r"name='logintoken' value='([^']+)'", page)
    assert logintoken is not None
    form = {"username": username, "password": password, "logintoken": logintoken.group(1)}
    async with browser.post(f"{stack.url}/login/index.php", data=form) as resp:
        assert resp.status == 200, await resp.text()
        landing = await resp.text()
    sesskey = re.search(r'"sesskey": "([A-Za-z0-9]+)"', landing)
    assert sesskey is not None, landing
    return sesskey.group(1)


async def ajax(
    http: aiohttp.ClientSession,
    stack: Stack,
    calls: list[dict[str, Any]],
    sesskey: str = "",
    script: str = "service.php",
    **query: str,
) -> Any:
    params = {"sesskey": sesskey, "info": ",".join(c["methodname"] for c in calls), **query}
    async with http.post(f"{stack.url}/lib/ajax/{script}", params=params, json=calls) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        return await resp.json()


def call(methodname: str, index: int = 0, **args: Any) -> dict[str, Any]:
    return {"index": index, "methodname": methodname, "args": args}


async def test_public_config_without_a_session(http: aiohttp.ClientSession, pstack: Stack) -> None:
    body = await ajax(http, pstack, [call("tool_mobile_get_public_config")])
    assert body[0]["error"] is False
    assert body[0]["data"]["typeoflogin"] == 1
    # Doubled slashes from a base URL ending in "/".
    async with http.post(
        f"{pstack.url}//lib/ajax/service.php", json=[call("tool_mobile_get_public_config")]
    ) as resp:
        assert (await resp.json())[0]["data"]["wwwroot"] == pstack.url


async def test_session_calls_and_their_errors(
    browser: aiohttp.ClientSession, http: aiohttp.ClientSession, pstack: Stack
) -> None:
    sesskey = await form_login(browser, pstack, "student", "Student-2026!")
    body = await ajax(
        browser, pstack, [call("local_ajaxprobe_echo", flag=True, number=3, words=["a"])], sesskey
    )
    data = body[0]["data"]
    assert data["flag"] is True and data["number"] == 3 and data["words"] == ["a"]
    assert data["protocol"] == "ajax" and data["file"] == "pluginfile.php"
    assert data["userid"] > 0
    # PARAM_BOOL takes JSON false; a string "yes" is invalid as in Moodle.
    body = await ajax(browser, pstack, [call("local_ajaxprobe_echo", flag=False)], sesskey)
    assert body[0]["data"]["flag"] is False and body[0]["data"]["number"] == 7
    body = await ajax(browser, pstack, [call("local_ajaxprobe_echo", flag="yes")], sesskey)
    assert body[0]["exception"]["errorcode"] == "invalidparameter"

    body = await ajax(browser, pstack, [call("local_ajaxprobe_echo", flag=True)], "wrong")
    assert body[0]["exception"]["errorcode"] == "invalidsesskey"
    assert set(body[0]["exception"]) == {"message", "errorcode", "link", "moreinfourl"}
    body = await ajax(http, pstack, [call("local_ajaxprobe_echo", flag=True)], sesskey)
    assert body[0]["exception"]["errorcode"] == "servicerequireslogin"  # no cookie
    body = await ajax(browser, pstack, [call("local_ajaxprobe_not_ajax", flag=True)], sesskey)
    assert body[0]["exception"]["errorcode"] == "servicenotavailable"
    assert body[0]["exception"]["moreinfourl"].endswith("/webservice/servicenotavailable")

    # The first error stops a session request; indices other than 0..n-1 give an object.
    calls = [
        call("local_ajaxprobe_echo", 0, flag=True),
        call("local_ajaxprobe_not_ajax", 1, flag=True),
        call("local_ajaxprobe_echo", 2, flag=True),
    ]
    body = await ajax(browser, pstack, calls, sesskey, nosessionupdate="true")
    assert [entry["error"] for entry in body] == [False, True]
    body = await ajax(
        browser,
        pstack,
        [call("local_ajaxprobe_echo", 5, flag=True), call("local_ajaxprobe_echo", 9, flag=0)],
        sesskey,
    )
    assert set(body) == {"5", "9"} and body["9"]["data"]["flag"] is False

    async with browser.post(
        f"{pstack.url}/lib/ajax/service.php", params={"sesskey": sesskey}, data=b"[{"
    ) as resp:
        fatal = await resp.json()
    assert fatal["errorcode"] == "codingerror"
    assert set(fatal) == {"error", "errorcode", "stacktrace", "debuginfo", "reproductionlink"}
    body = await ajax(browser, pstack, [call("no_such_function")], sesskey)
    assert body["errorcode"] == "invalidrecord"


async def test_service_nologin(http: aiohttp.ClientSession, pstack: Stack) -> None:
    calls = [
        call("local_ajaxprobe_echo", 0, flag=True),
        call("local_ajaxprobe_public_echo", 1, flag=True, words=["x", "y"]),
    ]
    body = await ajax(http, pstack, calls, script="service-nologin.php")
    # No stop after an error here.
    assert body[0]["exception"]["errorcode"] == "servicerequireslogin"
    assert body[1]["data"]["words"] == ["x", "y"] and body[1]["data"]["userid"] == 0

    args = '[{"index":0,"methodname":"local_ajaxprobe_public_echo","args":{"flag":true}}]'
    cachekey = str(int(time.time()) - 5)
    url = f"{pstack.url}/lib/ajax/service-nologin.php"
    async with http.get(url, params={"args": args, "cachekey": cachekey}) as resp:
        assert (await resp.json())[0]["data"]["flag"] is True
        assert resp.headers["Cache-Control"] == "public, max-age=7776000, immutable"
        assert "Expires" in resp.headers
    async with http.get(url, params={"args": args}) as resp:
        assert "public" not in resp.headers["Cache-Control"]
    future = str(int(time.time()) + 3600)
    async with http.get(url, params={"args": args, "cachekey": future}) as resp:
        assert "public" not in resp.headers["Cache-Control"]


async def test_login_failures_and_logout_kills_embedded_tokens(
    browser: aiohttp.ClientSession, pstack: Stack
) -> None:
    async with browser.get(f"{pstack.url}/login/index.php") as resp:
        page = await resp.text()
    found = re.search(r"name='logintoken' value='([^']+)'", page)
    assert found is not None
    form = {"username": "student", "password": "wrong", "logintoken": found.group(1)}
    async with browser.post(f"{pstack.url}/login/index.php", data=form) as resp:
        assert resp.status == 401
        assert "Invalid login" in await resp.text()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        # No login-form cookie: a cross-site form post is refused.
        form = {"username": "student", "password": "Student-2026!", "logintoken": "forged"}
        async with other.post(f"{pstack.url}/login/index.php", data=form) as resp:
            assert resp.status == 403

    sesskey = await form_login(browser, pstack, "student", "Student-2026!")
    sid = next(c.value for c in browser.cookie_jar if c.key == "MoodleSession")
    store = await with_store(pstack)
    try:
        student = await store.get_user_by_username("student")
        service = await store.get_service_by_shortname("moodle_mobile_app")
        assert student is not None and service is not None
        value = new_nonce()
        await store.create_token(
            TokenRecord(
                id=0,
                hash=hash_token(value),
                nonce=new_nonce(),
                userid=student.id,
                serviceid=service.id,
                tokentype=TOKEN_EMBEDDED,
                sid=hashlib.sha256(sid.encode()).hexdigest(),
            )
        )
        assert await store.get_token(hash_token(value)) is not None
        # Without the sesskey, logout only asks for confirmation.
        async with browser.get(f"{pstack.url}/login/logout.php") as resp:
            assert "really want to log out" in await resp.text()
        async with browser.get(
            f"{pstack.url}/login/logout.php", params={"sesskey": sesskey}
        ) as resp:
            assert resp.status == 200
            assert "name='logintoken'" in await resp.text()  # back to the form
        assert await store.get_token(hash_token(value)) is None
    finally:
        await store.redis.aclose()
    body = await ajax(browser, pstack, [call("local_ajaxprobe_echo", flag=True)], sesskey)
    assert body[0]["exception"]["errorcode"] == "servicerequireslogin"


async def test_session_calls_pass_the_same_access_checks(
    browser: aiohttp.ClientSession, pstack: Stack
) -> None:
    """Declared capabilities and maintenance mode apply to AJAX as to REST."""
    sesskey = await form_login(browser, pstack, "student", "Student-2026!")
    denied = await ajax(browser, pstack, [call("local_ajaxprobe_config_echo", flag=True)], sesskey)
    assert denied[0]["error"] is True
    assert denied[0]["exception"]["errorcode"] == "nopermissions"
    pstack.wsadmin("maintenance", "on")
    try:
        # Within a second on every gateway (the config is cached and invalidated).
        for _ in range(20):
            body = await ajax(browser, pstack, [call("local_ajaxprobe_echo", flag=True)], sesskey)
            if body[0]["error"]:
                break
            await asyncio.sleep(0.1)
        assert body[0]["exception"]["errorcode"] == "sitemaintenance"
    finally:
        pstack.wsadmin("maintenance", "off")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as admin:
        key = await form_login(admin, pstack, "admin", ADMIN_PASSWORD)
        allowed = await ajax(admin, pstack, [call("local_ajaxprobe_config_echo", flag=True)], key)
        assert allowed[0]["error"] is False, allowed
