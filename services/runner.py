"""``ws-run``: the whole stack on this machine, in the foreground (``make run``).

Starts auth, the gateway and ``WS_WORKERS`` function workers as child processes that share this
environment, waits until auth (``/healthz``) and the gateway (``/readyz``) answer, prints how
to log in, and stays until Ctrl-C or SIGTERM, which stop every child (SIGTERM, a grace period,
then SIGKILL) and exit 0. A child that dies on its own stops the rest, and ws-run exits 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp
import msgspec

from shared.constants import MOBILE_SERVICE
from shared.settings import SettingsError, load_settings

__all__ = ["ChildSpec", "RunnerSettings", "ensure_secret_key", "main", "run_stack", "stack_specs"]

#: Longest output line passed through whole; a longer one is reported as dropped.
LINE_LIMIT = 1 << 20


class RunnerSettings(msgspec.Struct, frozen=True):
    """What ws-run itself needs; every child reads the rest of the environment on its own."""

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    auth_host: str = "127.0.0.1"
    auth_port: int = 8001
    auth_url: str = ""
    wwwroot: str = ""
    workers: int = 2
    #: Gateway processes sharing the public port (SO_REUSEPORT); ``WS_GATEWAYS``.
    gateways: int = 1
    secret_key: str = ""
    #: Local state of this checkout (the generated secret key); ``WS_STATE_DIR``.
    state_dir: str = ".local"
    #: Seconds auth and the gateway get to answer /healthz after start.
    startup_timeout: float = 60.0
    #: Seconds children get after SIGTERM; above the workers' 20 s drain by default.
    stop_grace: float = 25.0


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """One child process: its name in the output, its command, and its health URL if any."""

    name: str
    argv: tuple[str, ...]
    health_url: str | None = None


def _reachable_host(host: str) -> str:
    # A service bound to a wildcard address is reached on loopback.
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104


def _origin(host: str, port: int) -> str:
    host = _reachable_host(host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def stack_specs(settings: RunnerSettings) -> list[ChildSpec]:
    """auth, the workers, then the gateway (its /readyz needs every component consumed)."""
    py = sys.executable
    auth = ChildSpec(
        "auth",
        (py, "-m", "services.auth"),
        _origin(settings.auth_host, settings.auth_port) + "/healthz",
    )
    workers = [
        ChildSpec(f"worker-{i}", (py, "-m", "services.functions"))
        for i in range(1, settings.workers + 1)
    ]
    # /readyz, not /healthz: the latter is 200 once any one queue has a consumer, and a worker
    # registers its consumers queue by queue.
    health = _origin(settings.http_host, settings.http_port) + "/readyz"
    gateways = [
        ChildSpec("gateway" if i == 1 else f"gateway-{i}", (py, "-m", "services.gateway"), health)
        for i in range(1, max(settings.gateways, 1) + 1)
    ]
    return [auth, *workers, *gateways]


def ensure_secret_key(state_dir: Path) -> str:
    """The site secret kept in ``state_dir/secret_key`` (created 0600 on first use), so tokens
    derived from it stay valid across restarts of a local stack."""
    path = state_dir / "secret_key"
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        secret = path.read_text().strip()
        if not secret:
            raise SettingsError(f"{path} is empty: delete it or set WS_SECRET_KEY") from None
        return secret
    secret = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


def child_environment(
    settings: RunnerSettings, environ: Mapping[str, str], secret: str
) -> dict[str, str]:
    """This environment plus what makes the children agree with each other."""
    env = dict(environ)
    env["WS_SECRET_KEY"] = secret
    env["WS_WWWROOT"] = settings.wwwroot or _origin(settings.http_host, settings.http_port)
    env["WS_AUTH_URL"] = settings.auth_url or _origin(settings.auth_host, settings.auth_port)
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the terminal as they are written
    return env


def _die_with_parent() -> None:
    # Runs in the child before exec: if ws-run is killed outright, the kernel sends SIGTERM.
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class _Child:
    def __init__(
        self, spec: ChildSpec, process: asyncio.subprocess.Process, pump: asyncio.Task[None]
    ):
        self.spec, self.process, self.pump = spec, process, pump

    def signal(self, sig: signal.Signals) -> None:
        # Each child leads its own process group (so Ctrl-C reaches only ws-run); signal the
        # group so anything the child started goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)


class _Console:
    def __init__(self, out: BinaryIO, width: int):
        self.out, self.width = out, width

    def line(self, name: str, text: bytes) -> None:
        self.out.write(f"{name:<{self.width}} | ".encode() + text.rstrip(b"\n") + b"\n")
        self.out.flush()

    def say(self, text: str) -> None:
        for row in text.splitlines() or [""]:
            self.line("ws-run", row.encode())

    async def pump(self, name: str, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # longer than LINE_LIMIT: asyncio has already discarded it
                line = b"[ws-run: an over-long output line was dropped]\n"
            if not line:
                return
            self.line(name, line)


async def _start(spec: ChildSpec, env: Mapping[str, str], console: _Console) -> _Child:
    process = await asyncio.create_subprocess_exec(
        *spec.argv,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
        limit=LINE_LIMIT,
    )
    assert process.stdout is not None
    return _Child(spec, process, asyncio.create_task(console.pump(spec.name, process.stdout)))


async def _first_exit(children: Sequence[_Child]) -> _Child:
    waits = {asyncio.ensure_future(c.process.wait()): c for c in children}
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        return waits[next(iter(done))]
    finally:
        for task in waits:
            task.cancel()


async def _wait_healthy(urls: Sequence[str]) -> None:
    """Return once every URL answers 200; the caller bounds the time."""
    pending = list(urls)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while pending:
            for url in list(pending):
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(url) as response:
                        if response.status == 200:
                            pending.remove(url)
            if pending:
                await asyncio.sleep(0.25)


def _describe_exit(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


async def _stop_all(children: Sequence[_Child], grace: float, console: _Console) -> None:
    alive = [c for c in children if c.process.returncode is None]
    for child in alive:
        child.signal(signal.SIGTERM)
    if alive:
        _, late = await asyncio.wait(
            [asyncio.ensure_future(c.process.wait()) for c in alive], timeout=grace
        )
        for child in alive:
            if child.process.returncode is None:
                console.say(f"{child.spec.name} did not stop within {grace:g}s: killing it")
                child.signal(signal.SIGKILL)
        for task in late:
            await task
    # Whatever the children printed last is still worth showing.
    await asyncio.wait([c.pump for c in children], timeout=2)


async def run_stack(
    specs: Sequence[ChildSpec],
    env: Mapping[str, str],
    *,
    stop: asyncio.Event,
    startup_timeout: float,
    grace: float,
    out: BinaryIO,
    banner: str = "",
) -> int:
    """Run ``specs`` until ``stop`` is set (0) or a child exits or is not healthy in time (1).

    Every output line goes to ``out``, prefixed with its process name; ``banner`` is printed
    once all health URLs answer 200."""
    console = _Console(out, max([len("ws-run"), *(len(s.name) for s in specs)]))
    children: list[_Child] = []
    tasks: list[asyncio.Task[Any]] = []
    try:
        for spec in specs:
            children.append(await _start(spec, env, console))
        died = asyncio.create_task(_first_exit(children))
        stopping = asyncio.create_task(stop.wait())
        urls = [s.health_url for s in specs if s.health_url]
        ready = asyncio.create_task(asyncio.wait_for(_wait_healthy(urls), startup_timeout))
        tasks += [died, stopping, ready]
        await asyncio.wait({died, stopping, ready}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done() and not died.done() and not stopping.done():
            if ready.exception() is not None:
                console.say(f"not healthy within {startup_timeout:g}s: {', '.join(urls)}; stopping")
                return 1
            console.say(banner or "ready")
            await asyncio.wait({died, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if died.done():
            child = died.result()
            code = child.process.returncode
            assert code is not None
            when = "unexpectedly" if ready.done() and not ready.exception() else "during start-up"
            console.say(f"{child.spec.name} {_describe_exit(code)} {when}; stopping the others")
            return 1
        console.say("stopping")
        return 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await _stop_all(children, grace, console)


def _banner(settings: RunnerSettings, env: Mapping[str, str]) -> str:
    url = env["WS_WWWROOT"].rstrip("/")
    namespace = env.get("WS_NAMESPACE", "ws")
    # Shown as a shell variable, never as its value: the terminal may be shared or recorded.
    shown = '"$WS_ADMIN_PASSWORD"'
    if not env.get("WS_ADMIN_PASSWORD"):
        shown = "'<the password auth printed at its first start>'"
    return f"""
