"""``make bench``: our full call path against the baselines, on this machine, in one run.

Starts, in a namespace of its own, the real stack (auth, gateway, workers with ``WS_BENCH=1``)
and the bare baselines of :mod:`bench.bare`, then drives each with ``wrk`` (loopback only):

* our REST path and JSON API for ``local_bench_sum``, our REST path for the large
  ``local_bench_contents`` (100 modules), and the two baselines, at concurrency 1, 16 and 64,
  the scenarios interleaved so that drifting background load hits all of them alike;
* scaling: 1, 2 and 4 workers, 1 and 2 gateway processes (a second gateway on its own port,
  each wrk process driving one: the gateway does not set SO_REUSEPORT);
* CPU per call by process (``/proc/<pid>/stat`` before/after), RSS of the gateways and workers
  sampled every second, py-spy profiles of the gateway and a worker at concurrency 16, and the
  micro-benchmarks of :mod:`bench.micro`.

Each figure is the median of ``repeats`` runs. Prints tables and writes ``bench/results/``.
``BENCH_QUICK=1``: one short run per scenario, concurrency 16 only, no profiles (≈ 2 min).
``BENCH_SOAK=1``: adds a 10-minute run at concurrency 16 sampling memory (``soak.json``).
``BENCH_ALT=1``: adds the alternatives of :mod:`bench.alternatives` at concurrency 16 (aio-pika's
RPC pattern always; nameko, FastStream and Celery when ``.venv-alt`` is installed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.alternatives.harness import (
    ALTERNATIVES,
    Running,
    start_alternative,
    stop_alternative,
)
from bench.micro import print_cases, run_micro
from bench.procstat import find_pids, rss_kib, snapshot
from shared.aio import run
from shared.store import connect_redis
from tests.e2e.stack import ROOT, Stack, free_port, start_stack, stop_stack

__all__ = ["main"]

RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "wrk" / "post.lua"
PY_SPY = next(
    (p for p in (ROOT / ".venv-tools/bin/py-spy", ROOT / ".venv/bin/py-spy") if p.exists()),
    None,
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@dataclass(frozen=True)
class Config:
    quick: bool
    soak: bool
    duration: int
    warmup: int
    repeats: int
    concurrencies: tuple[int, ...]
    profile: bool
    #: measure the other stacks of bench/alternatives at concurrency 16 too
    alternatives: bool = False

    @classmethod
    def from_env(cls) -> Config:
        quick = os.environ.get("BENCH_QUICK") == "1"
        return cls(
            quick=quick,
            soak=os.environ.get("BENCH_SOAK") == "1",
            duration=int(os.environ.get("BENCH_DURATION", "3" if quick else "5")),
            warmup=1,
            repeats=int(os.environ.get("BENCH_REPEATS", "1" if quick else "3")),
            concurrencies=(16,) if quick else (1, 16, 64),
            profile=not quick and PY_SPY is not None,
            alternatives=os.environ.get("BENCH_ALT") == "1",
        )


@dataclass
class Target:
    """One HTTP endpoint under test: where, what body, what a correct answer is."""

    name: str
    urls: list[str]
    body: str
    content_type: str = "application/x-www-form-urlencoded"
    authorization: str = ""
    #: process group names whose CPU this target spends
    groups: tuple[str, ...] = ()
    #: pids of groups of this target's own (the alternatives'), instead of Bench.groups
    pids: dict[str, list[int]] = field(default_factory=dict)
    check: Callable[[Any], bool] = lambda _: True


@dataclass
class Run:
    target: str
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int
    cpu_ms_per_call: dict[str, float]
    label: str = ""
    all_rps: list[float] = field(default_factory=list)


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian when missing and we may, else a clear failure."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing it with apt-get (Debian package 'wrk')")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("bench: wrk is not installed; install it (Debian: `sudo apt-get install -y wrk`)")


# --- load generation ----------------------------------------------------------------------


async def wrk_once(
    wrk: str, url: str, target: Target, connections: int, seconds: int
) -> dict[str, Any]:
    env = {
        **os.environ,
        "WRK_BODY": target.body,
        "WRK_CONTENT_TYPE": target.content_type,
        "WRK_AUTHORIZATION": target.authorization,
    }
    # One wrk thread: it is C and LuaJIT, and the second core is better left to the servers.
    proc = await asyncio.create_subprocess_exec(
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    for line in out.decode(errors="replace").splitlines():
        if line.startswith("BENCHJSON "):
            result: dict[str, Any] = json.loads(line[len("BENCHJSON ") :])
            return result
    raise RuntimeError(f"wrk gave no result for {url}:\n{out.decode(errors='replace')}")


async def drive(
    wrk: str, target: Target, concurrency: int, seconds: int
) -> tuple[dict[str, Any], float]:
    """Run wrk against every URL of ``target`` at once (connections split between them)."""
    share = max(1, concurrency // len(target.urls))
    started = time.monotonic()
    parts = await asyncio.gather(
        *(wrk_once(wrk, url, target, share, seconds) for url in target.urls)
    )
    elapsed = time.monotonic() - started
    requests = sum(p["requests"] for p in parts)
    merged = {
        "requests": requests,
        "duration_us": max(p["duration_us"] for p in parts),
        "bad": sum(
            p["bad"] + p["connect_errors"] + p["read_errors"] + p["timeouts"] for p in parts
        ),
        # Two wrk processes: p50 weighted by requests, p99 the worse of the two (conservative).
        "p50_us": sum(p["p50_us"] * p["requests"] for p in parts) / max(requests, 1),
        "p99_us": max(p["p99_us"] for p in parts),
    }
    return merged, elapsed


class Bench:
    def __init__(self, config: Config, wrk: str) -> None:
        self.config = config
        self.wrk = wrk
        self.groups: dict[str, list[int]] = {
            "redis": find_pids("redis-server"),
            "rabbitmq": find_pids("beam.smp"),
        }
        self.runs: list[Run] = []
        self.memory: list[dict[str, Any]] = []

    async def check(self, target: Target) -> None:
        headers = {"Content-Type": target.content_type}
        if target.authorization:
            headers["Authorization"] = target.authorization
        async with aiohttp.ClientSession() as http:
            for url in target.urls:
                async with http.post(url, data=target.body.encode(), headers=headers) as resp:
                    body = await resp.json(content_type=None)
                    if resp.status != 200 or not target.check(body):
                        raise RuntimeError(f"{target.name} at {url} answered {resp.status}: {body}")

    async def measure(self, target: Target, concurrency: int, label: str = "") -> Run:
        """Median-of-``repeats`` throughput, with its latency and CPU per call."""
        await self.check(target)
        await drive(self.wrk, target, concurrency, self.config.warmup)
        samples: list[Run] = []
        for _ in range(self.config.repeats):
            groups = {
                g: target.pids[g] if g in target.pids else self.groups[g] for g in target.groups
            }
            before = snapshot(groups)
            result, elapsed = await drive(self.wrk, target, concurrency, self.config.duration)
            after = snapshot(groups)
            calls = max(result["requests"], 1)
            samples.append(
                Run(
                    target=target.name,
                    concurrency=concurrency,
                    rps=result["requests"] / (result["duration_us"] / 1e6),
                    p50_ms=result["p50_us"] / 1000,
                    p99_ms=result["p99_us"] / 1000,
                    requests=result["requests"],
                    bad=result["bad"],
                    cpu_ms_per_call={
                        g: round((after[g] - before[g]) * 1000 / calls, 4) for g in groups
                    },
                    label=label,
                )
            )
            del elapsed
        samples.sort(key=lambda r: r.rps)
        chosen = samples[len(samples) // 2]
        chosen.all_rps = [round(s.rps, 1) for s in samples]
        self.runs.append(chosen)
        cpu = "  ".join(f"{g} {v:.3f}" for g, v in chosen.cpu_ms_per_call.items())
        print(
            f"  {label or target.name:<34} c={concurrency:<3} {chosen.rps:>8.0f} req/s  "
            f"p50 {chosen.p50_ms:6.2f} ms  p99 {chosen.p99_ms:6.2f} ms  bad {chosen.bad}  "
            f"cpu ms/call: {cpu}",
            flush=True,
        )
        return chosen

    async def sample_memory(self, pids: Callable[[], dict[str, int]], every: float) -> None:
        started = time.monotonic()
        while True:
            row: dict[str, Any] = {"t": round(time.monotonic() - started, 1)}
            for name, pid in pids().items():
                row[name] = rss_kib(pid)
            self.memory.append(row)
            await asyncio.sleep(every)


# --- the processes under test -------------------------------------------------------------


def spawn(stack: Stack, name: str, argv: list[str], env: dict[str, str]) -> None:
    with (stack.logdir / f"{name}.log").open("ab") as log:
        stack.processes[name] = subprocess.Popen(
            [sys.executable, *argv], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )


async def wait_port(port: int, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {within} s")


def pids_of(stack: Stack, prefix: str) -> list[int]:
    return [p.pid for n, p in stack.processes.items() if n.startswith(prefix)]


async def add_workers(stack: Stack, count: int) -> None:
    before = len(pids_of(stack, "worker"))
    for i in range(before, before + count):
        stack.spawn(f"worker{i}", "services.functions")
    # A worker is ready once the broker reports it as a consumer of the bench queue.
    await asyncio.sleep(3)


# --- profiles -----------------------------------------------------------------------------


def summarise_profile(raw: Path, top: int = 15) -> dict[str, Any]:
    """Top functions by own and by inclusive samples from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    area: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_frame(f) for f in stack.split(";")]
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
        area[_area(stack.split(";")[-1])] += count

    def table(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": name, "samples": n, "share": round(n / max(total, 1), 4)}
            for name, n in counter.most_common(top)
        ]

    return {
        "samples": total,
        "own": table(own),
        "inclusive": table(inclusive),
        "own_by_area": table(area),
    }


