"""login/token.php: check credentials and hand out a token, in Moodle's order of checks.

The HTTP handler parses the request; everything Moodle decides lives here, so the order of
checks (which decides which error a client sees) reads top to bottom in :meth:`Login.issue`.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Mapping

import msgspec

from services.auth import errors
from services.auth.accounts import Accounts, clean_username
from services.auth.lockout import Lockout
from services.auth.passwords import Passwords
from services.auth.policy import Policy
from shared.audit import AuditLog
from shared.constants import MOBILE_SERVICE
from shared.errors import WSError
from shared.iprestriction import ip_matches
from shared.records import TOKEN_PERMANENT, ServiceRecord, TokenRecord, UserRecord
from shared.roles import RoleStore
from shared.store import Store
from shared.tokens import derive_private_token, hash_token

__all__ = ["IssuedToken", "Login", "LoginRequest"]

logger = logging.getLogger(__name__)

#: ``user_login_failed`` reasons (Moodle's AUTH_LOGIN_* codes).
REASON_NOUSER = 1
REASON_SUSPENDED = 2
REASON_FAILED = 3
REASON_LOCKOUT = 4
REASON_UNAUTHORISED = 5


class LoginRequest(msgspec.Struct, frozen=True):
    """What token.php received: merged parameters and where the request came from."""

    params: Mapping[str, str]
    remote_ip: str
    https: bool


class IssuedToken(msgspec.Struct, frozen=True):
    """token.php's success body; ``privatetoken`` is always present, possibly null."""

    token: str
    privatetoken: str | None


