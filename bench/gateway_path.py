"""The gateway's own CPU per trivial REST call, with the bus taken out of the picture.

``.venv/bin/python -m bench.gateway_path`` builds the real gateway application
(:func:`services.gateway.app.create_app`: every middleware, the token cache, the catalog, the
audit trail with its Redis stream and events exchange, metrics, logging) in this process, in a
namespace of its own on the real Redis and RabbitMQ, seeds what a ``local_bench_sum`` call
needs (catalog entry, the ``local_bench`` service, a site admin and a token), serves it on a
loopback port and drives it with ``wrk`` (``bench/wrk/post.lua``) in a child process.

**Benchmark only:** the AMQP round trip of the call is replaced in this process by an
in-process fake of :meth:`RpcClient.call` answering ``CallReply(result={"sum": 42})`` at once,
so the figure is the gateway's own work (HTTP, middlewares, access checks, validation, metrics,
audit, logging, rendering) without the AMQP client the lead is replacing. Tests never do this.

CPU per call is ``time.process_time()`` of this process over the measured window divided by the
requests wrk completed (wrk itself runs in another process). ``--bare`` measures, in the same
harness, a bare aiohttp handler that decodes the form, does one Redis GET and answers JSON
(the reference point of docs/performance.md); ``--null`` an aiohttp handler that reads the
body and answers a constant, so "gateway minus null" is our own work per call.
``--profile FILE`` writes a cProfile of the measured window and prints the top functions.

Options: ``--duration`` seconds per run (3), ``--runs`` (3, the median is reported),
``-c`` wrk connections (16).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import secrets
import shutil
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web

from services.functions.registry import load_plugins, select_functions, sync_catalog
from services.gateway.access import ACCESS
from services.gateway.app import create_app
from services.gateway.rpc import RpcClient
from services.gateway.settings import GatewaySettings
from shared.aio import run, tune_gc
from shared.constants import Names
from shared.logs import configure_logging
from shared.records import TokenRecord, UserRecord
from shared.store import Store, connect_redis
from shared.tokens import hash_token
from shared.wire import CallReply, CallRequest

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]
LUA = ROOT / "bench" / "wrk" / "post.lua"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
BENCH_PLUGIN = "services.functions.plugins.bench"


async def _fake_call(self: RpcClient, request: CallRequest, queue: str) -> CallReply:
    """Benchmark only: the worker's answer without the bus."""
    return CallReply(call_id=request.call_id, result={"sum": 42}, worker_time=0.00001)


async def seed(store: Store) -> str:
    """Catalog, service, admin and token for ``local_bench_sum``; returns the token value."""
    plugins = load_plugins([BENCH_PLUGIN])
    await sync_catalog(store, plugins, select_functions(plugins))
    service = await store.get_service_by_shortname("local_bench")
    assert service is not None
    user = await store.create_user(UserRecord(id=0, username="admin", siteadmin=True))
    value = secrets.token_hex(16)
    await store.create_token(
        TokenRecord(
            id=0, hash=hash_token(value), nonce="bench", userid=user.id, serviceid=service.id
        )
    )
    return value


def null_app() -> web.Application:
    """The floor: aiohttp receiving the request and answering a fixed body, nothing else."""
    body = b'{"sum": 42}'

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/webservice/rest/server.php", handle)
    return app


def bare_app(redis: aioredis.Redis, key: str) -> web.Application:
    """The reference: form decode, one Redis GET, a JSON answer."""

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        if await redis.get(f"{key}:{form.get('wstoken', '')}") is None:
            return web.json_response({"errorcode": "invalidtoken"})
        return web.json_response({"sum": int(str(form["a"])) + int(str(form["b"]))})

    app = web.Application()
    app.router.add_post("/webservice/rest/server.php", handle)
    return app


