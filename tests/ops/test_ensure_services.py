"""scripts/ensure-services.sh, run for real against this machine's Redis and RabbitMQ.

Only loopback addresses are used: an unreachable service is a closed local port, and the
"do not start anything" path is forced with WS_NO_AUTOSTART=1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-services.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure(**env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [str(SCRIPT)],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, time.monotonic() - started


def test_quick_and_successful_when_both_answer(redis_url: str, amqp_url: str) -> None:
    result, elapsed = ensure(REDIS_URL=redis_url, AMQP_URL=amqp_url, WS_NO_AUTOSTART="1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert elapsed < 3


def test_redis_not_answering_without_autostart_names_what_to_do(amqp_url: str) -> None:
    port = free_port()
    result, elapsed = ensure(
        REDIS_URL=f"redis://127.0.0.1:{port}/0", AMQP_URL=amqp_url, WS_NO_AUTOSTART="1"
    )
    assert result.returncode == 1
    assert f"Redis at 127.0.0.1:{port} (REDIS_URL) does not answer" in result.stderr
    assert "WS_NO_AUTOSTART=1" in result.stderr
    assert f"fix: redis-server --daemonize yes --bind 127.0.0.1 --port {port}" in result.stderr
    assert elapsed < 5


def test_rabbitmq_not_answering_without_autostart_names_what_to_do(redis_url: str) -> None:
    port = free_port()
    result, elapsed = ensure(
        REDIS_URL=redis_url,
        AMQP_URL=f"amqp://guest:guest@localhost:{port}/",
        WS_NO_AUTOSTART="1",
    )
    assert result.returncode == 1
    assert f"RabbitMQ at localhost:{port} (AMQP_URL) does not answer" in result.stderr
    assert "fix: rabbitmq-server -detached" in result.stderr
    assert elapsed < 5


def test_a_redis_port_is_not_mistaken_for_a_broker(redis_url: str) -> None:
    """The AMQP probe is a protocol handshake: an open port that is not a broker fails it."""
    redis_port = urlsplit(redis_url).port or 6379
    result, _ = ensure(
        REDIS_URL=redis_url,
        AMQP_URL=f"amqp://guest:guest@127.0.0.1:{redis_port}/",
        WS_NO_AUTOSTART="1",
    )
    assert result.returncode == 1
    assert "RabbitMQ at 127.0.0.1:" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("REDIS_URL", "http://127.0.0.1:6379/", "REDIS_URL must be redis:// or rediss://"),
        ("REDIS_URL", "redis://127.0.0.1:notaport/0", "REDIS_URL is not usable"),
        ("AMQP_URL", "redis://127.0.0.1:5672/", "AMQP_URL must be amqp:// or amqps://"),
    ],
)
def test_malformed_urls_are_rejected(variable: str, value: str, message: str) -> None:
    result, _ = ensure(**{variable: value}, WS_NO_AUTOSTART="1")
    assert result.returncode == 1
    assert message in result.stderr


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_starts_a_local_redis_that_does_not_answer(tmp_path: Path, amqp_url: str) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    pidfile = tmp_path / f"redis-{port}" / "redis.pid"
    try:
        result, _ = ensure(REDIS_URL=url, AMQP_URL=amqp_url, WS_STATE_DIR=str(tmp_path))
        assert result.returncode == 0, result.stderr
        assert f"starting redis-server on 127.0.0.1:{port}" in result.stderr
        client = redis.Redis.from_url(url)
        try:
            assert client.ping()
            assert client.config_get("appendonly") == {"appendonly": "yes"}
        finally:
            client.close()
        # Idempotent: a second run finds it answering and says nothing.
        again, elapsed = ensure(REDIS_URL=url, AMQP_URL=amqp_url, WS_STATE_DIR=str(tmp_path))
        assert (again.returncode, again.stderr) == (0, "")
        assert elapsed < 3
    finally:
        if pidfile.exists():
            os.kill(int(pidfile.read_text()), signal.SIGTERM)


def can_make_network_namespaces() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


@pytest.mark.skipif(
    not can_make_network_namespaces() or shutil.which("rabbitmq-server") is None,
    reason="needs root, iproute2 and rabbitmq-server",
)
def test_starts_both_services_where_none_runs() -> None:
    """The full start path, in a network namespace of its own: its loopback has no Redis and
    no broker, so the script starts both there, leaving this machine's services untouched
    (the broker gets its own data, log and pid locations)."""
    netns = f"wsops-{os.getpid()}"
    base = Path(tempfile.mkdtemp(prefix="wsops-"))
    base.chmod(0o755)  # the broker runs as the rabbitmq user
    for name in ("mnesia", "log"):
        (base / name).mkdir()
        shutil.chown(base / name, "rabbitmq", "rabbitmq")
    env = {
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"),
        "RABBITMQ_PID_FILE": str(base / "mnesia" / "pid"),
        "WS_STATE_DIR": str(base / "state"),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/",
    }
    in_netns = ["ip", "netns", "exec", netns]
    subprocess.run(["ip", "netns", "add", netns], check=True, timeout=10)
    try:
        subprocess.run([*in_netns, "ip", "link", "set", "lo", "up"], check=True, timeout=10)
        result = subprocess.run(
            [*in_netns, "env", *(f"{k}={v}" for k, v in env.items()), str(SCRIPT)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "starting redis-server on 127.0.0.1:6379" in result.stderr
        assert "starting rabbitmq-server" in result.stderr
        assert "RabbitMQ at 127.0.0.1:5672 answers" in result.stderr
        again = subprocess.run(
            [*in_netns, "env", *(f"{k}={v}" for k, v in env.items()), str(SCRIPT)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (again.returncode, again.stderr) == (0, "")
    finally:
        subprocess.run(
            [*in_netns, "rabbitmqctl", "-q", "stop"], capture_output=True, timeout=60, check=False
        )
        # Whatever still runs in the namespace was started by this test (redis, epmd).
        pids = subprocess.run(
            ["ip", "netns", "pids", netns], capture_output=True, text=True, check=False
        ).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)
        subprocess.run(["ip", "netns", "del", netns], check=False, timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def test_tls_urls_are_checked_by_connecting_only(redis_url: str) -> None:
    open_port = urlsplit(redis_url).port or 6379
    ok, _ = ensure(REDIS_URL=f"rediss://127.0.0.1:{open_port}/0", WS_NO_AUTOSTART="1")
    assert ok.returncode == 0, ok.stderr
    closed = free_port()
    result, _ = ensure(REDIS_URL=f"rediss://127.0.0.1:{closed}/0")
    assert result.returncode == 1
    assert "a TLS Redis is never started here" in result.stderr
