"""Per-process cache of what the access checks read: tokens, users, services, roles, config.

A cached call's checks make no Redis round trip. Entries (misses included) live for ``ttl``
seconds at most, and every write path publishes an invalidation (``Store.invalidate``:
``token:<hash>``, ``user:<id>``, ``service:<id>``, ``config:<name>``, ``role:<id>``) that
:mod:`services.gateway.invalidation` applies here, so a revoked token, a suspended user or a
disabled service is refused by every gateway within the pub/sub delay (milliseconds), the TTL
being only the safety net for a lost message.

A lookup that started before an invalidation is not stored afterwards (the ``epoch``
counter), so a slow read cannot resurrect what was just dropped.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.contexts import SYSTEM_CONTEXT_ID
from shared.records import AuthorisedUser, ServiceRecord, TokenRecord, UserRecord
from shared.roles import AUTHENTICATED_ROLE, RoleStore
from shared.store import Store

__all__ = ["CachedService", "TokenCache", "UserCapabilities"]

T = TypeVar("T")
K = TypeVar("K")

#: Misses are kept shorter: a token created by another process is announced, but a miss
#: costs little to re-check.
_MISS_TTL_MAX = 5.0


@dataclass(frozen=True, slots=True)
class CachedService:
    record: ServiceRecord
    functions: frozenset[str]


@dataclass(frozen=True, slots=True)
class UserCapabilities:
    """Capabilities from the user's roles: in the system context, and in any context."""

    system: frozenset[str]
    anywhere: frozenset[str]