def _frame(frame: str) -> str:
    # "handle_rest (services/gateway/rest.py:57)" -> "handle_rest (services/gateway/rest.py)"
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3.11/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})" if path else name


_AREAS = (
    ("aio_pika", "AMQP client (aio-pika/aiormq/pamqp)"),
    ("aiormq", "AMQP client (aio-pika/aiormq/pamqp)"),
    ("pamqp", "AMQP client (aio-pika/aiormq/pamqp)"),
    ("aiohttp", "HTTP server (aiohttp)"),
    ("multidict", "HTTP server (aiohttp)"),
    ("yarl", "HTTP server (aiohttp)"),
    ("redis", "Redis client (redis-py)"),
    ("shared/external", "validators (shared/external)"),
    ("services/gateway", "gateway code (services/gateway)"),
    ("services/functions", "worker code (services/functions)"),
    ("shared/", "shared/ (store, wire, errors)"),
    ("asyncio", "event loop (asyncio/uvloop)"),
    ("uvloop", "event loop (asyncio/uvloop)"),
    ("logging", "logging"),
    ("uuid", "stdlib other"),
)


def _area(frame: str) -> str:
    for needle, area in _AREAS:
        if needle in frame:
            return area
    return "other (stdlib, builtins)"


async def profile(bench: Bench, target: Target, pids: dict[str, int], seconds: int) -> None:
    """py-spy record of each pid while wrk drives ``target`` at concurrency 16."""
    assert PY_SPY is not None
    records = []
    for name, pid in pids.items():
        out = RESULTS / f"profile-{name}.txt"
        records.append(
            (
                name,
                out,
                await asyncio.create_subprocess_exec(
                    str(PY_SPY),
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(seconds),
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                ),
            )
        )
    await drive(bench.wrk, target, 16, seconds + 2)
    summaries = {}
    for name, out, proc in records:
        _, err = await proc.communicate()
        if proc.returncode != 0 or not out.exists():
            print(f"  py-spy failed for {name}: {err.decode(errors='replace')[-500:]}")
            continue
        summaries[name] = summarise_profile(out)
        print(f"  profile of the {name} ({summaries[name]['samples']} samples), own time by area:")
        for row in summaries[name]["own_by_area"][:8]:
            print(f"    {row['share'] * 100:5.1f} %  {row['function']}")
    (RESULTS / "profiles.json").write_text(json.dumps(summaries, indent=2) + "\n")


