"""The benchmark's alternatives start, answer one real call, and leave nothing on the broker.

aio-pika's RPC pattern runs from the main venv; nameko, FastStream and Celery need
``.venv-alt`` (``requirements-bench-alt.txt``) and are skipped without it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import aio_pika
import aiohttp
import pytest
import redis.asyncio as aioredis

from bench.alternatives.common import amqp_names
from bench.alternatives.harness import (
    ALTERNATIVES,
    Alternative,
    start_alternative,
    stop_alternative,
)
from bench.run import Run, ratios


async def _exists(amqp_url: str, kind: str, name: str) -> bool:
    # A passive declare of a missing object closes the channel: one connection per question.
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        try:
            if kind == "queue":
                await channel.declare_queue(name, passive=True)
            else:
                await channel.get_exchange(name, ensure=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return False
        return True


@pytest.mark.e2e
@pytest.mark.parametrize("alt", ALTERNATIVES, ids=[a.stack for a in ALTERNATIVES])
async def test_alternative_answers_one_call_and_cleans_up(
    alt: Alternative,
    namespace: str,
    redis_client: aioredis.Redis,
    redis_url: str,
    amqp_url: str,
    tmp_path: Path,
) -> None:
    reason = alt.unavailable()
    if reason is not None:
        pytest.skip(reason)
    token = secrets.token_hex(16)
    token_key = f"{namespace}:alt-token"  # deleted with the namespace by redis_client
    await redis_client.set(f"{token_key}:{token}", "{}")
    prefix = f"{namespace}-{alt.stack}"
    running = await start_alternative(
        alt,
        prefix=prefix,
        token_key=token_key,
        # start_alternative returns only once this call has answered {"sum": 42}
        body=f"wstoken={token}&a=20&b=22",
        logdir=tmp_path,
        redis_url=redis_url,
        amqp_url=amqp_url,
    )
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(running.url, data={"wstoken": token, "a": "1", "b": "2"}) as resp:
                assert resp.status == 200
                assert await resp.json() == {"sum": 3}
            async with http.post(running.url, data={"wstoken": "nope", "a": "1", "b": "2"}) as resp:
                assert (await resp.json())["errorcode"] == "invalidtoken"
    finally:
        await stop_alternative(running)
    assert running.front.returncode is not None
    assert running.worker.returncode is not None
    queues, exchanges = amqp_names(alt.stack, prefix)
    for queue in queues:
        assert not await _exists(amqp_url, "queue", queue), queue
    for exchange in exchanges:
        assert not await _exists(amqp_url, "exchange", exchange), exchange


def test_ratios_put_our_rest_path_against_each_alternative() -> None:
    def run(label: str, rps: float, p99: float, cpu: dict[str, float]) -> Run:
        return Run(label, 16, rps, 1.0, p99, 100, 0, cpu, label=label)

    runs = [
        run("ours REST sum", 1000, 10, {"gateway": 0.2, "workers": 0.1, "rabbitmq": 0.1}),
        run("alt x", 500, 20, {"alt_front": 0.4, "alt_worker": 0.2, "rabbitmq": 0.2}),
    ]
    assert ratios(runs) == {
        "ours REST sum / alt x @c16": {
            "throughput": 2.0,
            "p99": 0.5,
            "gateway_cpu": 0.5,
            "total_cpu": 0.5,
        }
    }
