"""aiohttp + Celery: RabbitMQ broker, ``rpc://`` results, the front waiting in a thread pool.

``python -m bench.alternatives.celery_rpc front|worker`` (``.venv-alt``). The task is
``@app.task def add(a, b): return a + b``; the worker is ``celery worker`` with the solo pool
(one process, like every other target's worker; prefork would add a process per core), without
gossip, mingle, heartbeats or remote control (they declare broker objects of their own and do
nothing for this test). Per-task logs are off (``--loglevel=WARNING``): no target logs per call.

The front is :mod:`.aiohttp_front`'s. Celery has no asyncio client: ``AsyncResult.get()``
blocks, so the front runs ``add.delay(a, b).get()`` in a pool of ``FRONT_THREADS`` threads, the
usual way to call Celery from an event loop. Celery gives each thread its own ``rpc://``
result consumer (``app.thread_oid``), so the threads do not steal each other's replies.
Every name Celery declares is moved under ``ALT_PREFIX``; its reply queues are auto-delete.
"""
# mypy: disable-error-code="import-not-found, import-untyped, untyped-decorator, unused-ignore"
# (Celery lives in .venv-alt only: the main venv's mypy cannot see it.)

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from celery import Celery

from bench.alternatives.aiohttp_front import Adder, serve
from bench.alternatives.common import Settings, amqp_names

__all__ = ["main"]

#: Threads of the front waiting for results: one per benchmark connection.
FRONT_THREADS = 16
#: A call waits at most this long for the worker's result (seconds).
TIMEOUT = 30.0


def make_app(settings: Settings) -> tuple[Any, Any]:
    """The Celery app with every broker name under the prefix, and its ``add`` task."""
    queues, exchanges = amqp_names("celery_rpc", settings.prefix)
    queue, exchange, events = queues[0], exchanges[0], exchanges[1]
    app = Celery(settings.prefix, broker=settings.amqp_url, backend="rpc://")
    app.conf.update(
        task_default_queue=queue,
        task_default_exchange=exchange,
        task_default_routing_key=queue,
        event_exchange=events,
        # "<control_exchange>.pidbox" and "reply.<control_exchange>.pidbox", if ever declared.
        control_exchange=settings.prefix,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
    )

    @app.task(name="add")
    def add(a: int, b: int) -> int:
        return a + b

    return app, add


@asynccontextmanager
async def celery_adder(settings: Settings) -> AsyncIterator[Adder]:
    _app, task = make_app(settings)
    pool = ThreadPoolExecutor(FRONT_THREADS, thread_name_prefix="celery-call")
    loop = asyncio.get_running_loop()

    def call(a: int, b: int) -> int:
        return int(task.delay(a, b).get(timeout=TIMEOUT))

    async def add(a: int, b: int) -> int:
        return await loop.run_in_executor(pool, call, a, b)

    try:
        yield add
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def worker(settings: Settings) -> None:
    app, _task = make_app(settings)
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            f"--queues={amqp_names('celery_rpc', settings.prefix)[0][0]}",
        ]
    )


def main(argv: list[str]) -> int:
    settings = Settings.from_env()
    role = argv[0] if argv else ""
    if role == "worker":
        worker(settings)
        return 0
    if role == "front":
        serve(settings, celery_adder)
        return 0
    print("usage: python -m bench.alternatives.celery_rpc front|worker", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
