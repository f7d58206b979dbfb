"""The Redis data layer for users, services, tokens, the catalog and site configuration.

This is the only module that knows the key layout (from :class:`shared.constants.Names`).
Uniqueness is enforced with ``HSETNX`` on index hashes, listings come from index sorted sets
(never ``KEYS``), and multi-key writes go through ``MULTI`` pipelines.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import msgspec
import redis.asyncio as aioredis

from shared.constants import Names
from shared.records import AuthorisedUser, ServiceRecord, TokenRecord, UserRecord
from shared.wire import FunctionInfo, catalog_decoder, catalog_encoder

__all__ = ["Conflict", "Store", "connect_redis"]

_json = msgspec.json.Encoder()
_user_dec = msgspec.json.Decoder(UserRecord)
_service_dec = msgspec.json.Decoder(ServiceRecord)
_token_dec = msgspec.json.Decoder(TokenRecord)
_authuser_dec = msgspec.json.Decoder(AuthorisedUser)


#: Claims a unique name and writes the record in one step, so nobody can see the name taken
#: but its record missing. KEYS: index hash, record key, listing zset, [set to fill];
#: ARGV: name, id, record JSON, [members...]. Returns 0 if the name was taken.
_CREATE_UNIQUE = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[2])
if #ARGV > 3 then redis.call('SADD', KEYS[4], unpack(ARGV, 4)) end
return 1
"""


#: lastaccess at most once per interval across all gateways. KEYS: token hash key;
#: ARGV: now, interval. Returns 1 when written.
_TOUCH_IF_STALE = """
if redis.call('HEXISTS', KEYS[1], 'record') == 0 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastaccess') or '0')
if tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'lastaccess', ARGV[1])
return 1
"""


class Conflict(Exception):
    """A unique name (username, service shortname) is already taken."""


def connect_redis(url: str) -> aioredis.Redis:
    # Bytes in and out: msgspec decodes bytes directly, and no value is decoded twice.
    return aioredis.Redis.from_url(url, decode_responses=False, health_check_interval=30)


def _int(value: bytes | str | None) -> int:
    return int(value) if value else 0


def _str(value: object) -> str:
    """Redis answers bytes (decode_responses=False); typing says bytes | str | more."""
    return value.decode() if isinstance(value, bytes) else str(value)