Moodle web services are up at {url}  ({settings.workers} workers, WS_NAMESPACE={namespace})
Get a token for the admin:
  curl -s {url}/login/token.php -d service={MOBILE_SERVICE} \\
    --data-urlencode username=admin --data-urlencode password={shown}
Call a function with it:
  curl -s '{url}/webservice/rest/server.php?moodlewsrestformat=json' \\
    -d wstoken=TOKEN -d wsfunction=core_webservice_get_site_info
Ctrl-C stops everything."""


def _busy_port(settings: RunnerSettings) -> str | None:
    """A port some other process answers on; /healthz there would fool the start-up wait."""
    for variable, host, port in (
        ("WS_HTTP_PORT", settings.http_host, settings.http_port),
        ("WS_AUTH_PORT", settings.auth_host, settings.auth_port),
    ):
        probe = _reachable_host(host)
        with socket.socket(socket.AF_INET6 if ":" in probe else socket.AF_INET) as sock:
            sock.settimeout(1)
            if sock.connect_ex((probe, port)) == 0:
                return (
                    f"port {port} on {host} is in use (another ws-run?): stop it or set {variable}"
                )
    return None


async def _run(settings: RunnerSettings, env: dict[str, str]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return await run_stack(
        stack_specs(settings),
        env,
        stop=stop,
        startup_timeout=settings.startup_timeout,
        grace=settings.stop_grace,
        out=sys.stdout.buffer,
        banner=_banner(settings, env),
    )


def main() -> int:
    """Console script ``ws-run``."""
    try:
        settings = load_settings(RunnerSettings)
        if settings.workers < 1:
            raise SettingsError("WS_WORKERS must be at least 1")
        secret = settings.secret_key or ensure_secret_key(Path(settings.state_dir))
    except (SettingsError, OSError) as exc:
        print(f"ws-run: {exc}", file=sys.stderr)
        return 2
    if busy := _busy_port(settings):
        print(f"ws-run: {busy}", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings, child_environment(settings, os.environ, secret)))


if __name__ == "__main__":
    sys.exit(main())
