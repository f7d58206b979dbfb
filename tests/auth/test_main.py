"""``python -m services.auth`` as a real process: configuration errors, serving, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from shared.constants import MOBILE_SERVICE
from shared.store import Store
from tests.auth.conftest import FAST_HASH, SECRET

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WS_")}
    env.update({f"WS_{k.upper()}": str(v) for k, v in FAST_HASH.items()})
    env.update(extra)
    return env


async def test_missing_secret_fails_clearly() -> None:
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.auth"],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "WS_SECRET_KEY is not set" in proc.stderr and "Traceback" not in proc.stderr


async def test_serves_and_stops_on_sigterm(namespace: str, redis_url: str, store: Store) -> None:
    port = free_port()
    env = base_env(
        WS_SECRET_KEY=SECRET,
        REDIS_URL=redis_url,
        WS_NAMESPACE=namespace,
        WS_AUTH_PORT=str(port),
        WS_SEED="0",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.auth",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("ws-auth did not become healthy")
            async with session.get(
                f"http://127.0.0.1:{port}/login/token.php",
                params={"username": "admin", "password": "wrong", "service": MOBILE_SERVICE},
            ) as resp:
                assert (await resp.json())["errorcode"] == "invalidlogin"
        assert [u.username for u in await store.list_users()] == ["admin"]
    finally:
        proc.send_signal(signal.SIGTERM)
        raw, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    output = raw.decode()
    assert proc.returncode == 0, output
    generated = [line for line in output.splitlines() if "generated password" in line]
    assert len(generated) == 1 and "WARNING" in generated[0].upper()
