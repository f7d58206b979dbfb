"""The console through the gateway's public origin, on the real stack: routing, cookies, and the
test client executing a real call through the REST endpoint."""

from __future__ import annotations

import asyncio
import json
import re
from html import unescape

import aiohttp
import pytest

from tests.e2e.stack import ADMIN_PASSWORD, Stack

pytestmark = pytest.mark.e2e

_SESSKEY = re.compile(r"name='sesskey' value='([^']+)'")


async def browser_login(
    http: aiohttp.ClientSession, stack: Stack, username: str, password: str
) -> None:
    async with http.get(f"{stack.url}/login/index.php") as resp:
        found = re.search(r"name='logintoken' value='([^']+)'", await resp.text())
        assert found is not None
    async with http.post(
        f"{stack.url}/login/index.php",
        data={
            "logintoken": found.group(1),
            "username": username,
            "password": password,
            "wantsurl": "/admin/",
        },
        allow_redirects=False,
    ) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/admin/"


async def _say_hello_calls(http: aiohttp.ClientSession, stack: Stack) -> int:
    async with http.get(f"{stack.url}/admin/stats") as resp:
        found = re.search(
            r"<td>local_greetings_say_hello</td><td>rest</td><td>(\d+)</td>", await resp.text()
        )
    return int(found.group(1)) if found else 0


async def test_console_through_the_gateway(stack: Stack) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{stack.url}/admin/services", allow_redirects=False) as resp:
            assert resp.status == 303
            assert resp.headers["Location"].startswith("/login/index.php?wantsurl=")
        await browser_login(http, stack, "admin", ADMIN_PASSWORD)
        before = await _say_hello_calls(http, stack)
        async with http.get(f"{stack.url}//admin/services") as resp:  # doubled slash too
            assert resp.status == 200
            assert "script-src 'none'" in resp.headers["Content-Security-Policy"]
            assert resp.headers["X-Frame-Options"] == "DENY"
            found = _SESSKEY.search(await resp.text())
            assert found is not None
        sesskey = found.group(1)
        async with http.post(
            f"{stack.url}/admin/services/create",
            data={"sesskey": sesskey, "shortname": "e2econsole", "name": "E2E", "enabled": "1"},
        ) as resp:
            assert resp.status == 200
            text = await resp.text()
            assert "Created service e2econsole" in text
            serviceid = re.search(r"action='/admin/services/(\d+)/addfunction'", text)
            assert serviceid is not None
        async with http.post(
            f"{stack.url}/admin/services/{serviceid.group(1)}/addfunction",
            data={"sesskey": sesskey, "function": "local_greetings_say_hello"},
        ) as resp:
            assert resp.status == 200
        form = {
            "sesskey": sesskey,
            "wsfunction": "local_greetings_say_hello",
            "wsservice": "e2econsole",
            "wsitems": "2",
            "people[0][firstname]": "Ada",
            "people[0][lastname]": "Lovelace",
            "people[1][firstname]": "",
            "lang": "fr",
            "shout": "",
        }
        # Gateways learn of the new service's function through an invalidation message: the
        # first call may still see the old cache for a moment.
        for _ in range(30):
            async with http.post(f"{stack.url}/admin/testclient", data=form) as resp:
                assert resp.status == 200
                text = await resp.text()
            body = re.search(r"<pre id='result'>(.*?)</pre>", text, re.S)
            assert body is not None, text
            result = json.loads(unescape(body.group(1)))
            if "exception" not in result:
                break
            await asyncio.sleep(0.1)
        assert "greetings" in result, result
        assert result["greetings"] == [
            {"name": "Ada Lovelace", "message": "Bonjour, Ada Lovelace!"}
        ]
        # The same form again reuses the test client's token rather than piling up new ones.
        async with http.post(
            f"{stack.url}/admin/testclient",
            data={
                "sesskey": sesskey,
                "wsfunction": "local_greetings_say_hello",
                "wsservice": "e2econsole",
                "people[0][firstname]": "Bob",
            },
        ) as resp:
            assert "Hello, Bob!" in await resp.text()
        async with http.get(f"{stack.url}/admin/tokens") as resp:
            rows = re.findall(
                r"<tr><td>\d+</td><td>admin</td><td>e2econsole</td>"
                r"<td>Admin console test client</td>",
                await resp.text(),
            )
            assert len(rows) == 1
        # A function outside the chosen service: the gateway's own refusal is shown.
        async with http.post(
            f"{stack.url}/admin/testclient",
            data={
                "sesskey": sesskey,
                "wsfunction": "local_greetings_greet_me",
                "wsservice": "e2econsole",
            },
        ) as resp:
            assert "accessexception" in await resp.text()
        # Statistics count the calls from the audit stream (written in the background); other
        # tests on this stack may have called the function too.
        for _ in range(50):
            if await _say_hello_calls(http, stack) >= before + 2:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the calls never showed in the statistics")


async def test_console_refuses_students_through_the_gateway(stack: Stack) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{stack.url}/login/index.php") as resp:
            found = re.search(r"name='logintoken' value='([^']+)'", await resp.text())
            assert found is not None
        async with http.post(
            f"{stack.url}/login/index.php",
            data={"logintoken": found.group(1), "username": "student", "password": "Student-2026!"},
        ) as resp:
            assert resp.status == 200
        async with http.get(f"{stack.url}/admin/") as resp:
            assert resp.status == 403
        async with http.post(f"{stack.url}/admin/site/set", data={"name": "x"}) as resp:
            assert resp.status == 403