# --- the run ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError, IndexError, ValueError):
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
    }


def _sum_ok(body: Any) -> bool:
    return isinstance(body, dict) and body.get("sum") == 42


def _contents_ok(body: Any) -> bool:
    return isinstance(body, list) and sum(len(s["modules"]) for s in body) == 100


#: The issue's reference figures for the alternatives are at concurrency 16: only that one.
ALT_CONCURRENCY = 16


async def start_alternatives(
    config: Config, stack: Stack, token_key: str, body: str, logdir: Path
) -> tuple[list[Running], dict[str, str]]:
    """The alternatives that can run here, started and checked; why the others cannot."""
    running: list[Running] = []
    skipped: dict[str, str] = {}
    if not config.alternatives:
        return running, skipped
    print("starting the alternatives (BENCH_ALT=1)", flush=True)
    for alt in ALTERNATIVES:
        reason = alt.unavailable()
        if reason is None:
            try:
                running.append(
                    await start_alternative(
                        alt,
                        # One prefix per stack: two stacks may name a queue alike.
                        prefix=f"{stack.namespace}-{alt.stack}",
                        token_key=token_key,
                        body=body,
                        logdir=logdir,
                        redis_url=REDIS_URL,
                        amqp_url=AMQP_URL,
                    )
                )
                continue
            except RuntimeError as exc:
                reason = f"did not start: {str(exc)[-2000:]}"
        skipped[alt.label] = reason
        print(f"  {alt.label}: skipped, {reason}", flush=True)
    return running, skipped


