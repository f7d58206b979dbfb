"""The admin console in a real headless Chromium: log in, create a service through the form,
add a function, run it in the test client and read the result from the page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stack import ADMIN_PASSWORD, Stack
from tests.protocols.test_browser import CHROMIUM, Page, start_chromium

pytestmark = pytest.mark.e2e


async def _submit(page: Page, form: str, fields: dict[str, str], then: str) -> None:
    """Fill ``fields`` of the form with id ``form``, submit it, wait for ``then`` to be true."""
    parts = []
    for name, value in fields.items():
        selector = json.dumps(f"#{form} [name='{name}']")
        parts.append(f"document.querySelector({selector}).value = {json.dumps(value)};")
    script = "".join(parts)
    await page.evaluate(f"{script} document.getElementById({json.dumps(form)}).submit(); true")
    await page.wait_for(then)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
async def test_console_in_headless_chromium(stack: Stack, tmp_path: Path) -> None:
    proc, browser_ws = await start_chromium(tmp_path / "profile")
    try:
        port = re.search(r":(\d+)/", browser_ws)
        assert port is not None
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port.group(1)}/json/list") as resp:
                targets = await resp.json(content_type=None)
            page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with http.ws_connect(page_ws, max_msg_size=0) as ws:
                page = Page(ws)
                # The console sends an anonymous visitor to the login form and back.
                await page.send("Page.navigate", url=f"{stack.url}/admin/services")
                await page.wait_for("!!document.getElementById('username')")
                await _submit(
                    page,
                    "login",
                    {"username": "admin", "password": ADMIN_PASSWORD},
                    "!!document.getElementById('createservice')",
                )
                assert await page.evaluate("location.pathname") == "/admin/services"
                await _submit(
                    page,
                    "createservice",
                    {"shortname": "chromiumsvc", "name": "Chromium <b>service</b>"},
                    "!!document.getElementById('addfunction')",
                )
                assert "Created service chromiumsvc" in await page.evaluate(
                    "document.getElementById('message').textContent"
                )
                # Escaped, not interpreted: the title shows the tags as text.
                assert await page.evaluate("document.querySelectorAll('h1 b').length") == 0
                await _submit(
                    page,
                    "addfunction",
                    {"function": "local_greetings_say_hello"},
                    "!!document.querySelector('#functions td')",
                )
                # Gateways learn of the added function through an invalidation message; the
                # first call may still meet the old cache for a moment.
                for _ in range(20):
                    await page.send(
                        "Page.navigate",
                        url=f"{stack.url}/admin/testclient?wsfunction=local_greetings_say_hello"
                        "&wsservice=chromiumsvc",
                    )
                    await page.wait_for("!!document.getElementById('testclient')")
                    await _submit(
                        page,
                        "testclient",
                        {
                            "people[0][firstname]": "Grace",
                            "people[0][lastname]": "Hopper",
                            "shout": "1",
                        },
                        "!!document.getElementById('result')",
                    )
                    result = json.loads(
                        await page.evaluate("document.getElementById('result').textContent")
                    )
                    if "exception" not in result:
                        break
                assert result["greetings"][0]["message"] == "HELLO, GRACE HOPPER!"
                assert result["count"] == 1
    finally:
        proc.kill()
        proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
