"""Starting the real stack (auth, gateway, workers) as processes, in a namespace of its own.

Tests drive it over HTTP only. Each stack gets free ports, a fresh namespace and secret, and is
torn down with SIGTERM; its Redis keys and AMQP objects are deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp

from services.functions.plugins.core import plugins as core_plugins
from shared.constants import Names
from shared.store import connect_redis

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Admin-Test-2026!"
#: Components the core plugin serves: their queues are deleted with the stack.
CORE_COMPONENTS = tuple(p.component for p in core_plugins)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    namespace: str
    env: dict[str, str]
    url: str
    auth_url: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logdir: Path = ROOT

    def spawn(self, name: str, module: str, *args: str) -> subprocess.Popen[bytes]:
        # The child keeps its own descriptor; ours is closed as soon as it has started.
        with (self.logdir / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes[name] = proc
        return proc

    def logs(self) -> str:
        out = []
        for path in sorted(self.logdir.glob("*.log")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(out)

    def wsadmin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: PLW1510  (the exit code is checked below)
            [sys.executable, "-m", "services.auth.admin_cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"wsadmin {args} failed: {result.stderr}")
        return result

    async def wait_healthy(self, url: str, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                for name, proc in self.processes.items():
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.logs()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    # /readyz: every component consumed (/healthz is 200 with any one).
                    async with http.get(f"{url}/readyz") as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{url} not healthy after {within} s\n{self.logs()}")

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        proc = self.processes.pop(name)
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode


async def start_stack(tmp: Path, *, workers: int = 2, **extra_env: str) -> Stack:
    namespace = f"wstest-{secrets.token_hex(4)}"
    http_port, auth_port = free_port(), free_port()
    url = f"http://127.0.0.1:{http_port}"
    env = {
        **os.environ,
        "WS_NAMESPACE": namespace,
        "WS_HTTP_HOST": "127.0.0.1",
        "WS_HTTP_PORT": str(http_port),
        "WS_AUTH_HOST": "127.0.0.1",
        "WS_AUTH_PORT": str(auth_port),
        "WS_AUTH_URL": f"http://127.0.0.1:{auth_port}",
        "WS_WWWROOT": url,
        "WS_SECRET_KEY": secrets.token_hex(32),
        "WS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "WS_SEED": "1",
        "WS_DEBUG": "normal",
        # Cheap hashes keep logins fast in tests; production keeps argon2's defaults.
        "WS_ARGON2_TIME_COST": "1",
        "WS_ARGON2_MEMORY_COST": "8192",
        **extra_env,
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    stack = Stack(namespace, env, url, f"http://127.0.0.1:{auth_port}", logdir=tmp)
    stack.spawn("auth", "services.auth")
    for i in range(workers):
        stack.spawn(f"worker{i}", "services.functions")
    stack.spawn("gateway", "services.gateway")
    try:
        await stack.wait_healthy(stack.auth_url)
        await stack.wait_healthy(url)
    except BaseException:
        await stop_stack(stack)
        raise
    return stack


async def stop_stack(stack: Stack) -> None:
    for name in list(stack.processes):
        stack.stop(name)
    names = Names(stack.namespace)
    redis = connect_redis(stack.env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        keys = [k async for k in redis.scan_iter(match=f"{stack.namespace}:*", count=500)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
    amqp_url = stack.env.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for component in (*CORE_COMPONENTS, *stack.env.get("TEST_EXTRA_COMPONENTS", "").split(",")):
            if component:
                await channel.queue_delete(names.call_queue(component))
        await channel.exchange_delete(names.calls_exchange)
        await channel.exchange_delete(names.events_exchange)


async def rest(
    http: aiohttp.ClientSession,
    stack: Stack,
    function: str,
    token: str,
    fmt: str = "json",
    method: str = "POST",
    **params: Any,
) -> Any:
    data = {"wstoken": token, "wsfunction": function, "moodlewsrestformat": fmt, **params}
    url = f"{stack.url}/webservice/rest/server.php"
    if method == "GET":
        async with http.get(url, params=data) as resp:
            assert resp.status == 200
            return await resp.json() if fmt == "json" else await resp.text()
    async with http.post(url, data=data) as resp:
        assert resp.status == 200
        return await resp.json() if fmt == "json" else await resp.text()


async def login(
    http: aiohttp.ClientSession,
    stack: Stack,
    username: str,
    password: str,
    service: str = "moodle_mobile_app",
) -> dict[str, Any]:
    async with http.post(
        f"{stack.url}/login/token.php",
        data={"username": username, "password": password, "service": service},
    ) as resp:
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body
