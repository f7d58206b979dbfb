"""Plugins stay plugins: a worker started for one component serves only that component."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.core.conftest import PASSWORDS
from tests.e2e.stack import login, rest, start_stack, stop_stack

pytestmark = pytest.mark.e2e


async def test_worker_for_mod_page_only(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    stack = await start_stack(tmp_path, workers=1, WS_COMPONENTS="mod_page", WS_CALL_TIMEOUT="3")
    try:
        token = ""
        for _ in range(50):
            body = await login(http, stack, "student", PASSWORDS["student"])
            if "token" in body:
                token = body["token"]
                break
            await asyncio.sleep(0.2)
        assert token
        pages = await rest(http, stack, "mod_page_get_pages_by_courses", token)
        assert "pages" in pages, pages
        assert {p["name"] for p in pages["pages"]} >= {"Reading: the Moon", "Prompt"}
        other = await rest(http, stack, "core_course_get_courses_by_field", token)
        assert "exception" in other, other
    finally:
        await stop_stack(stack)