def _switch(config: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no site setting; absent ones take Moodle's default for a fresh site."""
    value = config.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


class Login:
    """The token.php decision; one instance per process."""

    def __init__(
        self,
        store: Store,
        passwords: Passwords,
        accounts: Accounts,
        *,
        token_duration: int,
        policy: Policy | None = None,
        lockout: Lockout | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.store = store
        self.passwords = passwords
        self.accounts = accounts
        self.token_duration = token_duration
        self.policy = policy or Policy(RoleStore(store.redis, store.names))
        self.lockout = lockout
        self.audit = audit

    def _event(self, name: str, **fields: object) -> None:
        if self.audit is not None:
            self.audit.emit(name, **fields)

    async def site_check(self) -> None:
        """The checks that precede everything, even ``appsitecheck``."""
        if not _switch(await self.store.get_config(), "enablewebservices", default=True):
            raise errors.web_services_disabled()

    async def issue(self, request: LoginRequest) -> IssuedToken:
        """Authenticate and return a token for the requested service, or raise a WSError."""
        params = request.params
        for name in ("username", "password", "service"):
            if name not in params:
                raise errors.missing_param(name)
        username = clean_username(params["username"])
        shortname = params["service"]
        now = int(time.time())
        config = await self.store.get_config()

        user = await self._authenticate(username, params["password"], request.remote_ip, now)
        if _switch(
            config, "maintenance_enabled", default=False
        ) and not await self.policy.has_capability(user, "moodle/site:maintenanceaccess"):
            raise errors.site_maintenance()
        if not user.confirmed:
            raise errors.user_not_confirmed(user.username)

        service = await self.store.get_service_by_shortname(shortname)
        if service is None or not service.enabled:
            raise errors.service_not_available()
        if service.shortname == MOBILE_SERVICE and not _switch(
            config, "enablemobilewebservice", default=True
        ):
            raise errors.service_not_available()
        if service.requiredcapability and not await self.policy.has_capability(
            user, service.requiredcapability
        ):
            raise errors.missing_required_capability(service.requiredcapability)
        if service.restrictedusers:
            authorised = await self.store.get_authorised_user(service.id, user.id)
            if authorised is None:
                raise errors.user_not_allowed(service.shortname)
            if authorised.validuntil and authorised.validuntil < now:
                raise errors.invalid_timed_token()
            if authorised.iprestriction and not ip_matches(
                request.remote_ip, authorised.iprestriction
            ):
                raise errors.invalid_ip_token()

        token = await self._reusable_token(user, service, request.remote_ip, now)
        if token is None:
            if not await self.policy.may_create_token(user, service):
                raise errors.cannot_create_token(service.shortname)
            token, _ = await self.accounts.create_token(
                user, service, validuntil=now + self.token_duration, creatorid=user.id
            )
            logger.info(
                "token %r created for user %r service %r", token.id, user.id, service.shortname
            )
            self._event(
                "webservice_token_created",
                userid=user.id,
                relateduserid=user.id,
                objectid=token.id,
                remoteaddr=request.remote_ip,
                other={"auto": True, "service": service.shortname},
            )
        await self.store.touch_token(token.hash, now)
        self._event(
            "webservice_token_sent",
            userid=user.id,
            objectid=token.id,
            remoteaddr=request.remote_ip,
            other={"service": service.shortname},
        )

        private = None
        if request.https and token.has_private and await self.policy.may_see_private_token(user):
            private = derive_private_token(self.accounts.secret_key, token.nonce)
        return IssuedToken(self.accounts.token_value(token), private)

    def _failed(self, reason: int, username: str, remote_ip: str, userid: int = 0) -> WSError:
        self._event(
            "user_login_failed",
            userid=userid,
            reason=str(reason),
            remoteaddr=remote_ip,
            other={"username": username, "reason": reason},
        )
        return errors.invalid_login()

    async def _authenticate(
        self, username: str, password: str, remote_ip: str, now: int
    ) -> UserRecord:
        """The user for these credentials; every failure is the same ``invalidlogin``.

        The password is verified even when the account cannot log in (or is locked out), so
        the time taken does not tell a wrong password from an unknown, suspended, deleted or
        locked account.
        """
        user = await self.store.get_user_by_username(username) if username else None
        if user is None or user.deleted:
            await self.passwords.verify_missing_user(password)
            raise self._failed(REASON_NOUSER, username, remote_ip)
        locked = self.lockout is not None and await self.lockout.is_locked(user.id, now)
        matches = await self.passwords.verify(user.password, password)
        if locked:
            raise self._failed(REASON_LOCKOUT, username, remote_ip, user.id)
        if user.suspended:
            raise self._failed(REASON_SUSPENDED, username, remote_ip, user.id)
        if user.auth == "nologin":
            raise self._failed(REASON_UNAUTHORISED, username, remote_ip, user.id)
        if not matches:
            if self.lockout is not None and await self.lockout.record_failure(user.id, now):
                logger.warning("user %r locked out after repeated failed logins", user.id)
                self._event("user_lockout", userid=user.id, remoteaddr=remote_ip)
            raise self._failed(REASON_FAILED, username, remote_ip, user.id)
        if self.lockout is not None:
            await self.lockout.clear(user.id)
        if self.passwords.needs_rehash(user.password):
            # Cost parameters were raised since this hash was made: upgrade it while we know
            # the password.
            user.password = await self.passwords.hash(password)
            await self.store.save_user(user)
        return user

    async def _reusable_token(
        self, user: UserRecord, service: ServiceRecord, remote_ip: str, now: int
    ) -> TokenRecord | None:
        """The most recent valid permanent token of ``user`` for ``service`` (Moodle reuses
        tokens instead of minting one per login); expired ones are deleted on the way."""
        usable: TokenRecord | None = None
        for token, _lastaccess in await self.store.user_tokens(user.id):  # oldest first
            if token.serviceid != service.id or token.tokentype != TOKEN_PERMANENT:
                continue
            if token.validuntil and token.validuntil < now:
                await self.store.delete_token(token)
                continue
            if token.iprestriction and not ip_matches(remote_ip, token.iprestriction):
                continue
            if not hmac.compare_digest(hash_token(self.accounts.token_value(token)), token.hash):
                # Derived under an earlier WS_SECRET_KEY: its value can no longer be handed
                # out, so the user gets a new token instead of one that would not work.
                continue
            usable = token
        return usable
