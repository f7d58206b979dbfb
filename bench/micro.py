"""Micro-benchmarks of the gateway's per-call steps, in-process.

* parameter validation of the trivial call (form strings, as REST sends them);
* return cleaning and JSON rendering of a ``core_course_get_contents``-shaped result of 100
  and 300 modules (the realistic large return);
* token lookup: ``Store.get_token`` against a warm Redis (one round trip on loopback);
* PHP bracket form decoding (``decode_query``) of a typical REST body and a large nested one.

Figures are per call in microseconds: min and median over timed batches. Run on its own with
``.venv/bin/python -m bench.micro``; ``bench/run.py`` calls :func:`run_micro` with the running
stack's token so the lookup reads a real record.
"""

from __future__ import annotations

import functools
import json
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from bench.validators import measure
from services.functions.plugins import bench as bench_plugin
from services.gateway.forms import FormLimits, decode_query
from services.gateway.render import rest_result
from shared.constants import Names
from shared.external import (
    compile_parameters,
    compile_returns,
    configure,
    description_from_dict,
)
from shared.records import TokenRecord
from shared.store import Store, connect_redis
from shared.tokens import hash_token

__all__ = ["run_micro"]

_json = msgspec.json.Encoder()

TYPICAL_FORM = (
    "wstoken=0123456789abcdef0123456789abcdef&wsfunction=core_course_get_contents"
    "&moodlewsrestformat=json&courseid=2&options%5B0%5D%5Bname%5D=excludecontents"
    "&options%5B0%5D%5Bvalue%5D=1&options%5B1%5D%5Bname%5D=includestealthmodules"
    "&options%5B1%5D%5Bvalue%5D=0"
)


def large_form(users: int = 200) -> str:
    """``core_user_create_users``-like: ``users`` entries of 8 fields and 2 custom fields."""
    parts = ["wstoken=0123456789abcdef0123456789abcdef", "wsfunction=core_user_create_users"]
    for i in range(users):
        for field, value in (
            ("username", f"user{i}"),
            ("password", "Secret-2026!"),
            ("firstname", "Ada"),
            ("lastname", f"Lovelace {i}"),
            ("email", f"user{i}@example.com"),
            ("auth", "manual"),
            ("lang", "en"),
            ("timezone", "Europe/London"),
        ):
            parts.append(f"users%5B{i}%5D%5B{field}%5D={value}")
        for j in range(2):
            parts.append(f"users%5B{i}%5D%5Bcustomfields%5D%5B{j}%5D%5Btype%5D=field{j}")
            parts.append(f"users%5B{i}%5D%5Bcustomfields%5D%5B{j}%5D%5Bvalue%5D=v{j}")
    return "&".join(parts)


async def _measure_async(
    call: Callable[[], Awaitable[Any]], *, batch: int, batches: int
) -> dict[str, float]:
    for _ in range(batch):
        await call()
    samples = []
    for _ in range(batches):
        start = time.perf_counter_ns()
        for _ in range(batch):
            await call()
        samples.append((time.perf_counter_ns() - start) / batch / 1000)
    return {"min_us": min(samples), "median_us": statistics.median(samples)}


def _clean_and_render(clean: Callable[[Any], Any], value: Any) -> Any:
    return rest_result(clean(value), bench_plugin.CONTENTS, "json")


def cpu_cases(quick: bool) -> dict[str, dict[str, float]]:
    """The CPU-only steps (no I/O)."""
    wwwroot = "http://127.0.0.1:8000"
    configure(wwwroot=wwwroot)
    n = 1 if quick else 3
    fdef = bench_plugin.plugin.functions["local_bench_sum"]
    # Compiled from the published description, as the gateway's catalog does.
    validate_sum = compile_parameters(description_from_dict(fdef.info.parameters))
    clean_contents = compile_returns(bench_plugin.CONTENTS)
    limits = FormLimits()
    cases: dict[str, dict[str, float]] = {
        "validate local_bench_sum params (form strings)": measure(
            lambda: validate_sum({"a": "20", "b": "22"}), batch=200, batches=50 * n
        ),
        "form decode, typical REST body (8 fields)": measure(
            lambda: decode_query(TYPICAL_FORM, limits), batch=100, batches=50 * n
        ),
    }
    big = large_form()
    cases["form decode, large nested (200 users, 2,400 fields)"] = measure(
        lambda: decode_query(big, limits), batch=1, batches=20 * n
    )
    for modules in (100, 300):
        course = bench_plugin.make_contents(modules, wwwroot)
        cleaned = clean_contents(course)
        label = f"contents {modules} modules"
        cases[f"{label}: clean return (compiled)"] = measure(
            functools.partial(clean_contents, course), batch=1, batches=20 * n
        )
        cases[f"{label}: render JSON (msgspec)"] = measure(
            functools.partial(_json.encode, cleaned), batch=10, batches=20 * n
        )
        cases[f"{label}: clean + rest_result (JSON)"] = measure(
            functools.partial(_clean_and_render, clean_contents, course), batch=1, batches=20 * n
        )
    return cases


async def token_cases(
    redis_url: str, namespace: str | None, token: str | None, quick: bool
) -> dict[str, dict[str, float]]:
    """Token lookups against Redis; a throwaway token record when none is given."""
    redis = connect_redis(redis_url)
    names = Names(namespace or f"wsbench-{secrets.token_hex(4)}")
    store = Store(redis, names)
    created = token is None
    try:
        if token is None:
            token = secrets.token_hex(16)
            await store.create_token(
                TokenRecord(id=0, hash=hash_token(token), userid=2, serviceid=1, nonce="x")
            )
        token_hash = hash_token(token)
        assert await store.get_token(token_hash) is not None
        n = 1 if quick else 3
        return {
            "token lookup, Store.get_token (warm Redis, sequential)": await _measure_async(
                lambda: store.get_token(token_hash), batch=100, batches=10 * n
            ),
            "one Redis HGET round trip (sequential, for scale)": await _measure_async(
                lambda: redis.hget(names.token(token_hash), "record"), batch=100, batches=10 * n
            ),
        }
    finally:
        if created:
            keys = [k async for k in redis.scan_iter(match=f"{names.namespace}:*")]
            if keys:
                await redis.delete(*keys)
        await redis.aclose()


async def run_micro(
    redis_url: str, *, namespace: str | None = None, token: str | None = None, quick: bool = False
) -> dict[str, dict[str, float]]:
    """Every micro-benchmark; ``namespace``/``token`` name a live token to look up."""
    cases = cpu_cases(quick)
    cases.update(await token_cases(redis_url, namespace, token, quick))
    return cases


def print_cases(cases: dict[str, dict[str, float]]) -> None:
    print(f"{'micro-benchmark':<58} {'min µs':>10} {'median µs':>10}")
    for name, figures in cases.items():
        print(f"{name:<58} {figures['min_us']:>10.1f} {figures['median_us']:>10.1f}")


if __name__ == "__main__":
    import os

    from shared.aio import run

    result = run(run_micro(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")))
    print_cases(result)
    print(json.dumps(result, indent=2))