async def wrk(url: str, body: str, seconds: float, connections: int) -> dict[str, Any]:
    env = {**os.environ, "WRK_BODY": body}
    proc = await asyncio.create_subprocess_exec(
        "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", str(LUA), url,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    for line in out.decode().splitlines():
        if line.startswith("BENCHJSON "):
            result: dict[str, Any] = json.loads(line.split(" ", 1)[1])
            return result
    raise RuntimeError(f"wrk failed: {err.decode()}{out.decode()}")


async def measure(
    url: str, body: str, args: argparse.Namespace, profiler: cProfile.Profile | None
) -> list[dict[str, Any]]:
    await wrk(url, body, 1, args.c)  # warm-up: caches, catalog, connections
    runs = []
    for _ in range(args.runs):
        if profiler is not None:
            profiler.enable()
        cpu0 = time.process_time()
        result = await wrk(url, body, args.duration, args.c)
        # Let the audit flusher write what this run buffered, inside the window.
        await asyncio.sleep(0.1)
        cpu = time.process_time() - cpu0
        if profiler is not None:
            profiler.disable()
        if result["bad"] or result["requests"] == 0:
            raise RuntimeError(f"bad responses: {result}")
        result["cpu_us_per_call"] = cpu / result["requests"] * 1e6
        result["req_per_s"] = result["requests"] / (result["duration_us"] / 1e6)
        runs.append(result)
        print(
            f"  {result['requests']:7d} calls  {result['req_per_s']:8.0f} req/s  "
            f"{result['cpu_us_per_call']:7.1f} µs CPU/call",
            flush=True,
        )
    return runs


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]  # the port the kernel chose
    try:
        yield f"http://127.0.0.1:{port}/webservice/rest/server.php"
    finally:
        await runner.cleanup()


async def bench(args: argparse.Namespace) -> None:
    namespace = f"wsbench-{secrets.token_hex(4)}"
    redis = connect_redis(REDIS_URL)
    store = Store(redis, Names(namespace))
    profiler = cProfile.Profile() if args.profile else None
    try:
        token = await seed(store)
        body = f"wstoken={token}&moodlewsrestformat=json&wsfunction=local_bench_sum&a=20&b=22"
        if args.null:
            app = null_app()
        elif args.bare:
            await redis.set(f"{namespace}:bare:{token}", "x" * 400)
            app = bare_app(redis, f"{namespace}:bare")
        else:
            RpcClient.call = _fake_call  # type: ignore[method-assign]  # benchmark only
            settings = GatewaySettings(
                redis_url=REDIS_URL, amqp_url=AMQP_URL, namespace=namespace, debug="normal"
            )
            app = create_app(settings)
        tune_gc()
        async with serve(app) as url:
            label = "null aiohttp" if args.null else "bare aiohttp" if args.bare else "gateway"
            print(f"{label}: wrk -c{args.c}, "
                  f"{args.runs} x {args.duration:g} s", flush=True)  # fmt: skip
            runs = await measure(url, body, args, profiler)
        median = statistics.median(r["cpu_us_per_call"] for r in runs)
        print(f"median CPU per call: {median:.1f} µs")
        if not (args.bare or args.null):
            audit = app[ACCESS].audit if ACCESS in app else None
            dropped = audit.dropped if audit is not None else 0
            print(f"audit events dropped (buffer full or Redis down): {dropped}")
        if args.json:
            text = json.dumps({"median_cpu_us": median, "runs": runs})
            await asyncio.to_thread(Path(args.json).write_text, text)
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{namespace}:*", count=500)]
        if keys:
            await redis.delete(*keys)
        await _drop_amqp(namespace)
        await redis.aclose()
    if profiler is not None:
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


async def _drop_amqp(namespace: str) -> None:
    import aio_pika  # noqa: PLC0415  (only for clean-up)

    names = Names(namespace)
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        await channel.exchange_delete(names.events_exchange)
        await channel.exchange_delete(names.calls_exchange)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.gateway_path", description=__doc__)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-c", type=int, default=16)
    parser.add_argument("--bare", action="store_true", help="measure the bare aiohttp handler")
    parser.add_argument("--null", action="store_true", help="measure aiohttp answering a constant")
    parser.add_argument("--profile", default="", help="write a cProfile of the window here")
    parser.add_argument("--json", default="", help="write the figures here")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    # As the gateway's main does; records go to /dev/null so they cost what formatting costs.
    configure_logging("gateway", "normal")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    run(bench(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
