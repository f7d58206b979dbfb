"""Plugin code runs on an event loop of its own, in a thread of its own.

The worker's main loop holds the broker connection: if plugin code blocked it (a synchronous
library call, a CPU-heavy loop), heartbeats would stop, the broker would drop the connection
and redeliver calls that are still running. Here the main loop only moves messages; each call
runs on the functions loop, so a blocking function stalls other functions but never the
heartbeats (CPU-bound code still shares the GIL, which Python hands over every few
milliseconds). Plugins should still use ``run_blocking`` for blocking work.

The functions loop has its own Redis client and stores (asyncio clients belong to the loop
that created them).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import redis.asyncio as aioredis

from shared.aio import new_event_loop
from shared.constants import Names
from shared.contexts import ContextStore
from shared.filestore import FileStore
from shared.roles import RoleStore
from shared.store import Store, connect_redis

__all__ = ["FunctionLoop", "Resources"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resources:
    """Clients and stores living on the functions loop, handed to plugins."""

    redis: aioredis.Redis
    store: Store
    contexts: ContextStore
    roles: RoleStore
    files: FileStore


class FunctionLoop:
    def __init__(self, redis_url: str, names: Names, files_dir: str) -> None:
        self._redis_url = redis_url
        self._names = names
        self._files_dir = files_dir
        self._loop = new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="functions", daemon=True
        )
        self._resources: Resources | None = None

    @property
    def resources(self) -> Resources:
        assert self._resources is not None, "FunctionLoop.start() first"
        return self._resources

    async def start(self) -> None:
        self._thread.start()
        self._resources = await self.run(self._open())

    async def _open(self) -> Resources:
        redis = connect_redis(self._redis_url)
        names = self._names
        return Resources(
            redis=redis,
            store=Store(redis, names),
            contexts=ContextStore(redis, names),
            roles=RoleStore(redis, names),
            files=FileStore(redis, names, Path(self._files_dir)),
        )

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the functions loop and wait for it from the calling loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    async def close(self) -> None:
        if self._resources is not None:
            await self.run(self._resources.redis.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join, 5)
        if not self._thread.is_alive():
            self._loop.close()
