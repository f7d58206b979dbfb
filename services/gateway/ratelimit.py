"""Rate limits per token and per client address: a Redis sliding window, one round trip.

The window is the classic "sliding window counter": counts of the current and the previous
fixed window, the previous one weighted by how much of it still overlaps the sliding window.
Exact enough (it never lets through more than the limit in any window-long span by more than
the approximation allows) and O(1) memory per key, unlike a log of timestamps.

Both limits are checked by one Lua script, so enabling them costs one Redis round trip per
call; with both limits at 0 (the default) the limiter is not consulted at all.
"""

from __future__ import annotations

import logging
import math
import time

import redis.asyncio as aioredis
import redis.exceptions

from shared.constants import Names
from shared.errors import WSError

__all__ = ["RateLimited", "RateLimiter"]

log = logging.getLogger(__name__)

#: KEYS: [current, previous] per limited identity, in pairs. ARGV: limit per pair, then the
#: previous window's weight (0..1) and the key lifetime (ms). Returns 0 when allowed, else the
#: 1-based index of the first exceeded pair. Nothing is counted for a refused call.
_SCRIPT = """
local weight = tonumber(ARGV[#ARGV - 1])
local ttl = tonumber(ARGV[#ARGV])
local pairs = #KEYS / 2
for i = 1, pairs do
  local limit = tonumber(ARGV[i])
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if current + previous * weight >= limit then return i end
end
for i = 1, pairs do
  redis.call('INCR', KEYS[2 * i - 1])
  redis.call('PEXPIRE', KEYS[2 * i - 1], ttl)
end
return 0
"""


class RateLimited(WSError):
    """Too many calls; ``retry_after`` is the number of seconds to wait (at least 1)."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(
            "ratelimited",
            "Too many requests, please try again later",
            f"Rate limit per {scope} exceeded; retry after {retry_after} s",
        )
        self.retry_after = retry_after


class RateLimiter:
    """Limits calls per token and per client address within ``window`` seconds."""

    def __init__(
        self,
        redis: aioredis.Redis,
        names: Names,
        *,
        per_token: int = 0,
        per_address: int = 0,
        window: int = 60,
    ) -> None:
        self.names = names
        self.per_token = per_token
        self.per_address = per_address
        self.window = max(1, window)
        self._script = redis.register_script(_SCRIPT)

    @property
    def enabled(self) -> bool:
        return self.per_token > 0 or self.per_address > 0

    async def check(self, token_hash: str, address: str) -> None:
        """Count one call; raise :class:`RateLimited` when a limit is reached."""
        if not self.enabled:
            return
        now = time.time()
        slot = int(now // self.window)
        scopes: list[tuple[str, str, int]] = []
        if self.per_address > 0:
            scopes.append(("address", address or "-", self.per_address))
        if self.per_token > 0 and token_hash:
            scopes.append(("token", token_hash, self.per_token))
        if not scopes:
            return
        keys: list[str] = []
        for kind, ident, _ in scopes:
            keys.append(self.names.ratelimit(kind, ident, slot))
            keys.append(self.names.ratelimit(kind, ident, slot - 1))
        elapsed = now - slot * self.window
        weight = 1.0 - elapsed / self.window
        args = [limit for _, _, limit in scopes] + [weight, self.window * 2000]
        try:
            exceeded = int(await self._script(keys=keys, args=args))
        except redis.exceptions.RedisError as exc:
            # Fail open: a limiter outage must not become a site outage.
            log.warning("rate limiter unavailable: %r", exc)
            return
        if exceeded:
            # The estimate falls below the limit by the end of the current window at latest.
            retry = max(1, math.ceil(self.window - elapsed))
            raise RateLimited(scopes[exceeded - 1][0], retry)
