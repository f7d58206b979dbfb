"""A private RabbitMQ node and Redis server for tests that stop and restart them.

The machine's own services are shared (other stacks, other runs); restarting them would break
those. These get their own names, ports and data folders, and are removed afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateBroker:
    def __init__(self) -> None:
        self.port = _free_port()
        self.dist_port = _free_port()
        self.node = f"wstest{secrets.token_hex(3)}@localhost"
        self.base = Path(tempfile.mkdtemp(prefix="wsbroker-"))
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        for sub in ("mnesia", "log"):
            (self.base / sub).mkdir()
        # The server drops to the rabbitmq user; it must own its folders.
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        for path in self.base.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_PID_FILE": str(self.base / "pid"),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "plugins"),
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def answers(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self, within: float = 60.0) -> float:
        """Start the node; returns the seconds it took to accept connections."""
        started = time.monotonic()
        subprocess.run(
            ["rabbitmq-server", "-detached"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=30,
        )
        while not self.answers():
            if time.monotonic() - started > within:
                raise RuntimeError(f"private broker {self.node} did not start")
            time.sleep(0.2)
        return time.monotonic() - started

    def stop(self) -> None:
        subprocess.run(
            ["rabbitmqctl", "-n", self.node, "stop"],
            env=self.env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        deadline = time.monotonic() + 30
        while self.answers() and time.monotonic() < deadline:
            time.sleep(0.2)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class PrivateRedis:
    """A redis-server of our own (append-only, so data survives its restart)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="wsredis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            check=True,
            capture_output=True,
            timeout=10,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "private redis did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown"],
            capture_output=True,
            timeout=10,
            check=False,
        )
        deadline = time.monotonic() + 10
        while self.answers() and time.monotonic() < deadline:
            time.sleep(0.05)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
