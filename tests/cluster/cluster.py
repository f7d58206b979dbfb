"""A three-node RabbitMQ cluster on this machine, for tests that take a node away.

Each node is a private broker (as in :mod:`tests.reliability.broker`): its own Erlang node name,
AMQP and distribution ports, and data folders, listening on loopback only. They all run as the
``rabbitmq`` user and so share its Erlang cookie, which is what lets them cluster. The second
and third nodes join the first (``stop_app``, ``join_cluster``, ``start_app``); everything is
stopped and its folders removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["ClusterNode", "LocalCluster"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ClusterNode:
    def __init__(self, name: str, base: Path) -> None:
        self.port = _free_port()
        self.dist_port = _free_port()
        self.node = f"{name}@localhost"
        self.base = base
        base.mkdir()
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            # Distribution (clustering) traffic stays on loopback too.
            "log.file.level = info\n"
        )
        for sub in ("mnesia", "log"):
            (base / sub).mkdir()
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_PID_FILE": str(base / "pid"),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "plugins"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def answers(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def ctl(self, *args: str, timeout: float = 60.0) -> str:
        result = subprocess.run(
            ["rabbitmqctl", "-n", self.node, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args} on {self.node}: {result.stderr.strip()}")
        return result.stdout

    def start(self) -> None:
        subprocess.run(
            ["rabbitmq-server", "-detached"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=30,
        )

    def wait_answering(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster node {self.node} did not start")
            time.sleep(0.1)

    def pid(self) -> int:
        return int((self.base / "pid").read_text().strip())

    def alive(self) -> bool:
        try:
            os.kill(self.pid(), 0)
        except (OSError, ValueError):
            return False
        return True

    def kill(self) -> None:
        """A crash: SIGKILL to the node's Erlang VM, no goodbye to clients or peers."""
        with contextlib.suppress(OSError, ValueError):
            os.kill(self.pid(), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.answers() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        if not self.alive():
            return
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.ctl("stop", timeout=60)
        # The command returns before the VM has exited: wait for the process itself, and
        # a node that would not stop politely goes anyway.
        deadline = time.monotonic() + 30
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(OSError, ValueError):
            os.kill(self.pid(), signal.SIGKILL)


class LocalCluster:
    """Three RabbitMQ nodes clustered on loopback; ``urls`` is the comma-separated AMQP_URL."""

    def __init__(self, size: int = 3) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="wscluster-"))
        tag = secrets.token_hex(3)
        self.nodes = [ClusterNode(f"wsc{tag}{i}", self.base / f"n{i}") for i in range(size)]
        # The servers drop to the rabbitmq user; it must own their folders.
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        for path in self.base.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")

    @property
    def urls(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self) -> float:
        """Start every node and join them into one cluster; returns the seconds it took."""
        started = time.monotonic()
        for node in self.nodes:
            node.start()
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda n: n.wait_answering(), self.nodes))
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.node)
            node.ctl("start_app")
        for node in self.nodes[1:]:
            node.wait_answering()
        return time.monotonic() - started

    def running_nodes(self, via: ClusterNode) -> list[str]:
        out = via.ctl("eval", "lists:sort(rabbit_nodes:all_running()).")
        return [part.strip(" []'\n") for part in out.split(",") if part.strip(" []'\n")]

    def remove(self) -> None:
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda n: n.stop(), self.nodes))
        shutil.rmtree(self.base, ignore_errors=True)
