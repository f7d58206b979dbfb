"""Who is calling and may they call this: Moodle's token and function access checks.

:meth:`Access.authenticate` follows ``webservice_server::authenticate_user`` (reference §3.3)
and :meth:`Access.authorise` follows ``load_function_info``; each failure raises the error
Moodle raises there, with its errorcode and debuginfo, and records the event Moodle records.

Beyond Moodle, the gateway enforces the capabilities a function declares
(``FunctionInfo.capabilities``) before the call is published: the user must hold each of them
in the system context or in at least one context where they have a role assignment (site
administrators hold all). Finer, per-instance checks stay with the function
(``CallContext.roles.has_capability``).

Reads go through :class:`~services.gateway.tokencache.TokenCache`, so a cached call makes no
Redis round trip here; ``lastaccess`` is written at most once a minute per token, in the
background.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from dataclasses import dataclass

from aiohttp import web

from services.gateway.catalog import CompiledFunction
from services.gateway.ratelimit import RateLimiter
from services.gateway.tokencache import CachedService, TokenCache
from shared.audit import AuditLog
from shared.constants import TOKEN_LASTACCESS_UPDATE_SECS
from shared.errors import (
    AccessException,
    InvalidParameterException,
    MissingRecordException,
    RequiredCapabilityException,
    WSError,
)
from shared.iprestriction import ip_matches
from shared.records import TOKEN_PERMANENT, ServiceRecord, TokenRecord, UserRecord
from shared.roles import RoleStore
from shared.store import Store
from shared.tokens import hash_token

__all__ = [
    "ACCESS",
    "Access",
    "Identity",
    "authenticate_token",
    "check_function_access",
    "function_not_allowed",
    "invalid_token",
    "site_maintenance",
]

log = logging.getLogger(__name__)

#: Moodle's protocol capability ``webservice/<protocol>:use``; the JSON API is a REST dialect.
_PROTOCOL_CAPABILITY = {"rest": "rest", "api": "rest"}
_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True, slots=True)
class Identity:
    token: TokenRecord
    user: UserRecord
    service: ServiceRecord | None


def invalid_token() -> WSError:
    return WSError("invalidtoken", "Invalid token - token not found")


def site_maintenance() -> WSError:
    return WSError(
        "sitemaintenance", "The site is undergoing maintenance and is currently not available"
    )


def function_not_allowed(name: str) -> AccessException:
    return AccessException(
        f"Access to the function {name}() is not allowed.\n"
        "There could be multiple reasons for this:\n"
        "1. The service linked to the user token does not contain the function.\n"
        "2. The service is user-restricted and the user is not listed.\n"
        "3. The service is IP-restricted and the user IP is not listed.\n"
        "4. The service is time-restricted and the time has expired.\n"
        "5. The token is time-restricted and the time has expired.\n"
        "6. The service requires a specific capability which the user does not have.\n"
        "7. The function is called with username/password (no user token is sent)\n"
        "and none of the services has the function to allow the user.\n"
        "These settings can be found in Administration > Site administration\n"
        "> Server > Web services > External services and Manage tokens."
    )


def _switch(config: dict[str, str], name: str) -> bool:
    return config.get(name, "").strip().lower() in _TRUE


class Access:
    """The access checks of one gateway process (cache, audit trail, rate limits)."""

    def __init__(
        self,
        store: Store,
        cache: TokenCache,
        *,
        audit: AuditLog | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.store = store
        self.cache = cache
        self.audit = audit
        self.limiter = limiter
        self._background: set[asyncio.Task[None]] = set()

    @classmethod
    def uncached(cls, store: Store) -> Access:
        """Checks reading Redis every time (tools, tests, callers without an app)."""
        roles = RoleStore(store.redis, store.names)
        return cls(store, TokenCache(store, roles, ttl=0))

    def _event(self, name: str, **fields: object) -> None:
        if self.audit is not None:
            self.audit.emit(name, **fields)

    def _login_failed(self, reason: str, remoteaddr: str, protocol: str, **other: object) -> None:
        self._event(
            "webservice_login_failed",
            reason=reason,
            remoteaddr=remoteaddr,
            other={"method": protocol, **other},
        )

    # --- token authentication (§3.3) -----------------------------------------------------------
    async def authenticate(
        self,
        token: str,
        remoteaddr: str,
        *,
        protocol: str = "rest",
        tokentype: int = TOKEN_PERMANENT,
    ) -> Identity:
        """Resolve a ``wstoken`` to its user and service, refusing it as Moodle would."""
        token_hash = hash_token(token) if token and len(token) <= 128 else ""
        if self.limiter is not None and self.limiter.enabled:
            await self.limiter.check(token_hash, remoteaddr)
        found = await self.cache.token(token_hash) if token_hash else None
        # The lookup is by hash; comparing the hashes again in constant time keeps the check
        # free of timing differences even if a lookup layer ever matched loosely.
        if (
            found is None
            or found[0].tokentype != tokentype
            or not hmac.compare_digest(found[0].hash, token_hash)
        ):
            self._login_failed("invalid_token", remoteaddr, protocol)
            raise invalid_token()
        record, lastaccess = found
        now = int(time.time())
        if record.validuntil and record.validuntil < now:
            self._login_failed("token_expired", remoteaddr, protocol, tokenid=record.id)
            await self.store.delete_token(record)
            self.cache.invalidate("token", record.hash)
            raise AccessException(
                "Invalid token - token expired - check validuntil time for the token"
            )
        if record.iprestriction and not ip_matches(remoteaddr, record.iprestriction):
            self._login_failed("ip_restricted", remoteaddr, protocol, tokenid=record.id)
            raise AccessException(
                f"Invalid service - IP:{remoteaddr} is not supported - check this allowed user"
            )
        user = await self.cache.user(record.userid)
        if user is None:
            raise MissingRecordException("user")
        if now - lastaccess >= TOKEN_LASTACCESS_UPDATE_SECS:
            self._touch(record.hash, now)
        await self._check_user(user, remoteaddr, protocol, record.id)
        if tokentype == TOKEN_PERMANENT:
            wsname = _PROTOCOL_CAPABILITY.get(protocol, protocol)
            capability = f"webservice/{wsname}:use"
            if not await self.has_system_capability(user, capability):
                # Moodle's message keeps a literal "{$a}" (a known quirk clients may match on).
                raise AccessException(
                    "You are not allowed to use the {$a} protocol "
                    f"(missing capability: {capability})"
                )
        cached = await self.cache.service(record.serviceid)
        return Identity(record, user, cached.record if cached else None)

    async def _check_user(
        self, user: UserRecord, remoteaddr: str, protocol: str, tokenid: int
    ) -> None:
        """Steps 7-12: maintenance mode, then the user's state."""
        if _switch(await self.cache.config(), "maintenance_enabled") and not (
            await self.has_system_capability(user, "moodle/site:maintenanceaccess")
        ):
            raise site_maintenance()
        fail = {"username": user.username, "tokenid": tokenid}
        if user.deleted:
            self._login_failed("user_deleted", remoteaddr, protocol, **fail)
            raise AccessException(
                f"Refused web service access for deleted username: {user.username}"
            )
        if not user.confirmed:
            self._login_failed("user_unconfirmed", remoteaddr, protocol, **fail)
            raise WSError(
                "wsaccessuserunconfirmed",
                f"Refused web service access for unconfirmed username: {user.username}",
            )
        if user.suspended:
            # Moodle records this one as "user_unconfirmed" (a bug); the audit says what it is.
            self._login_failed("user_suspended", remoteaddr, protocol, **fail)
            raise AccessException(
                f"Refused web service access for suspended username: {user.username}"
            )
        if user.auth == "nologin":
            self._login_failed("login", remoteaddr, protocol, **fail)
            raise AccessException(
                f"Refused web service access for nologin authentication username: {user.username}"
            )

    def _touch(self, token_hash: str, now: int) -> None:
        """Write ``lastaccess`` in the background; the cached value stops repeated writes."""
        self.cache.note_lastaccess(token_hash, now)
        task = asyncio.create_task(self._write_lastaccess(token_hash, now))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _write_lastaccess(self, token_hash: str, now: int) -> None:
        try:
            await self.store.touch_token_if_stale(token_hash, now, TOKEN_LASTACCESS_UPDATE_SECS)
        except Exception as exc:  # bookkeeping only: never a call's failure
            log.warning("lastaccess not recorded: %r", exc)

    # --- capabilities --------------------------------------------------------------------------
    async def has_system_capability(self, user: UserRecord, capability: str) -> bool:
        if user.siteadmin:
            return True
        return capability in (await self.cache.user_capabilities(user.id)).system

    async def has_any_capability(self, user: UserRecord, capability: str) -> bool:
        """Held in the system context or in some context where the user has a role."""
        if user.siteadmin:
            return True
        return capability in (await self.cache.user_capabilities(user.id)).anywhere

    async def authorise_session_call(
        self, user: UserRecord, function: CompiledFunction, remoteaddr: str
    ) -> None:
        """The checks a browser-session (AJAX) call shares with token calls: maintenance mode,
        the user's state, and the capabilities the function declares."""
        await self._check_user(user, remoteaddr, "ajax", 0)
        for capability in function.info.capabilities:
            if not await self.has_any_capability(user, capability):
                raise RequiredCapabilityException(capability)
        self._event(
            "webservice_function_called",
            userid=user.id,
            remoteaddr=remoteaddr,
            other={"function": function.info.name, "protocol": "ajax"},
        )

    # --- function access (load_function_info) --------------------------------------------------
    async def authorise(
        self,
        identity: Identity,
        name: str,
        function: CompiledFunction | None,
        remoteaddr: str,
        *,
        protocol: str = "rest",
    ) -> CompiledFunction:
        """The function, if the token's service offers it to this user; else Moodle's errors."""
        if not name:
            raise InvalidParameterException("Missing function name")
        if function is None:
            raise MissingRecordException("external_functions")
        cached = await self.cache.service(identity.token.serviceid)
        if not await self._service_allows(cached, identity.user, name, remoteaddr):
            raise function_not_allowed(name)
        for capability in function.info.capabilities:
            if not await self.has_any_capability(identity.user, capability):
                raise RequiredCapabilityException(capability)
        self._event(
            "webservice_function_called",
            userid=identity.user.id,
            remoteaddr=remoteaddr,
            other={"function": name, "protocol": protocol, "tokenid": identity.token.id},
        )
        return function

    async def _service_allows(
        self, cached: CachedService | None, user: UserRecord, name: str, remoteaddr: str
    ) -> bool:
        if cached is None:
            return False
        service = cached.record
        if not service.enabled or name not in cached.functions:
            return False
        if service.requiredcapability and not await self.has_system_capability(
            user, service.requiredcapability
        ):
            return False
        if service.restrictedusers:
            authorised = await self.cache.authorised_user(service.id, user.id)
            if authorised is None:
                return False
            # Moodle's query reads "validuntil < now" (inverted); we refuse expired ones.
            if authorised.validuntil and authorised.validuntil < int(time.time()):
                return False
            if authorised.iprestriction and not ip_matches(remoteaddr, authorised.iprestriction):
                return False
        return True


#: The gateway's :class:`Access`, set up in the application's lifecycle.
ACCESS: web.AppKey[Access] = web.AppKey("gateway_access", Access)


async def authenticate_token(
    store: Store, token: str, remoteaddr: str, *, tokentype: int = TOKEN_PERMANENT
) -> Identity:
    """Uncached :meth:`Access.authenticate` (kept for callers without the app's Access)."""
    return await Access.uncached(store).authenticate(token, remoteaddr, tokentype=tokentype)


async def check_function_access(
    store: Store, identity: Identity, name: str, function: CompiledFunction | None, remoteaddr: str
) -> CompiledFunction:
    """Uncached :meth:`Access.authorise`."""
    return await Access.uncached(store).authorise(identity, name, function, remoteaddr)