class Store:
    """Typed access to the site's records. One instance per process, shared by handlers."""

    def __init__(self, redis: aioredis.Redis, names: Names) -> None:
        self.redis = redis
        self.names = names
        self._create_unique = redis.register_script(_CREATE_UNIQUE)
        self._touch_if_stale = redis.register_script(_TOUCH_IF_STALE)

    async def next_id(self, kind: str) -> int:
        return int(await self.redis.hincrby(self.names.ids, kind, 1))

    # --- users ---------------------------------------------------------------------------------
    async def create_user(self, user: UserRecord) -> UserRecord:
        """Insert ``user``, assigning its ``id``; :class:`Conflict` if the name is taken."""
        user.id = await self.next_id("user")
        now = int(time.time())
        user.timecreated = user.timecreated or now
        user.timemodified = now
        keys = [self.names.usernames, self.names.user(user.id), self.names.users]
        args: list[str | int | bytes] = [user.username, user.id, _json.encode(user)]
        if not await self._create_unique(keys=keys, args=args):
            raise Conflict(f"username {user.username!r} already exists")
        return user

    async def get_user(self, userid: int) -> UserRecord | None:
        raw = await self.redis.get(self.names.user(userid))
        return None if raw is None else _user_dec.decode(raw)

    async def get_user_by_username(self, username: str) -> UserRecord | None:
        userid = await self.redis.hget(self.names.usernames, username)
        return None if userid is None else await self.get_user(int(userid))

    async def save_user(self, user: UserRecord) -> None:
        user.timemodified = int(time.time())
        await self.redis.set(self.names.user(user.id), _json.encode(user))
        await self.invalidate("user", user.id)

    async def list_users(self) -> list[UserRecord]:
        ids = await self.redis.zrange(self.names.users, 0, -1)
        if not ids:
            return []
        raws = await self.redis.mget([self.names.user(int(_str(i))) for i in ids])
        return [_user_dec.decode(r) for r in raws if r is not None]

    # --- services ------------------------------------------------------------------------------
    async def create_service(
        self, service: ServiceRecord, functions: Iterable[str] = ()
    ) -> ServiceRecord:
        service.id = await self.next_id("service")
        now = int(time.time())
        service.timecreated = service.timecreated or now
        service.timemodified = now
        if not await self.redis.hsetnx(
            self.names.service_shortnames, service.shortname, service.id
        ):
            raise Conflict(f"service {service.shortname!r} already exists")
        fns = list(functions)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.names.service(service.id), _json.encode(service))
            pipe.zadd(self.names.services, {str(service.id): service.id})
            if fns:
                pipe.sadd(self.names.service_functions(service.id), *fns)
            await pipe.execute()
        await self.invalidate("service", service.id)  # a gateway may have cached a miss
        return service

    async def ensure_service(
        self, service: ServiceRecord, functions: Iterable[str] = ()
    ) -> tuple[ServiceRecord, bool]:
        """The service with ``service.shortname``, created from ``service`` if missing.

        Returns ``(record, created)``; safe when several processes race to create it.
        """
        existing = await self.get_service_by_shortname(service.shortname)
        if existing is not None:
            return existing, False
        try:
            return await self.create_service(service, functions), True
        except Conflict:
            found = await self.get_service_by_shortname(service.shortname)
            if found is None:  # created and deleted in between: let the caller retry
                raise
            return found, False

    async def get_service(self, serviceid: int) -> ServiceRecord | None:
        raw = await self.redis.get(self.names.service(serviceid))
        return None if raw is None else _service_dec.decode(raw)

    async def get_service_by_shortname(self, shortname: str) -> ServiceRecord | None:
        serviceid = await self.redis.hget(self.names.service_shortnames, shortname)
        return None if serviceid is None else await self.get_service(int(serviceid))

    async def save_service(self, service: ServiceRecord) -> None:
        service.timemodified = int(time.time())
        await self.redis.set(self.names.service(service.id), _json.encode(service))
        await self.invalidate("service", service.id)

    async def list_services(self) -> list[ServiceRecord]:
        ids = await self.redis.zrange(self.names.services, 0, -1)
        if not ids:
            return []
        raws = await self.redis.mget([self.names.service(int(_str(i))) for i in ids])
        return [_service_dec.decode(r) for r in raws if r is not None]

    async def add_service_functions(self, serviceid: int, functions: Iterable[str]) -> int:
        fns = list(functions)
        if not fns:
            return 0
        added = int(await self.redis.sadd(self.names.service_functions(serviceid), *fns))
        await self.invalidate("service", serviceid)
        return added

    async def remove_service_functions(self, serviceid: int, functions: Iterable[str]) -> int:
        fns = list(functions)
        if not fns:
            return 0
        removed = int(await self.redis.srem(self.names.service_functions(serviceid), *fns))
        await self.invalidate("service", serviceid)
        return removed

    async def service_functions(self, serviceid: int) -> set[str]:
        members = await self.redis.smembers(self.names.service_functions(serviceid))
        return {_str(m) for m in members}

    async def service_has_function(self, serviceid: int, function: str) -> bool:
        return bool(await self.redis.sismember(self.names.service_functions(serviceid), function))

    async def set_authorised_user(self, serviceid: int, auth: AuthorisedUser) -> None:
        auth.timecreated = auth.timecreated or int(time.time())
        await self.redis.hset(
            self.names.service_users(serviceid), str(auth.userid), _json.encode(auth)
        )
        await self.invalidate("service", serviceid)

    async def get_authorised_user(self, serviceid: int, userid: int) -> AuthorisedUser | None:
        raw = await self.redis.hget(self.names.service_users(serviceid), str(userid))
        return None if raw is None else _authuser_dec.decode(raw)

    async def remove_authorised_user(self, serviceid: int, userid: int) -> bool:
        removed = int(await self.redis.hdel(self.names.service_users(serviceid), str(userid)))
        await self.invalidate("service", serviceid)
        return removed > 0

    async def list_authorised_users(self, serviceid: int) -> list[AuthorisedUser]:
        raw = await self.redis.hgetall(self.names.service_users(serviceid))
        found = [_authuser_dec.decode(v) for v in raw.values()]
        return sorted(found, key=lambda a: a.userid)

    # --- tokens --------------------------------------------------------------------------------
    async def create_token(self, token: TokenRecord) -> TokenRecord:
        token.id = await self.next_id("token")
        token.timecreated = token.timecreated or int(time.time())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.names.token(token.hash), "record", _json.encode(token))
            pipe.hset(self.names.token_ids, str(token.id), token.hash)
            pipe.sadd(self.names.user_tokens(token.userid), token.hash)
            pipe.zadd(self.names.tokens, {token.hash: token.id})
            await pipe.execute()
        # Gateways may have cached this hash as unknown.
        await self.invalidate("token", token.hash)
        return token

    async def get_token(self, token_hash: str) -> tuple[TokenRecord, int] | None:
        """The token and its ``lastaccess`` (0 = never), or None."""
        fields = await self.redis.hgetall(self.names.token(token_hash))
        raw = fields.get(b"record")
        if raw is None:
            return None
        return _token_dec.decode(raw), _int(fields.get(b"lastaccess"))

    async def get_token_by_id(self, tokenid: int) -> TokenRecord | None:
        token_hash = await self.redis.hget(self.names.token_ids, str(tokenid))
        if token_hash is None:
            return None
        found = await self.get_token(_str(token_hash))
        return None if found is None else found[0]

    async def touch_token(self, token_hash: str, now: int) -> None:
        await self.redis.hset(self.names.token(token_hash), "lastaccess", now)

    async def touch_token_if_stale(self, token_hash: str, now: int, interval: int) -> bool:
        """Set ``lastaccess`` unless it was set less than ``interval`` seconds ago (by any
        gateway), and only on a token that still exists. True when written."""
        return bool(
            await self._touch_if_stale(keys=[self.names.token(token_hash)], args=[now, interval])
        )

    async def user_tokens(self, userid: int) -> list[tuple[TokenRecord, int]]:
        hashes = await self.redis.smembers(self.names.user_tokens(userid))
        found = [await self.get_token(_str(h)) for h in sorted(hashes)]
        return sorted((t for t in found if t is not None), key=lambda t: t[0].id)

    async def list_tokens(self) -> list[tuple[TokenRecord, int]]:
        hashes = await self.redis.zrange(self.names.tokens, 0, -1)
        found = [await self.get_token(_str(h)) for h in hashes]
        return [t for t in found if t is not None]

    async def delete_token(self, token: TokenRecord) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.names.token(token.hash))
            pipe.hdel(self.names.token_ids, str(token.id))
            pipe.srem(self.names.user_tokens(token.userid), token.hash)
            pipe.zrem(self.names.tokens, token.hash)
            await pipe.execute()
        await self.invalidate("token", token.hash)

    # --- catalog -------------------------------------------------------------------------------
    async def put_functions(self, infos: Iterable[FunctionInfo]) -> None:
        mapping = {info.name: catalog_encoder.encode(info) for info in infos}
        if mapping:
            await self.redis.hset(self.names.catalog, mapping=mapping)  # type: ignore[arg-type]
            await self.invalidate("catalog", "")

    async def get_catalog(self) -> dict[str, FunctionInfo]:
        raw = await self.redis.hgetall(self.names.catalog)
        return {_str(k): catalog_decoder.decode(v) for k, v in raw.items()}

    # --- site configuration --------------------------------------------------------------------
    async def get_config(self) -> dict[str, str]:
        raw = await self.redis.hgetall(self.names.config)
        return {_str(k): _str(v) for k, v in raw.items()}

    async def set_config(self, name: str, value: str) -> None:
        await self.redis.hset(self.names.config, name, value)
        await self.invalidate("config", name)

    async def mark_seeded(self) -> bool:
        """True the first time it is called for this namespace (seeding is idempotent)."""
        return bool(await self.redis.set(self.names.seeded, int(time.time()), nx=True))

    async def user_private_key(self, userid: int, new_key: str) -> str:
        """The user's private access key (for tokenpluginfile.php), stored on first use."""
        await self.redis.hsetnx(self.names.user_keys, str(userid), new_key)
        value = await self.redis.hget(self.names.user_keys, str(userid))
        key = _str(value) if value else new_key
        # The reverse index lets tokenpluginfile.php find the user from the key alone.
        await self.redis.hset(self.names.user_key_owners, key, userid)
        return key

    async def user_by_private_key(self, key: str) -> int | None:
        """The id of the user whose private access key is ``key``, or None."""
        userid = await self.redis.hget(self.names.user_key_owners, key)
        return int(userid) if userid else None

    # --- invalidation --------------------------------------------------------------------------
    async def invalidate(self, kind: str, ident: str | int) -> None:
        """Tell every gateway to drop what it cached about ``kind``/``ident``."""
        await self.redis.publish(self.names.invalidations, f"{kind}:{ident}")
