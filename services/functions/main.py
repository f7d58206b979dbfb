"""``ws-worker``: run a function worker in the foreground until SIGTERM or Ctrl-C.

``ws-worker --check`` (the compose healthcheck) exits 0 when the worker is ready: with
``WS_METRICS_PORT`` set, it asks that worker's own ``/readyz`` (Redis, broker, and its consumers
registered); without, it checks that Redis and RabbitMQ answer.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

import aiohttp

from services.functions.observe import WorkerMonitor
from services.functions.registry import PluginLoadError, load_plugins
from services.functions.runtime import Worker
from services.functions.settings import WorkerSettings
from shared.aio import run, tune_gc
from shared.bus import connect_amqp
from shared.logs import configure_logging
from shared.settings import SettingsError, load_settings
from shared.store import connect_redis
from shared.tracing import configure_tracing, otlp_endpoint, shutdown_tracing

__all__ = ["main"]

log = logging.getLogger("services.functions")

BENCH_PLUGIN = "services.functions.plugins.bench"


async def check(settings: WorkerSettings) -> bool:
    if settings.metrics_port:
        return await check_own(settings)
    redis = connect_redis(settings.redis_url)
    try:
        await asyncio.wait_for(redis.ping(), 5)
        connection = await asyncio.wait_for(connect_amqp(settings.amqp_url, name="check"), 5)
        await connection.close()
    except Exception as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return False
    finally:
        await redis.aclose()
    return True


async def check_own(settings: WorkerSettings) -> bool:
    """This worker's own readiness (its /readyz): Redis, broker, and its consumers registered."""
    # A worker listening on every interface is reached on loopback.
    wildcard = settings.metrics_host in {"", "::", "0.0.0.0"}  # noqa: S104
    host = "127.0.0.1" if wildcard else settings.metrics_host
    url = f"http://{host}:{settings.metrics_port}/readyz"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http,
            http.get(url) as resp,
        ):
            if resp.status == 200:
                return True
            print(f"unhealthy: {await resp.text()}", file=sys.stderr)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        print(f"unhealthy: {url}: {exc!r}", file=sys.stderr)
    return False


async def serve(settings: WorkerSettings) -> None:
    modules = settings.plugins.split(",")
    if settings.bench:
        modules.append(BENCH_PLUGIN)
    worker = Worker(settings, load_plugins(modules))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await worker.start()
    monitor = None
    if settings.metrics_port:
        monitor = WorkerMonitor(worker)
        await monitor.start(settings.metrics_host, settings.metrics_port)
    await stop.wait()
    log.info("stopping: draining in-flight calls")
    await worker.stop()
    if monitor is not None:
        await monitor.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ws-worker", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 0 if Redis and AMQP answer")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(WorkerSettings)
    except SettingsError as exc:
        print(f"ws-worker: {exc}", file=sys.stderr)
        return 2
    configure_logging("worker", settings.debug)
    if args.check:
        return 0 if run(check(settings)) else 1
    configure_tracing("worker", otlp_endpoint(settings.otel_endpoint))
    try:
        tune_gc()
        run(serve(settings))
    except PluginLoadError as exc:
        print(f"ws-worker: {exc}", file=sys.stderr)
        return 2
    finally:
        shutdown_tracing()
    return 0
