"""Rate limits per token and per client address (configured; off by default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stack import Stack, start_stack, stop_stack
from tests.security.conftest import api, call, errorcode, new_token, new_user


@pytest.fixture(scope="module")
async def limited(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    running = await start_stack(
        Path(tmp_path_factory.mktemp("ratelimit")),
        workers=1,
        WS_RATELIMIT_TOKEN="3",
        WS_RATELIMIT_ADDRESS="12",
        WS_RATELIMIT_WINDOW="3600",
    )
    try:
        yield running
    finally:
        await stop_stack(running)


async def test_per_token_limit(http: aiohttp.ClientSession, limited: Stack) -> None:
    token = new_token(limited, new_user(limited))
    for _ in range(3):
        assert "sitename" in await call(http, limited, token)
    body = await call(http, limited, token)
    assert body["exception"] == "moodle_exception"
    assert body["errorcode"] == "ratelimited"
    assert body["message"] == "Too many requests, please try again later"
    assert body["debuginfo"].startswith("Rate limit per token exceeded; retry after ")
    status, body, headers = await api(http, limited.url, token)
    assert (status, body["errorcode"]) == (429, "ratelimited")
    assert 1 <= int(headers["Retry-After"]) <= 3600
    # Another token of the same client is not affected by the first one's limit.
    other = new_token(limited, new_user(limited))
    assert "sitename" in await call(http, limited, other)


async def test_per_address_limit_counts_every_token(
    http: aiohttp.ClientSession, limited: Stack
) -> None:
    # A different (unknown) token each time: only the address limit can trip.
    seen = [errorcode(await call(http, limited, f"{i:032x}")) for i in range(13)]
    assert seen[0] == "invalidtoken"  # guessing tokens spends the address's allowance
    assert seen[-1] == "ratelimited"
    assert seen.count("invalidtoken") <= 12
    body = await call(http, limited, "f" * 32)
    assert body["errorcode"] == "ratelimited"
    assert body["debuginfo"].startswith("Rate limit per address exceeded")
