"""Browser sessions: what the login form hands out and what AJAX calls ride on.

A session is a random id sent in an HttpOnly cookie plus a ``sesskey`` (Moodle's CSRF token)
that page script echoes in the query. Redis holds the record under ``sha256(sid)`` only, so a
Redis dump yields no usable cookie; the record expires after ``ttl`` seconds without use.

Tokens of type ``EXTERNAL_TOKEN_EMBEDDED`` belong to one session: their ``sid`` field holds the
session's hash, and they are deleted when the session ends (Moodle §3.3 step 4).

Keys: ``{ns}:session:<sha256(sid)>`` (JSON record, with a TTL).
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time

import msgspec
import redis.asyncio as aioredis

from shared.constants import Names
from shared.records import TOKEN_EMBEDDED
from shared.store import Store

__all__ = ["SESSION_TTL", "SessionRecord", "SessionStore", "session_hash"]

#: Moodle's ``sessiontimeout`` default: 8 hours without activity.
SESSION_TTL = 8 * 3600
_ALNUM = string.ascii_letters + string.digits


class SessionRecord(msgspec.Struct, omit_defaults=True):
    #: sha256 of the cookie value (the value itself is never stored).
    hash: str
    userid: int
    sesskey: str
    timecreated: int = 0
    lastaccess: int = 0


_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(SessionRecord)


def session_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    """Sessions in Redis; one instance per process."""

    def __init__(self, redis: aioredis.Redis, names: Names, ttl: int = SESSION_TTL) -> None:
        self.redis = redis
        self.names = names
        self.ttl = ttl

    def _key(self, shash: str) -> str:
        return self.names.key("session", shash)

    async def create(self, userid: int) -> tuple[str, SessionRecord]:
        """A new session for ``userid``: returns (cookie value, record)."""
        sid = secrets.token_urlsafe(32)
        now = int(time.time())
        sesskey = "".join(secrets.choice(_ALNUM) for _ in range(10))
        record = SessionRecord(session_hash(sid), userid, sesskey, now, now)
        await self.redis.set(self._key(record.hash), _enc.encode(record), ex=self.ttl)
        return sid, record

    async def get(self, sid: str) -> SessionRecord | None:
        """The live session whose cookie value is ``sid``, or None."""
        if not sid or len(sid) > 128:
            return None
        return await self.get_by_hash(session_hash(sid))

    async def get_by_hash(self, shash: str) -> SessionRecord | None:
        raw = await self.redis.get(self._key(shash))
        return None if raw is None else _dec.decode(raw)

    async def touch(self, record: SessionRecord) -> None:
        """Record activity: the session lives ``ttl`` more seconds."""
        record.lastaccess = int(time.time())
        await self.redis.set(self._key(record.hash), _enc.encode(record), ex=self.ttl)

    async def destroy(self, record: SessionRecord, store: Store) -> int:
        """End the session and delete the tokens embedded in it; returns how many died."""
        await self.redis.delete(self._key(record.hash))
        return await delete_session_tokens(store, record.userid, record.hash)


async def delete_session_tokens(store: Store, userid: int, shash: str) -> int:
    """Delete ``userid``'s embedded tokens bound to the session ``shash``."""
    killed = 0
    for token, _lastaccess in await store.user_tokens(userid):
        if token.tokentype == TOKEN_EMBEDDED and token.sid == shash:
            await store.delete_token(token)
            killed += 1
    return killed
