"""The gateway's view of the function catalog, with validators compiled once per entry.

Workers publish descriptions (JSON) to Redis; the gateway compiles each into a parameter
validator and a return cleaner and keeps them until the catalog changes (an invalidation
message) or a call names a function it has not seen (re-read at most once a second).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.constants import CATALOG_RELOAD_MIN_INTERVAL
from shared.external import (
    Description,
    compile_parameters,
    compile_returns,
    description_from_dict,
)
from shared.store import Store
from shared.wire import FunctionInfo

__all__ = ["Catalog", "CompiledFunction"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CompiledFunction:
    info: FunctionInfo
    parameters: Description
    returns: Description | None
    validate: Callable[[Any], Any]
    clean: Callable[[Any], Any]
    #: AMQP queue of the function's component.
    queue: str


class Catalog:
    def __init__(self, store: Store, *, developer: bool) -> None:
        self.store = store
        self.developer = developer
        self.functions: dict[str, CompiledFunction] = {}
        self._loaded_at = 0.0
        self._stale = True

    def invalidate(self) -> None:
        self._stale = True

    async def load(self) -> None:
        infos = await self.store.get_catalog()
        compiled: dict[str, CompiledFunction] = {}
        for name, info in infos.items():
            old = self.functions.get(name)
            if old is not None and old.info == info:
                compiled[name] = old  # unchanged: keep the compiled validators
                continue
            try:
                compiled[name] = self._compile(info)
            except Exception:
                # One bad description must not take every other function down with it.
                log.exception("cannot compile the description of %s; skipping it", name)
        self.functions = compiled
        self._loaded_at = time.monotonic()
        self._stale = False

    def _compile(self, info: FunctionInfo) -> CompiledFunction:
        params = description_from_dict(info.parameters)
        returns = None if info.returns is None else description_from_dict(info.returns)
        return CompiledFunction(
            info=info,
            parameters=params,
            returns=returns,
            validate=compile_parameters(params, developer=self.developer),
            clean=compile_returns(returns, developer=self.developer),
            queue=self.store.names.call_queue(info.component),
        )

    async def get(self, name: str) -> CompiledFunction | None:
        if self._stale:
            await self.load()
        found = self.functions.get(name)
        if found is None and time.monotonic() - self._loaded_at >= CATALOG_RELOAD_MIN_INTERVAL:
            await self.load()
            found = self.functions.get(name)
        return found

    async def all(self) -> list[CompiledFunction]:
        if self._stale:
            await self.load()
        return [self.functions[n] for n in sorted(self.functions)]
