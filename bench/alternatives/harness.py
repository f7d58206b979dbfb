"""Starting, checking and stopping the alternatives, and deleting what they declared.

Used by ``bench/run.py`` (``BENCH_ALT=1``) and ``tests/bench/test_alternatives.py``; runs in the
main venv and starts each stack's two processes with the interpreter of its venv.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import aiohttp

from bench.alternatives.common import amqp_names

__all__ = [
    "ALTERNATIVES",
    "ALT_VENV",
    "Alternative",
    "Running",
    "delete_amqp",
    "start_alternative",
    "stop_alternative",
]

ROOT = Path(__file__).resolve().parents[2]
ALT_VENV = ROOT / ".venv-alt"
INSTALL = "python3.11 -m venv .venv-alt && .venv-alt/bin/pip install -r requirements-bench-alt.txt"


@dataclass(frozen=True)
class Alternative:
    #: module of bench.alternatives, also the key of its AMQP names
    stack: str
    label: str
    #: runs from .venv-alt (else from the interpreter running the harness)
    alt_venv: bool

    @property
    def python(self) -> Path:
        return ALT_VENV / "bin" / "python" if self.alt_venv else Path(sys.executable)

    def unavailable(self) -> str | None:
        """Why this stack cannot run here, or None."""
        if self.alt_venv and not self.python.exists():
            return f"{ALT_VENV.name} is not installed ({INSTALL})"
        return None


ALTERNATIVES = (
    Alternative("aiopika_rpc", "alt aiohttp + aio_pika RPC", alt_venv=False),
    Alternative("nameko_rpc", "alt nameko HTTP -> nameko RPC", alt_venv=True),
    Alternative("faststream_rpc", "alt aiohttp + FastStream request", alt_venv=True),
    Alternative("celery_rpc", "alt aiohttp + Celery rpc://", alt_venv=True),
)


@dataclass
class Running:
    alternative: Alternative
    prefix: str
    url: str
    front: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    amqp_url: str
    logdir: Path

    @property
    def pids(self) -> dict[str, list[int]]:
        """CPU accounting groups: the front and the worker process."""
        return {"alt_front": [self.front.pid], "alt_worker": [self.worker.pid]}

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logdir.glob(f"{self.alternative.stack}-*.log"))
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(
    alt: Alternative, role: str, env: dict[str, str], logdir: Path
) -> subprocess.Popen[bytes]:
    with (logdir / f"{alt.stack}-{role}.log").open("ab") as log:
        return subprocess.Popen(
            [str(alt.python), "-m", f"bench.alternatives.{alt.stack}", role],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def start_alternative(
    alt: Alternative,
    *,
    prefix: str,
    token_key: str,
    body: str,
    logdir: Path,
    redis_url: str,
    amqp_url: str,
    within: float = 60.0,
) -> Running:
    """Start ``alt``'s worker and front, and return once ``body`` is answered ``{"sum": 42}``."""
    port = _free_port()
    env = {
        **os.environ,
        "ALT_PORT": str(port),
        "ALT_PREFIX": prefix,
        "ALT_TOKEN_KEY": token_key,
        "REDIS_URL": redis_url,
        "AMQP_URL": amqp_url,
    }
    # The worker first: it declares the queue the front publishes to.
    worker = _spawn(alt, "worker", env, logdir)
    front = _spawn(alt, "front", env, logdir)
    running = Running(alt, prefix, f"http://127.0.0.1:{port}/sum", front, worker, amqp_url, logdir)
    try:
        await _wait_answer(running, body, within)
    except BaseException:
        await stop_alternative(running)
        raise
    return running


async def _wait_answer(running: Running, body: str, within: float) -> None:
    # A call published before the worker consumes may be dropped (or wait for its timeout):
    # poll with short timeouts until one real call answers.
    deadline = time.monotonic() + within
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    last = ""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.monotonic() < deadline:
            for proc in (running.front, running.worker):
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{running.alternative.label}: a process exited with {proc.returncode}"
                        f"\n{running.logs()}"
                    )
            try:
                async with http.post(running.url, data=body.encode(), headers=headers) as resp:
                    answer = await resp.json(content_type=None)
                    if resp.status == 200 and answer == {"sum": 42}:
                        return
                    last = f"{resp.status}: {answer}"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                last = repr(exc)
            await asyncio.sleep(0.3)
    raise RuntimeError(
        f"{running.alternative.label} did not answer 42 within {within} s (last: {last})"
        f"\n{running.logs()}"
    )


def _terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def stop_alternative(running: Running, grace: float = 15.0) -> None:
    """Stop the front, then the worker (a front whose broker vanished first may hang in its
    shutdown), then delete every AMQP object of the run's prefix."""
    await asyncio.to_thread(_terminate, running.front, grace)
    await asyncio.to_thread(_terminate, running.worker, grace)
    await delete_amqp(running.alternative.stack, running.prefix, running.amqp_url)


async def delete_amqp(stack: str, prefix: str, amqp_url: str) -> list[str]:
    """Delete the queues and exchanges ``stack`` declared under ``prefix``; returns their names.

    The names known in advance, plus, when ``rabbitmqctl`` can list the broker's objects, any
    queue or exchange whose name holds the prefix (nameko's reply queues carry a uuid; left
    alone they expire 5 minutes after their consumer goes). The prefix is unique per run:
    nobody else's objects match it.
    """
    queues, exchanges = amqp_names(stack, prefix)
    listed_queues, listed_exchanges = await _list_broker_names()
    queues = sorted({*queues, *(q for q in listed_queues if prefix in q)})
    exchanges = sorted({*exchanges, *(e for e in listed_exchanges if prefix in e)})
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)
    return [*queues, *exchanges]


async def _list_broker_names() -> tuple[list[str], list[str]]:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        return [], []
    out: list[list[str]] = []
    for what in ("list_queues", "list_exchanges"):
        names: list[str] = []
        with contextlib.suppress(OSError):
            proc = await asyncio.create_subprocess_exec(
                ctl,
                "-q",
                "--no-table-headers",
                what,
                "name",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            try:
                stdout, _ = await asyncio.wait_for(proc.communicate(), 30)
            except TimeoutError:  # a broker elsewhere, or no rights: the known names only
                proc.kill()
                await proc.wait()
            else:
                if proc.returncode == 0:
                    names = [line.strip() for line in stdout.decode().splitlines() if line]
        out.append(names)
    return out[0], out[1]
