"""``ws-run`` as an operator uses it: the real stack, driven over HTTP, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stack import ADMIN_PASSWORD, ROOT, Stack, free_port, login, rest, stop_stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def runner_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    http_port, auth_port = free_port(), free_port()
    env = {
        **os.environ,
        "WS_NAMESPACE": f"wstest-{secrets.token_hex(4)}",
        "WS_HTTP_PORT": str(http_port),
        "WS_AUTH_PORT": str(auth_port),
        "WS_WORKERS": "1",
        "WS_STATE_DIR": str(tmp_path / "state"),
        "WS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "WS_ARGON2_TIME_COST": "1",
        "WS_ARGON2_MEMORY_COST": "8192",
    }
    # The secret must come from the state directory, as on a developer's machine.
    for name in ("WS_SECRET_KEY", "WS_WWWROOT", "WS_AUTH_URL", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    yield env


@asynccontextmanager
async def ws_run(env: dict[str, str], log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """ws-run in the background until its banner; SIGTERM and exit 0 on leaving."""
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.runner",
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        async with asyncio.timeout(60):
            while b"Ctrl-C stops everything." not in await asyncio.to_thread(log.read_bytes):
                assert proc.returncode is None, await asyncio.to_thread(log.read_text)
                await asyncio.sleep(0.1)
        yield proc
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 40)
        assert code == 0, await asyncio.to_thread(log.read_text)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


async def test_ws_run_serves_logins_keeps_its_secret_and_stops_cleanly(
    runner_env: dict[str, str], tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{runner_env['WS_HTTP_PORT']}"
    # Only its namespace and URL are used: to call the helpers and to delete what the run left.
    stack = Stack(runner_env["WS_NAMESPACE"], runner_env, url, "")
    try:
        async with aiohttp.ClientSession() as http:
            async with ws_run(runner_env, tmp_path / "first.log"):
                first = await login(http, stack, "admin", ADMIN_PASSWORD)
                info = await rest(http, stack, "core_webservice_get_site_info", first["token"])
                assert info["username"] == "admin"
                assert info["siteurl"] == url
            banner = (tmp_path / "first.log").read_text()
            assert f"Moodle web services are up at {url}" in banner
            assert '--data-urlencode password="$WS_ADMIN_PASSWORD"' in banner
            assert ADMIN_PASSWORD not in banner
            assert port_is_closed(int(runner_env["WS_HTTP_PORT"]))
            assert port_is_closed(int(runner_env["WS_AUTH_PORT"]))

            secret_file = Path(runner_env["WS_STATE_DIR"]) / "secret_key"
            assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600

            # Restarted with the same state directory, login hands back the same token: the
            # secret it is derived from survived the restart.
            async with ws_run(runner_env, tmp_path / "second.log"):
                again = await login(http, stack, "admin", ADMIN_PASSWORD)
                assert again["token"] == first["token"]
    finally:
        await stop_stack(stack)


def test_ws_run_refuses_a_port_already_in_use(runner_env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        runner_env["WS_HTTP_PORT"] = str(busy.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-m", "services.runner"],
            cwd=ROOT,
            env=runner_env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    assert f"port {runner_env['WS_HTTP_PORT']} on 127.0.0.1 is in use" in result.stderr
    assert "WS_HTTP_PORT" in result.stderr
