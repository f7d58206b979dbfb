"""``ws-worker``: run a function worker in the foreground until SIGTERM or Ctrl-C.

``ws-worker --check`` exits 0 when Redis and RabbitMQ answer (the compose healthcheck).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from services.functions.registry import PluginLoadError, load_plugins
from services.functions.runtime import Worker
from services.functions.settings import WorkerSettings
from shared.aio import run
from shared.bus import connect_amqp
from shared.logs import configure_logging
from shared.settings import SettingsError, load_settings
from shared.store import connect_redis

__all__ = ["main"]

log = logging.getLogger("services.functions")

BENCH_PLUGIN = "services.functions.plugins.bench"


async def check(settings: WorkerSettings) -> bool:
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
    await stop.wait()
    log.info("stopping: draining in-flight calls")
    await worker.stop()


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
    try:
        run(serve(settings))
    except PluginLoadError as exc:
        print(f"ws-worker: {exc}", file=sys.stderr)
        return 2
    return 0
