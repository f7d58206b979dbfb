"""A real headless Chromium: log in through the form, call a function from page script.

Driven over the Chrome DevTools Protocol with aiohttp's websocket client; loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]


class Page:
    """One page's DevTools session: evaluate JavaScript and wait for conditions."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> Any:
        ident = next(self.ids)
        await self.ws.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json(timeout=30)
            if message.get("id") == ident:
                assert "error" not in message, message
                return message["result"]

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def wait_for(self, expression: str, within: float = 20.0) -> None:
        for _ in range(int(within / 0.1)):
            with contextlib.suppress(AssertionError):
                if await self.evaluate(expression):
                    return
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")


async def start_chromium(profile: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(  # noqa: ASYNC220  (a long-lived child, read below)
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    loop = asyncio.get_running_loop()
    for _ in range(200):
        line = (await loop.run_in_executor(None, proc.stderr.readline)).decode()
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return proc, found.group(1)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    proc.wait()
    proc.stderr.close()
    raise AssertionError("chromium did not start its DevTools endpoint")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
async def test_ajax_page_flow_in_headless_chromium(pstack: Stack, tmp_path: Path) -> None:
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
                await page.send("Page.navigate", url=f"{pstack.url}/login/index.php")
                await page.wait_for("!!document.getElementById('username')")
                await page.evaluate(
                    "document.getElementById('username').value = 'student';"
                    "document.getElementById('password').value = 'Student-2026!';"
                    "document.getElementById('login').submit(); true"
                )
                await page.wait_for("typeof M !== 'undefined' && !!M.cfg.sesskey")
                # The session cookie is HttpOnly: page script cannot read it.
                assert "MoodleSession" not in await page.evaluate("document.cookie")
                raw = await page.evaluate(
                    """
                    fetch('/lib/ajax/service.php?sesskey=' + M.cfg.sesskey
                          + '&info=local_ajaxprobe_echo', {
                        method: 'POST',
                        headers: {'Content-Type': 'application/json'},
                        body: JSON.stringify([{index: 0, methodname: 'local_ajaxprobe_echo',
                                               args: {flag: true, number: 42}}]),
                    }).then((r) => r.text())
                    """
                )
                body = json.loads(raw)
                assert body[0]["error"] is False
                assert body[0]["data"]["flag"] is True and body[0]["data"]["number"] == 42
                assert body[0]["data"]["userid"] > 0
                assert body[0]["data"]["protocol"] == "ajax"
    finally:
        proc.kill()
        proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
