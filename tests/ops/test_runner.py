"""The local stack runner's supervision, with real child processes.

The children here are small Python programs (a /healthz server, a sleeper, one that fails or
ignores SIGTERM), so each supervision path is exercised for real; the whole stack under ws-run
is driven in test_stack.py.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import stat
import sys
from pathlib import Path

import pytest

from services.runner import (
    ChildSpec,
    RunnerSettings,
    child_environment,
    ensure_secret_key,
    run_stack,
    stack_specs,
)
from shared.settings import SettingsError

HEALTH_SERVER = """
import http.server, os, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
print("serving pid", os.getpid(), flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""
SLEEPER = "import os, time; print('sleeping pid', os.getpid(), flush=True); time.sleep(300)"
STUBBORN = (
    "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    "print('stubborn pid', os.getpid(), flush=True); time.sleep(300)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def py(name: str, code: str, *args: str, health_url: str | None = None) -> ChildSpec:
    return ChildSpec(name, (sys.executable, "-c", code, *args), health_url)


def healthy_server() -> ChildSpec:
    port = free_port()
    return py("web", HEALTH_SERVER, str(port), health_url=f"http://127.0.0.1:{port}/healthz")


def pids(out: io.BytesIO, word: bytes = b" pid ") -> list[int]:
    """Pids the children printed (each prints "<what> pid N" first)."""
    lines = out.getvalue().splitlines()
    return [int(line.rsplit(b" ", 1)[1]) for line in lines if b" pid " in line and word in line]


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie not yet reaped still answers kill(0); its state in /proc tells.
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" not in status.read_text()


async def wait_for_output(out: io.BytesIO, text: bytes) -> None:
    async with asyncio.timeout(15):
        # A BytesIO has nothing to await on: poll it.
        while text not in out.getvalue():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def start(
    specs: list[ChildSpec], **kwargs: float
) -> tuple[asyncio.Task[int], asyncio.Event, io.BytesIO]:
    stop, out = asyncio.Event(), io.BytesIO()
    options = {"startup_timeout": 15.0, "grace": 5.0, **kwargs}
    task = asyncio.create_task(
        run_stack(specs, dict(os.environ), stop=stop, out=out, banner="READY", **options)
    )
    return task, stop, out


# --- supervision --------------------------------------------------------------------------


async def test_stop_event_stops_every_child_and_returns_zero() -> None:
    task, stop, out = await start([healthy_server(), py("sleeper", SLEEPER)])
    await wait_for_output(out, b"READY")
    await wait_for_output(out, b"sleeping pid")
    children = pids(out)
    assert len(children) == 2
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0
    assert not any(is_running(pid) for pid in children)
    lines = out.getvalue().decode().splitlines()
    assert any(line.startswith("sleeper | sleeping pid") for line in lines)
    assert any(line.startswith("ws-run  | READY") for line in lines)


async def test_child_failing_at_start_stops_the_others_with_its_exit_code() -> None:
    unready = f"http://127.0.0.1:{free_port()}/healthz"  # keeps the stack in its start-up
    specs = [
        py("sleeper", SLEEPER, health_url=unready),
        py("broken", "import sys; print('bad config'); sys.exit(3)"),
    ]
    task, _, out = await start(specs)
    assert await asyncio.wait_for(task, 10) == 1
    text = out.getvalue().decode()
    assert "broken  | bad config" in text
    assert "broken exited with code 3 during start-up; stopping the others" in text
    assert "READY" not in text
    assert not any(is_running(pid) for pid in pids(out))


async def test_child_dying_after_start_is_reported_as_unexpected() -> None:
    task, _, out = await start([healthy_server(), py("sleeper", SLEEPER)])
    await wait_for_output(out, b"READY")
    await wait_for_output(out, b"sleeping pid")
    (sleeper,) = pids(out, b"sleeping")
    os.kill(sleeper, 9)
    assert await asyncio.wait_for(task, 10) == 1
    assert "sleeper was killed by SIGKILL unexpectedly" in out.getvalue().decode()
    assert not any(is_running(pid) for pid in pids(out))


async def test_child_ignoring_sigterm_is_killed_after_the_grace_period() -> None:
    task, stop, out = await start([healthy_server(), py("stubborn", STUBBORN)], grace=0.5)
    await wait_for_output(out, b"stubborn pid")
    await wait_for_output(out, b"READY")
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0
    assert "stubborn did not stop within 0.5s: killing it" in out.getvalue().decode()
    assert not any(is_running(pid) for pid in pids(out))


async def test_health_never_answering_fails_the_start_in_bounded_time() -> None:
    closed = free_port()
    silent = py("silent", SLEEPER, health_url=f"http://127.0.0.1:{closed}/healthz")
    task, _, out = await start([silent], startup_timeout=1.0)
    assert await asyncio.wait_for(task, 10) == 1
    assert f"not healthy within 1s: http://127.0.0.1:{closed}/healthz" in out.getvalue().decode()


# --- configuration ------------------------------------------------------------------------


def test_secret_key_is_created_private_and_reused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = ensure_secret_key(state)
    path = state / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert ensure_secret_key(state) == first
    path.chmod(0o644)  # loosened by hand: tightened again on the next start
    assert ensure_secret_key(state) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_empty_secret_key_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(SettingsError, match="secret_key is empty"):
        ensure_secret_key(tmp_path)


def test_stack_specs_and_child_environment_agree_on_addresses() -> None:
    settings = RunnerSettings(http_host="0.0.0.0", http_port=9000, auth_port=9001, workers=3)
    specs = stack_specs(settings)
    assert [s.name for s in specs] == ["auth", "worker-1", "worker-2", "worker-3", "gateway"]
    assert [s.argv[1:] for s in specs][::4] == [
        ("-m", "services.auth"),
        ("-m", "services.gateway"),
    ]
    assert specs[0].health_url == "http://127.0.0.1:9001/healthz"
    assert specs[-1].health_url == "http://127.0.0.1:9000/readyz"
    env = child_environment(settings, {"PATH": "/bin"}, "s3cret")
    assert env["WS_SECRET_KEY"] == "s3cret"
    assert env["WS_WWWROOT"] == "http://127.0.0.1:9000"
    assert env["WS_AUTH_URL"] == "http://127.0.0.1:9001"
    assert env["PATH"] == "/bin"
    explicit = RunnerSettings(wwwroot="https://ws.example.org", auth_url="http://auth:1")
    env = child_environment(explicit, {}, "s")
    assert (env["WS_WWWROOT"], env["WS_AUTH_URL"]) == ("https://ws.example.org", "http://auth:1")
