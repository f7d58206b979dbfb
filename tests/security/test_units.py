"""The access layer's parts against real Redis: cache, lockout, rate limiter, audit stream."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.auth.lockout import Lockout
from services.gateway.ratelimit import RateLimited, RateLimiter
from services.gateway.tokencache import TokenCache
from shared.audit import AuditLog, read_events
from shared.records import TokenRecord, UserRecord
from shared.roles import RoleStore, ensure_default_roles
from shared.store import Store


def _cache(store: Store, ttl: float = 30.0, size: int = 1000) -> TokenCache:
    return TokenCache(store, RoleStore(store.redis, store.names), ttl=ttl, max_entries=size)


async def _token(store: Store, userid: int = 1) -> TokenRecord:
    return await store.create_token(
        TokenRecord(id=0, hash=f"{time.time_ns():064x}", nonce="n", userid=userid, serviceid=1)
    )


async def test_cache_serves_from_memory_until_invalidated(store: Store) -> None:
    cache = _cache(store)
    token = await _token(store)
    assert (await cache.token(token.hash)) is not None
    await store.redis.delete(store.names.token(token.hash))  # behind the cache's back
    assert (await cache.token(token.hash)) is not None  # still cached: no Redis read
    cache.invalidate("token", token.hash)
    assert await cache.token(token.hash) is None


async def test_cache_off_reads_every_time(store: Store) -> None:
    cache = _cache(store, ttl=0)
    token = await _token(store)
    assert await cache.token(token.hash) is not None
    await store.redis.delete(store.names.token(token.hash))
    assert await cache.token(token.hash) is None


async def test_lookup_racing_an_invalidation_is_not_stored(store: Store) -> None:
    cache = _cache(store)
    user = await store.create_user(UserRecord(id=0, username="racer"))
    slow = asyncio.create_task(cache.user(user.id))
    await asyncio.sleep(0)  # the read has started and waits on Redis
    cache.invalidate("user", str(user.id))  # arrives while the read is in flight
    assert (await slow) is not None
    assert user.id not in cache.users


async def test_cache_is_bounded(store: Store) -> None:
    cache = _cache(store, size=3)
    real = await _token(store)
    await cache.token(real.hash)
    for i in range(10):
        assert await cache.token(f"{i:064x}") is None  # misses are cached too ...
    assert len(cache.token_misses) == 3
    assert real.hash in cache.tokens  # ... without evicting real tokens
    await store.create_token(
        TokenRecord(id=0, hash=f"{9:064x}", nonce="n", userid=1, serviceid=1)
    )  # announced: the cached miss is dropped
    cache.invalidate("token", f"{9:064x}")
    assert await cache.token(f"{9:064x}") is not None


async def test_capabilities_by_context(store: Store) -> None:
    roles = RoleStore(store.redis, store.names)
    defaults = await ensure_default_roles(roles)
    cache = _cache(store)
    caps = await cache.user_capabilities(42)
    assert "webservice/rest:use" in caps.system
    await roles.assign(42, defaults["editingteacher"].id, 7)
    cache.invalidate("user", "42")
    caps = await cache.user_capabilities(42)
    assert "moodle/course:update" in caps.anywhere
    assert "moodle/course:update" not in caps.system


async def test_lockout_window_threshold_and_duration(store: Store) -> None:
    lockout = Lockout(store.redis, store.names, threshold=3, window=100, duration=50)
    now = 1_000_000
    assert not await lockout.record_failure(7, now)
    assert not await lockout.record_failure(7, now + 1)
    assert not await lockout.record_failure(7, now + 200)  # window passed: count restarts
    assert not await lockout.record_failure(7, now + 201)
    assert await lockout.record_failure(7, now + 202)  # third within the window
    assert await lockout.is_locked(7, now + 210)
    assert not await lockout.is_locked(7, now + 260)  # duration over
    assert not await lockout.record_failure(7, now + 261)  # a fresh count after the lock
    await lockout.clear(7)
    assert not await lockout.is_locked(7, now + 262)


async def test_lockout_until_unlocked_and_disabled(store: Store) -> None:
    forever = Lockout(store.redis, store.names, threshold=1, window=10, duration=0)
    assert await forever.record_failure(8, 5)
    assert await forever.is_locked(8, 10**9)
    assert await forever.clear(8)
    assert not await forever.is_locked(8, 10**9)
    off = Lockout(store.redis, store.names, threshold=0, window=10, duration=10)
    for i in range(50):
        assert not await off.record_failure(9, i)
    assert not await off.is_locked(9, 50)


async def test_rate_limiter(store: Store) -> None:
    limiter = RateLimiter(store.redis, store.names, per_token=2, per_address=5, window=3600)
    await limiter.check("t1", "10.0.0.1")
    await limiter.check("t1", "10.0.0.1")
    with pytest.raises(RateLimited) as raised:
        await limiter.check("t1", "10.0.0.1")
    assert raised.value.errorcode == "ratelimited"
    assert 1 <= raised.value.retry_after <= 3600
    await limiter.check("t2", "10.0.0.1")  # refused calls were not counted
    await limiter.check("t3", "10.0.0.1")
    await limiter.check("t4", "10.0.0.1")
    with pytest.raises(RateLimited) as raised:
        await limiter.check("t5", "10.0.0.1")
    assert "per address" in str(raised.value.debuginfo)
    await limiter.check("t5", "10.0.0.2")
    assert not RateLimiter(store.redis, store.names).enabled


async def test_audit_stream_filters_and_caps(store: Store) -> None:
    audit = AuditLog(store.redis, store.names, maxlen=1000)
    audit.start()
    for i in range(30):
        audit.emit("webservice_function_called", userid=i, other={"function": "f"})
        if i % 10 == 0:
            audit.emit("webservice_login_failed", reason="invalid_token")
    await audit.close()
    assert len(await read_events(store.redis, store.names, limit=5)) == 5
    failed = await read_events(store.redis, store.names, eventname="webservice_login_failed")
    assert [e.reason for e in failed] == ["invalid_token"] * 3
    called = await read_events(
        store.redis, store.names, limit=100, eventname="webservice_function_called"
    )
    assert [e.userid for e in called] == list(range(30))  # oldest first


async def test_default_roles_keep_administrators_changes(store: Store) -> None:
    roles = RoleStore(store.redis, store.names)
    user_role = (await ensure_default_roles(roles))["user"]
    assert "webservice/rest:use" in user_role.capabilities
    await roles.set_capabilities(user_role, set(user_role.capabilities) - {"webservice/rest:use"})
    again = (await ensure_default_roles(roles))["user"]  # a restart
    assert "webservice/rest:use" not in again.capabilities
    # A capability the code adds later reaches existing sites; one it drops goes away.
    await store.redis.hset(
        store.names.key("roledefaults"), "user", b'["moodle/old:cap","webservice/rest:use"]'
    )
    await roles.set_capabilities(again, [*again.capabilities, "moodle/old:cap"])
    upgraded = (await ensure_default_roles(roles))["user"]
    assert "moodle/old:cap" not in upgraded.capabilities
    assert "moodle/webservice:createtoken" in upgraded.capabilities
    assert "webservice/rest:use" not in upgraded.capabilities  # still revoked