class TokenCache:
    """Read-through cache; ``ttl <= 0`` turns caching off (every lookup reads Redis)."""

    def __init__(
        self, store: Store, roles: RoleStore, *, ttl: float = 30.0, max_entries: int = 100_000
    ) -> None:
        self.store = store
        self.roles = roles
        self.ttl = ttl
        self.max_entries = max_entries
        self.epoch = 0
        self.tokens: dict[str, tuple[tuple[TokenRecord, int] | None, float]] = {}
        self.token_misses: dict[str, float] = {}
        self.users: dict[int, tuple[UserRecord | None, float]] = {}
        self.services: dict[int, tuple[CachedService | None, float]] = {}
        self.authorised: dict[tuple[int, int], tuple[AuthorisedUser | None, float]] = {}
        self.capabilities: dict[int, tuple[UserCapabilities, float]] = {}
        self._config: tuple[dict[str, str], float] | None = None
        #: Token lookups answered from memory / from Redis (read by /metrics).
        self.hits = 0
        self.misses = 0

    # --- lookups -------------------------------------------------------------------------------
    async def _cached(
        self,
        table: dict[K, tuple[T, float]],
        key: K,
        fetch: Callable[[], Awaitable[T]],
    ) -> T:
        now = time.monotonic()
        entry = table.get(key)
        if entry is not None and entry[1] > now:
            return entry[0]
        epoch = self.epoch
        value = await fetch()
        if self.ttl > 0 and epoch == self.epoch:
            ttl = self.ttl if value is not None else min(self.ttl, _MISS_TTL_MAX)
            _bounded_put(table, key, (value, now + ttl), self.max_entries)
        return value

    async def token(self, token_hash: str) -> tuple[TokenRecord, int] | None:
        """The token record and its ``lastaccess`` as last known here.

        Unknown tokens are remembered apart from known ones, so a client spraying random
        tokens fills (and evicts from) the misses table only, never the real tokens'."""
        now = time.monotonic()
        entry = self.tokens.get(token_hash)
        if entry is not None and entry[1] > now:
            self.hits += 1
            return entry[0]
        miss = self.token_misses.get(token_hash)
        if miss is not None and miss > now:
            self.hits += 1
            return None
        self.misses += 1
        epoch = self.epoch
        found = await self.store.get_token(token_hash)
        if self.ttl > 0 and epoch == self.epoch:
            if found is None:
                _bounded_put(
                    self.token_misses,
                    token_hash,
                    now + min(self.ttl, _MISS_TTL_MAX),
                    self.max_entries,
                )
            else:
                _bounded_put(self.tokens, token_hash, (found, now + self.ttl), self.max_entries)
        return found

    def note_lastaccess(self, token_hash: str, lastaccess: int) -> None:
        entry = self.tokens.get(token_hash)
        if entry is not None and entry[0] is not None:
            self.tokens[token_hash] = ((entry[0][0], lastaccess), entry[1])

    async def user(self, userid: int) -> UserRecord | None:
        return await self._cached(self.users, userid, lambda: self.store.get_user(userid))

    async def service(self, serviceid: int) -> CachedService | None:
        async def fetch() -> CachedService | None:
            record = await self.store.get_service(serviceid)
            if record is None:
                return None
            functions = await self.store.service_functions(serviceid)
            return CachedService(record, frozenset(functions))

        return await self._cached(self.services, serviceid, fetch)

    async def authorised_user(self, serviceid: int, userid: int) -> AuthorisedUser | None:
        return await self._cached(
            self.authorised,
            (serviceid, userid),
            lambda: self.store.get_authorised_user(serviceid, userid),
        )

    async def user_capabilities(self, userid: int) -> UserCapabilities:
        async def fetch() -> UserCapabilities:
            system: set[str] = set()
            anywhere: set[str] = set()
            default = await self.roles.get_role_by_shortname(AUTHENTICATED_ROLE)
            if default is not None:
                system.update(default.capabilities)
            for assignment in await self.roles.assignments(userid):
                role = await self.roles.get_role(assignment.roleid)
                if role is None:
                    continue
                if assignment.contextid == SYSTEM_CONTEXT_ID:
                    system.update(role.capabilities)
                anywhere.update(role.capabilities)
            return UserCapabilities(frozenset(system), frozenset(anywhere | system))

        return await self._cached(self.capabilities, userid, fetch)

    async def config(self) -> dict[str, str]:
        now = time.monotonic()
        if self._config is not None and self._config[1] > now:
            return self._config[0]
        epoch = self.epoch
        value = await self.store.get_config()
        if self.ttl > 0 and epoch == self.epoch:
            self._config = (value, now + self.ttl)
        return value

    # --- invalidation --------------------------------------------------------------------------
    def invalidate(self, kind: str, ident: str) -> None:
        """Apply one invalidation message (``kind:ident``); unknown kinds are ignored."""
        self.epoch += 1
        if kind == "token":
            self.tokens.pop(ident, None)
            self.token_misses.pop(ident, None)
        elif kind == "user":
            userid = _int(ident)
            if userid is None:
                self.users.clear()
                self.capabilities.clear()
                self.authorised.clear()
            else:
                self.users.pop(userid, None)
                self.capabilities.pop(userid, None)
                for key in [k for k in self.authorised if k[1] == userid]:
                    del self.authorised[key]
        elif kind == "service":
            serviceid = _int(ident)
            if serviceid is None:
                self.services.clear()
                self.authorised.clear()
            else:
                self.services.pop(serviceid, None)
                for key in [k for k in self.authorised if k[0] == serviceid]:
                    del self.authorised[key]
        elif kind == "role":
            self.capabilities.clear()
        elif kind == "config":
            self._config = None

    def clear(self) -> None:
        """Forget everything (the invalidation channel was lost, so messages may have been)."""
        self.epoch += 1
        for table in (self.tokens, self.users, self.services, self.authorised, self.capabilities):
            table.clear()
        self.token_misses.clear()
        self._config = None

    def stats(self) -> dict[str, Any]:
        return {
            "tokens": len(self.tokens),
            "users": len(self.users),
            "services": len(self.services),
            "epoch": self.epoch,
        }


def _bounded_put(table: dict[K, T], key: K, value: T, limit: int) -> None:
    if len(table) >= limit and key not in table:
        table.pop(next(iter(table)))  # oldest insertion first out
    table[key] = value


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
