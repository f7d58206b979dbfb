"""Moodle's context tree: every place a role can be assigned or a file can live.

A context is (level, instance id) with a numeric id and a path of ancestor ids
(``/1/3/15``): system ⊃ course category ⊃ course ⊃ module, and system ⊃ user. Ids are
allocated on first use and stable afterwards. Capability checks walk the path; file URLs
carry the context id.
"""

from __future__ import annotations

import msgspec
import redis.asyncio as aioredis

from shared.constants import Names

__all__ = [
    "CONTEXT_BLOCK",
    "CONTEXT_COURSE",
    "CONTEXT_COURSECAT",
    "CONTEXT_MODULE",
    "CONTEXT_SYSTEM",
    "CONTEXT_USER",
    "LEVEL_NAMES",
    "SYSTEM_CONTEXT_ID",
    "Context",
    "ContextStore",
]

CONTEXT_SYSTEM = 10
CONTEXT_USER = 30
CONTEXT_COURSECAT = 40
CONTEXT_COURSE = 50
CONTEXT_MODULE = 70
CONTEXT_BLOCK = 80

#: Names accepted where Moodle accepts a context level name (``contextlevel=course``).
LEVEL_NAMES = {
    "system": CONTEXT_SYSTEM,
    "user": CONTEXT_USER,
    "coursecat": CONTEXT_COURSECAT,
    "course": CONTEXT_COURSE,
    "module": CONTEXT_MODULE,
    "block": CONTEXT_BLOCK,
}

#: The system context is always id 1, as in Moodle.
SYSTEM_CONTEXT_ID = 1


class Context(msgspec.Struct, frozen=True):
    id: int
    contextlevel: int
    instanceid: int
    #: Ancestor ids from the system context down to this one, e.g. "/1/3/15".
    path: str

    @property
    def depth(self) -> int:
        return self.path.count("/")

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the system context down to (and including) this one."""
        return [int(part) for part in self.path.strip("/").split("/")]

    @property
    def parent_id(self) -> int | None:
        ids = self.ancestor_ids
        return ids[-2] if len(ids) > 1 else None


SYSTEM = Context(SYSTEM_CONTEXT_ID, CONTEXT_SYSTEM, 0, f"/{SYSTEM_CONTEXT_ID}")

_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(Context)


class ContextStore:
    """Contexts in Redis: ``{ns}:ctx:<id>`` records and a ``level:instance -> id`` index."""

    def __init__(self, redis: aioredis.Redis, names: Names) -> None:
        self.redis = redis
        self.names = names

    def _record(self, contextid: int) -> str:
        return self.names.key("ctx", contextid)

    @property
    def _index(self) -> str:
        return self.names.key("ctxindex")

    async def get(self, contextid: int) -> Context | None:
        if contextid == SYSTEM_CONTEXT_ID:
            return SYSTEM
        raw = await self.redis.get(self._record(contextid))
        return None if raw is None else _dec.decode(raw)

    async def find(self, contextlevel: int, instanceid: int) -> Context | None:
        if contextlevel == CONTEXT_SYSTEM:
            return SYSTEM
        found = await self.redis.hget(self._index, f"{contextlevel}:{instanceid}")
        return None if found is None else await self.get(int(found))

    async def ensure(
        self, contextlevel: int, instanceid: int, parent: Context | None = None
    ) -> Context:
        """The context of (level, instance), created under ``parent`` (default: system)."""
        if contextlevel == CONTEXT_SYSTEM:
            return SYSTEM
        existing = await self.find(contextlevel, instanceid)
        if existing is not None:
            return existing
        parent = parent or SYSTEM
        # Ids start above the system context's 1; HINCRBY makes them unique across processes.
        newid = int(await self.redis.hincrby(self.names.ids, "context", 1)) + SYSTEM_CONTEXT_ID
        if not await self.redis.hsetnx(self._index, f"{contextlevel}:{instanceid}", newid):
            found = await self.find(contextlevel, instanceid)  # another process won the race
            if found is not None:
                return found
        context = Context(newid, contextlevel, instanceid, f"{parent.path}/{newid}")
        await self.redis.set(self._record(newid), _enc.encode(context))
        return context
