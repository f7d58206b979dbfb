"""The chaos suite: faults injected under load, and a table of what happened to every call.

``python -m tests.reliability.chaos [--seconds N] [--clients N]`` (``make chaos``) starts a
private RabbitMQ node and Redis server, the stack on them (two workers), and clients calling a
read function (``local_probe_sleep``) and a write function (``local_probe_count``, one counter
per call) without pause. While they run, it kills a worker (SIGKILL), stops one gracefully
(SIGTERM), restarts the broker and restarts Redis, each time bringing the stack back.

Every call ends in an answer or a Moodle error; a call that ends otherwise (the HTTP request
failed or hung past its deadline plus margin) is *lost*. A write counter above 1 is a
*duplicated write*. The run fails (exit 1) if either is non-zero. Loopback only, bounded time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from shared.constants import Names
from shared.store import connect_redis
from tests.e2e.stack import Stack, rest, start_stack, stop_stack
from tests.reliability.broker import PrivateBroker, PrivateRedis

CALL_TIMEOUT = 5.0
#: A call with no HTTP answer this long after its deadline counts as lost.
MARGIN = 3.0


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    write_keys: list[str] = field(default_factory=list)
    recovery: dict[str, float] = field(default_factory=dict)


async def client(
    http: aiohttp.ClientSession, stack: Stack, token: str, tally: Tally, stop: asyncio.Event, n: int
) -> None:
    i = 0
    while not stop.is_set():
        i += 1
        write = i % 2 == 0
        tally.sent += 1
        try:
            async with asyncio.timeout(CALL_TIMEOUT + MARGIN):
                if write:
                    key = f"c{n}-{i}"
                    tally.write_keys.append(key)
                    body = await rest(http, stack, "local_probe_count", token, key=key)
                else:
                    body = await rest(http, stack, "local_probe_sleep", token, seconds="0.02")
        except (TimeoutError, aiohttp.ClientError, AssertionError, ValueError):
            tally.lost += 1
            continue
        if isinstance(body, dict) and "errorcode" in body:
            tally.errors[str(body["errorcode"])] += 1
        else:
            tally.answered += 1


async def until_serving(
    http: aiohttp.ClientSession, stack: Stack, token: str, limit: float = 60.0
) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        with contextlib.suppress(aiohttp.ClientError, AssertionError, ValueError):
            body = await rest(http, stack, "local_probe_sleep", token, seconds="0")
            if isinstance(body, dict) and "slept" in body:
                return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the stack did not serve again within {limit} s")


async def duplicated_writes(stack: Stack, keys: list[str]) -> int:
    redis = connect_redis(stack.env["REDIS_URL"])
    names = Names(stack.namespace)
    try:
        values = await redis.mget([names.key("probe", "count", k) for k in keys]) if keys else []
    finally:
        await redis.aclose()
    return sum(1 for v in values if v is not None and int(v) > 1)


async def run(seconds: float, clients: int, workdir: Path) -> Tally:
    broker, redis = PrivateBroker(), PrivateRedis()
    await asyncio.to_thread(broker.start)
    redis.start()
    tally = Tally()
    stack = await start_stack(
        workdir,
        workers=2,
        AMQP_URL=broker.url,
        REDIS_URL=redis.url,
        WS_PLUGINS="services.functions.plugins.core,tests.plugins.probe",
        TEST_EXTRA_COMPONENTS="local_probe",
        WS_CALL_TIMEOUT=str(CALL_TIMEOUT),
    )
    stop = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as http:
            token = stack.wsadmin("token", "create", "student", "local_probe").stdout.split()[-1]
            load = [
                asyncio.create_task(client(http, stack, token, tally, stop, n))
                for n in range(clients)
            ]
            pause = max(seconds / 5, 1.0)
            spare = 2
            await asyncio.sleep(pause)
            stack.stop("worker0", signal.SIGKILL)
            stack.spawn(f"worker{spare}", "services.functions")
            tally.recovery["worker SIGKILL"] = await until_serving(http, stack, token)
            await asyncio.sleep(pause)
            await asyncio.to_thread(stack.stop, "worker1", signal.SIGTERM)
            stack.spawn(f"worker{spare + 1}", "services.functions")
            tally.recovery["worker SIGTERM"] = await until_serving(http, stack, token)
            await asyncio.sleep(pause)
            await asyncio.to_thread(broker.stop)
            await asyncio.to_thread(broker.start)
            tally.recovery["broker restart"] = await until_serving(http, stack, token)
            await asyncio.sleep(pause)
            await asyncio.to_thread(redis.stop)
            await asyncio.to_thread(redis.start)
            tally.recovery["redis restart"] = await until_serving(http, stack, token)
            await asyncio.sleep(pause)
            stop.set()
            await asyncio.gather(*load)
        tally.errors["(duplicated writes)"] = await duplicated_writes(stack, tally.write_keys)
    finally:
        stop.set()
        await stop_stack(stack)
        await asyncio.to_thread(broker.remove)
        redis.remove()
    return tally


def report(tally: Tally) -> str:
    duplicates = tally.errors.pop("(duplicated writes)", 0)
    lines = [
        f"{'calls sent':<28}{tally.sent:>8}",
        f"{'answered':<28}{tally.answered:>8}",
    ]
    lines += [f"{'error ' + code:<28}{count:>8}" for code, count in sorted(tally.errors.items())]
    lines += [
        f"{'lost (must be 0)':<28}{tally.lost:>8}",
        f"{'duplicated writes (must be 0)':<28}{duplicates:>8}",
    ]
    lines += [f"{'recovery after ' + k:<28}{v:>7.2f}s" for k, v in tally.recovery.items()]
    tally.errors["(duplicated writes)"] = duplicates
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wschaos-") as tmp:
        tally = asyncio.run(run(args.seconds, args.clients, Path(tmp)))
    print(report(tally))
    failed = tally.lost > 0 or tally.errors["(duplicated writes)"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
