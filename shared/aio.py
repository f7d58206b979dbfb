"""Event loops for the services: uvloop when it is installed, asyncio's own otherwise."""

from __future__ import annotations

import asyncio
import gc
import importlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["new_event_loop", "run", "tune_gc"]

T = TypeVar("T")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:  # optional: the services run on asyncio's loop without it
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


new_event_loop = _loop_factory()


def run(main: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)


#: Allocations between two young-generation collections (CPython's default is 700).
GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """Collect garbage less often, and never look at what start-up created again.

    A large call result (a course of hundreds of modules) is tens of thousands of small dicts
    and lists, decoded, cleaned and rendered within a millisecond or two. With CPython's
    default thresholds that set off dozens of young collections per call and, every hundred of
    those, a full one over the whole heap: about a third of the gateway's CPU on such calls
    (docs/performance.md). A higher first threshold keeps the young collections rare, and
    freezing what the imports and settings created moves it out of every later full
    collection. Reference counting still frees everything acyclic at once; only cyclic garbage
    waits a little longer.
    """
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)
