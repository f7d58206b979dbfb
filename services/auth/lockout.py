"""Account lockout after repeated wrong passwords (Moodle's lockoutthreshold/window/duration).

Per user, a Redis hash keeps the failures counted in the current window and, once the
threshold is reached, when the lock ends. Counting is one Lua script, so concurrent failed
logins cannot under-count. A locked account answers ``invalidlogin`` like any other failure
(token.php does not tell lockouts apart); ``wsadmin user unlock`` or a successful login
after the lock expired clears the counters.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from shared.constants import Names

__all__ = ["Lockout"]

#: KEYS: the user's lockout hash. ARGV: now, window, threshold, duration.
#: Returns 1 when this failure locked the account.
_RECORD_FAILURE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local threshold = tonumber(ARGV[3])
local duration = tonumber(ARGV[4])
local expires = tonumber(redis.call('HGET', KEYS[1], 'until') or '-1')
if expires > 0 and expires <= now then
  redis.call('DEL', KEYS[1])  -- an expired lock starts a fresh count
end
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if now - last > window then count = 0 end
count = count + 1
redis.call('HSET', KEYS[1], 'count', count, 'last', now)
local locked = 0
if threshold > 0 and count >= threshold and redis.call('HEXISTS', KEYS[1], 'locked') == 0 then
  redis.call('HSET', KEYS[1], 'locked', now, 'until', duration > 0 and now + duration or 0)
  locked = 1
end
if duration > 0 or redis.call('HEXISTS', KEYS[1], 'locked') == 0 then
  redis.call('EXPIRE', KEYS[1], math.max(window, duration) + 60)
else
  redis.call('PERSIST', KEYS[1])
end
return locked
"""


class Lockout:
    """Failed-password counting; ``threshold <= 0`` disables lockout."""

    def __init__(
        self,
        redis: aioredis.Redis,
        names: Names,
        *,
        threshold: int,
        window: int,
        duration: int,
    ) -> None:
        self.redis = redis
        self.names = names
        self.threshold = threshold
        self.window = window
        self.duration = duration
        self._record = redis.register_script(_RECORD_FAILURE)

    async def is_locked(self, userid: int, now: int) -> bool:
        if self.threshold <= 0:
            return False
        locked, until = await self.redis.hmget(self.names.lockout(userid), ["locked", "until"])
        if locked is None:
            return False
        end = int(until or 0)
        return end == 0 or end > now

    async def record_failure(self, userid: int, now: int) -> bool:
        """Count a wrong password; True when this one locked the account."""
        args = [now, self.window, self.threshold, self.duration]
        return bool(await self._record(keys=[self.names.lockout(userid)], args=args))

    async def clear(self, userid: int) -> bool:
        """Forget failures and any lock (successful login, ``wsadmin user unlock``)."""
        return bool(await self.redis.delete(self.names.lockout(userid)))