async def stop_alternatives(running: list[Running]) -> None:
    while running:
        await stop_alternative(running.pop())


async def bench_all(config: Config, wrk: str) -> dict[str, Any]:
    bench = Bench(config, wrk)
    tmp = Path(tempfile.mkdtemp(prefix="wsbench-"))
    print(f"starting the stack (1 worker, WS_BENCH=1); logs in {tmp}", flush=True)
    stack = await start_stack(
        tmp, workers=1, WS_BENCH="1", TEST_EXTRA_COMPONENTS="local_bench", WS_DEBUG="none"
    )
    bare_queue = f"{stack.namespace}:bare-calls"
    token_key = f"{stack.namespace}:bare-token"
    direct_port, rpc_port = free_port(), free_port()
    sampler: asyncio.Task[None] | None = None
    alternatives: list[Running] = []
    skipped: dict[str, str] = {}
    try:
        # token.php refuses site admins tokens for non-mobile services (as Moodle does), so the
        # administrator creates one, as an operator would.
        token = stack.wsadmin("token", "create", "admin", "local_bench").stdout.split()[-1]
        # The baselines' one Redis lookup reads a key as big as a token record.
        redis = connect_redis(REDIS_URL)
        await redis.set(f"{token_key}:{token}", json.dumps({"id": 1, "userid": 2}) * 4)
        await redis.aclose()
        bare_env = {
            **stack.env,
            "BARE_QUEUE": bare_queue,
            "BARE_TOKEN_KEY": token_key,
            "REDIS_URL": REDIS_URL,
            "AMQP_URL": AMQP_URL,
        }
        spawn(
            stack,
            "bare-direct",
            ["-m", "bench.bare", "direct"],
            bare_env | {"BARE_PORT": str(direct_port)},
        )
        spawn(stack, "bare-rpc-worker", ["-m", "bench.bare", "rpc-worker"], bare_env)
        spawn(
            stack,
            "bare-rpc-gateway",
            ["-m", "bench.bare", "rpc-gateway"],
            bare_env | {"BARE_PORT": str(rpc_port)},
        )
        await wait_port(direct_port)
        await wait_port(rpc_port)
        # The alternatives read the bare baselines' token key: the same one Redis GET.
        alternatives, skipped = await start_alternatives(
            config, stack, token_key, f"wstoken={token}&a=20&b=22", tmp
        )

        def refresh_groups() -> None:
            bench.groups.update(
                gateway=pids_of(stack, "gateway"),
                workers=pids_of(stack, "worker"),
                bare_direct=pids_of(stack, "bare-direct"),
                bare_gateway=pids_of(stack, "bare-rpc-gateway"),
                bare_worker=pids_of(stack, "bare-rpc-worker"),
            )

        refresh_groups()

        def memory_pids() -> dict[str, int]:
            return {
                n: p.pid for n, p in stack.processes.items() if n.startswith(("gateway", "worker"))
            }

        sampler = asyncio.create_task(bench.sample_memory(memory_pids, 1.0))

        rest_body = f"wstoken={token}&moodlewsrestformat=json&wsfunction=local_bench_sum&a=20&b=22"
        ours = ("gateway", "workers", "redis", "rabbitmq")
        rest_sum = Target(
            "ours REST sum",
            [f"{stack.url}/webservice/rest/server.php"],
            rest_body,
            groups=ours,
            check=_sum_ok,
        )
        json_sum = Target(
            "ours JSON API sum",
            [f"{stack.url}/api/v1/functions/local_bench_sum"],
            '{"a": 20, "b": 22}',
            content_type="application/json",
            authorization=f"Bearer {token}",
            groups=ours,
            check=_sum_ok,
        )
        contents = Target(
            "ours REST contents (100 modules)",
            [f"{stack.url}/webservice/rest/server.php"],
            f"wstoken={token}&moodlewsrestformat=json&wsfunction=local_bench_contents&modules=100",
            groups=ours,
            check=_contents_ok,
        )
        bare_body = f"wstoken={token}&a=20&b=22"
        direct = Target(
            "bare aiohttp + Redis GET",
            [f"http://127.0.0.1:{direct_port}/sum"],
            bare_body,
            groups=("bare_direct", "redis"),
            check=_sum_ok,
        )
        bare_rpc = Target(
            "bare aiohttp + aio-pika RPC",
            [f"http://127.0.0.1:{rpc_port}/sum"],
            bare_body,
            groups=("bare_gateway", "bare_worker", "redis", "rabbitmq"),
            check=_sum_ok,
        )

        alt_targets = [
            Target(
                r.alternative.label,
                [r.url],
                bare_body,
                groups=("alt_front", "alt_worker", "redis", "rabbitmq"),
                pids=r.pids,
                check=_sum_ok,
            )
            for r in alternatives
        ]

        print("\n== our path against the baselines (1 worker, 1 gateway) ==", flush=True)
        for concurrency in config.concurrencies:
            extra = alt_targets if concurrency == ALT_CONCURRENCY else []
            for target in (direct, bare_rpc, rest_sum, json_sum, contents, *extra):
                await bench.measure(target, concurrency, label=target.name)
        # Idle, they would still take a little CPU from the scenarios below.
        await stop_alternatives(alternatives)

        if config.profile:
            print("\n== profiles at concurrency 16 (py-spy, not timed) ==", flush=True)
            await profile(
                bench,
                rest_sum,
                {"gateway": pids_of(stack, "gateway")[0], "worker": pids_of(stack, "worker")[0]},
                10,
            )

        print("\n== scaling at concurrency 16 ==", flush=True)
        await bench.measure(rest_sum, 16, label="scaling: 1 gateway, 1 worker")
        await add_workers(stack, 1)
        refresh_groups()
        await bench.measure(rest_sum, 16, label="scaling: 1 gateway, 2 workers")
        port2 = free_port()
        spawn(
            stack, "gateway2", ["-m", "services.gateway"], stack.env | {"WS_HTTP_PORT": str(port2)}
        )
        await stack.wait_healthy(f"http://127.0.0.1:{port2}")
        bench.groups["gateway"] = pids_of(stack, "gateway")
        two_gateways = Target(
            "ours REST sum, 2 gateways",
            [rest_sum.urls[0], f"http://127.0.0.1:{port2}/webservice/rest/server.php"],
            rest_body,
            groups=ours,
            check=_sum_ok,
        )
        await bench.measure(two_gateways, 16, label="scaling: 2 gateways, 2 workers")
        await add_workers(stack, 2)
        refresh_groups()
        bench.groups["gateway"] = pids_of(stack, "gateway")
        await bench.measure(rest_sum, 16, label="scaling: 1 gateway, 4 workers")
        await bench.measure(two_gateways, 16, label="scaling: 2 gateways, 4 workers")

        soak: dict[str, Any] = {}
        if config.soak:
            soak = await run_soak(bench, rest_sum, memory_pids)

        print("\n== micro-benchmarks ==", flush=True)
        micro = await run_micro(
            REDIS_URL, namespace=stack.namespace, token=token, quick=config.quick
        )
        print_cases(micro)
        return {
            "runs": [vars(r) for r in bench.runs],
            "memory": memory_summary(bench.memory),
            "memory_samples": bench.memory,
            "micro": micro,
            "soak": soak,
            "alternatives": {
                "enabled": config.alternatives,
                "measured": [t.name for t in alt_targets],
                "skipped": skipped,
            },
        }
    finally:
        if sampler is not None:
            sampler.cancel()
        await stop_alternatives(alternatives)
        await stop_stack(stack)
        redis = connect_redis(REDIS_URL)
        keys = [k async for k in redis.scan_iter(match=f"{token_key}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        shutil.rmtree(tmp, ignore_errors=True)


async def run_soak(
    bench: Bench, target: Target, pids: Callable[[], dict[str, int]]
) -> dict[str, Any]:
    print("\n== soak: 10 minutes at concurrency 16, memory sampled every 5 s ==", flush=True)
    samples: list[dict[str, Any]] = []
    soak_bench = Bench(bench.config, bench.wrk)
    soak_bench.memory = samples
    sampler = asyncio.create_task(soak_bench.sample_memory(pids, 5.0))
    try:
        result, _ = await drive(bench.wrk, target, 16, 600)
    finally:
        sampler.cancel()
    summary = {
        "requests": result["requests"],
        "bad": result["bad"],
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "memory": memory_summary(samples),
        "samples": samples,
    }
    (RESULTS / "soak.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def memory_summary(samples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per process: RSS (MiB) after warm-up, at the end, the peak, and the growth."""
    names = {k for row in samples for k in row if k != "t"}
    out = {}
    for name in sorted(names):
        series = [row[name] for row in samples if row.get(name)]
        if len(series) < 4:
            continue
        settled = series[len(series) // 10 :]  # the first tenth is start-up and warm-up
        out[name] = {
            "samples": len(series),
            "start_mib": round(settled[0] / 1024, 1),
            "end_mib": round(settled[-1] / 1024, 1),
            "peak_mib": round(max(settled) / 1024, 1),
            "growth_mib": round((settled[-1] - settled[0]) / 1024, 1),
        }
    return out


def ratios(runs: list[Run]) -> dict[str, dict[str, float]]:
    """Our REST path against each baseline, per concurrency (ours / baseline), and against
    each alternative measured (``alt …`` labels, at the concurrency they were measured at)."""
    by = {(r.label, r.concurrency): r for r in runs}
    out: dict[str, dict[str, float]] = {}
    for (label, c), alt in by.items():
        ours = by.get(("ours REST sum", c))
        if not label.startswith("alt ") or ours is None:
            continue
        front_cpu = max(alt.cpu_ms_per_call.get("alt_front", 0), 1e-9)
        out[f"ours REST sum / {label} @c{c}"] = {
            "throughput": round(ours.rps / alt.rps, 3),
            "p99": round(ours.p99_ms / alt.p99_ms, 3),
            # our gateway against the alternative's front: the process the client talks to
            "gateway_cpu": round(ours.cpu_ms_per_call.get("gateway", 0) / front_cpu, 3),
            # every process of the call, Redis and RabbitMQ included, on both sides
            "total_cpu": round(
                sum(ours.cpu_ms_per_call.values()) / max(sum(alt.cpu_ms_per_call.values()), 1e-9),
                3,
            ),
        }
    for (label, c), run_ in by.items():
        if not label.startswith("ours"):
            continue
        for base, group in (
            ("bare aiohttp + aio-pika RPC", "bare_gateway"),
            ("bare aiohttp + Redis GET", "bare_direct"),
        ):
            b = by.get((base, c))
            if b is None:
                continue
            gateway_cpu = run_.cpu_ms_per_call.get("gateway", 0)
            out[f"{label} / {base} @c{c}"] = {
                "throughput": round(run_.rps / b.rps, 3),
                "p99": round(run_.p99_ms / b.p99_ms, 3),
                "gateway_cpu": round(gateway_cpu / max(b.cpu_ms_per_call.get(group, 0), 1e-9), 3),
            }
    return out


def print_table(runs: list[Run]) -> None:
    groups = [
        "gateway",
        "workers",
        "bare_direct",
        "bare_gateway",
        "bare_worker",
        "redis",
        "rabbitmq",
    ]
    if any("alt_front" in r.cpu_ms_per_call for r in runs):
        groups[5:5] = ["alt_front", "alt_worker"]
    head = f"{'scenario':<34} {'c':>3} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'bad':>4}"
    print("\n" + head + "  CPU ms/call: " + " ".join(f"{g:>9}" for g in groups))
    for r in runs:
        cpu = " ".join(
            f"{r.cpu_ms_per_call[g]:>9.3f}" if g in r.cpu_ms_per_call else f"{'':>9}"
            for g in groups
        )
        print(
            f"{r.label:<34} {r.concurrency:>3} {r.rps:>8.0f} {r.p50_ms:>7.2f} {r.p99_ms:>7.2f} "
            f"{r.bad:>4}               {cpu}"
        )


def main() -> int:
    """Entry point of ``make bench``."""
    config = Config.from_env()
    wrk = ensure_wrk()
    if PY_SPY is None and not config.quick:
        print("py-spy not found in .venv-tools or .venv: profiles are skipped")
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = machine()
    print(f"machine: {info}\nconfig: {config}", flush=True)
    results = run(bench_all(config, wrk))
    runs = [Run(**r) for r in results["runs"]]
    print_table(runs)
    rat = ratios(runs)
    print("\nratios (ours / baseline; throughput > 1 is better, p99 and CPU < 1 are better):")
    for name, r in rat.items():
        total = f"  total CPU x{r['total_cpu']:.2f}" if "total_cpu" in r else ""
        print(
            f"  {name:<86} rps x{r['throughput']:.2f}  p99 x{r['p99']:.2f}  "
            f"gateway CPU x{r['gateway_cpu']:.2f}{total}"
        )
    print("\nmemory (RSS MiB, after warm-up → end):")
    for name, m in results["memory"].items():
        print(
            f"  {name:<10} {m['start_mib']:>7} → {m['end_mib']:>7}  "
            f"peak {m['peak_mib']}  growth {m['growth_mib']}"
        )
    out = RESULTS / ("bench-quick.json" if config.quick else "bench.json")
    document = {
        "machine": info,
        "loadavg_at_end": os.getloadavg(),
        "config": vars(config),
        "seconds": round(time.monotonic() - started, 1),
        "ratios": rat,
        **results,
        "run_id": secrets.token_hex(4),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    out.write_text(json.dumps(document, indent=2) + "\n")
    (RESULTS / "micro.json").write_text(json.dumps(results["micro"], indent=2) + "\n")
    print(f"\nwritten {out} in {document['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
