"""Micro-benchmark of the worker's hop to the functions loop (services/functions/fnloop.py).

``concurrency`` tasks on the calling loop each await trivial coroutines run on the functions
loop (a second uvloop loop in its own thread, as in the worker), through:

* ``threadsafe``: ``asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))``, the
  hop the worker used before (reimplemented here as the baseline);
* ``FunctionLoop.run``: the batched hop.

Figures per call: wall-clock microseconds, calls per second, and process CPU microseconds
(both threads). Best of a few rounds. Run with ``.venv/bin/python -m bench.fnloop``
(``--calls N`` to change the calls per round).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from services.functions.fnloop import FunctionLoop
from shared import aio
from shared.constants import Names

__all__ = ["main"]

CONCURRENCY = (1, 16, 64)
ROUNDS = 3

Runner = Callable[[Coroutine[Any, Any, int]], Awaitable[int]]


async def trivial() -> int:
    return 1


async def _round(run: Runner, concurrency: int, calls: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for ``calls`` calls spread over ``concurrency`` tasks."""
    per_task = calls // concurrency

    async def worker() -> None:
        for _ in range(per_task):
            await run(trivial())

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - wall, time.process_time() - cpu


async def _measure(run: Runner, concurrency: int, calls: int) -> dict[str, float]:
    await _round(run, concurrency, calls // 10)  # warm-up
    results = [await _round(run, concurrency, calls) for _ in range(ROUNDS)]
    done = calls // concurrency * concurrency
    wall = min(w for w, _ in results)
    cpu = min(c for _, c in results)
    return {
        "us_per_call": wall / done * 1e6,
        "calls_per_s": done / wall,
        "cpu_us": cpu / done * 1e6,
    }


async def _bench(calls: int) -> dict[str, dict[int, dict[str, float]]]:
    # Baseline: a bare functions loop in a thread, reached with run_coroutine_threadsafe.
    loop = aio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="functions", daemon=True)
    thread.start()

    def threadsafe(coro: Coroutine[Any, Any, int]) -> Awaitable[int]:
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    names = Names("wsbench-fnloop")
    fnloop = FunctionLoop("redis://127.0.0.1:6379/0", names, tempfile.gettempdir())
    await fnloop.start()  # the Redis client it opens connects lazily: never, here
    results: dict[str, dict[int, dict[str, float]]] = {"threadsafe": {}, "FunctionLoop.run": {}}
    try:
        for concurrency in CONCURRENCY:
            results["threadsafe"][concurrency] = await _measure(threadsafe, concurrency, calls)
            results["FunctionLoop.run"][concurrency] = await _measure(
                fnloop.run, concurrency, calls
            )
    finally:
        await fnloop.close()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000, help="calls per round")
    args = parser.parse_args()
    results = aio.run(_bench(args.calls))
    print(f"{'hop':<18}{'concurrency':>12}{'µs/call':>10}{'calls/s':>11}{'CPU µs/call':>13}")
    for name, by_concurrency in results.items():
        for concurrency, r in by_concurrency.items():
            print(
                f"{name:<18}{concurrency:>12}{r['us_per_call']:>10.1f}"
                f"{r['calls_per_s']:>11,.0f}{r['cpu_us']:>13.1f}"
            )


if __name__ == "__main__":
    main()
