"""login/token.php: check credentials and hand out a token, in Moodle's order of checks.

The HTTP handler parses the request; everything Moodle decides lives here, so the order of
checks (which decides which error a client sees) reads top to bottom in :meth:`Login.issue`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import msgspec

from services.auth import errors, policy
from services.auth.accounts import Accounts, clean_username
from services.auth.passwords import Passwords
from shared.constants import MOBILE_SERVICE
from shared.iprestriction import ip_matches
from shared.records import TOKEN_PERMANENT, ServiceRecord, TokenRecord, UserRecord
from shared.store import Store
from shared.tokens import derive_private_token, hash_token

__all__ = ["IssuedToken", "Login", "LoginRequest"]

logger = logging.getLogger(__name__)


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
    ) -> None:
        self.store = store
        self.passwords = passwords
        self.accounts = accounts
        self.token_duration = token_duration

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

        user = await self._authenticate(username, params["password"])
        if _switch(config, "maintenance_enabled", default=False) and not policy.has_capability(
            user, "moodle/site:maintenanceaccess"
        ):
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
        if service.requiredcapability and not policy.has_capability(
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
            if not policy.may_create_token(user, service):
                raise errors.cannot_create_token(service.shortname)
            token, _ = await self.accounts.create_token(
                user, service, validuntil=now + self.token_duration, creatorid=user.id
            )
            logger.info(
                "token %r created for user %r service %r", token.id, user.id, service.shortname
            )
        await self.store.touch_token(token.hash, now)

        private = None
        if request.https and token.has_private and policy.may_see_private_token(user):
            private = derive_private_token(self.accounts.secret_key, token.nonce)
        return IssuedToken(self.accounts.token_value(token), private)

    async def _authenticate(self, username: str, password: str) -> UserRecord:
        """The user for these credentials; every failure is the same ``invalidlogin``.

        The password is verified even when the account cannot log in, so the time taken does
        not tell a wrong password from an unknown, suspended or deleted account.
        """
        user = await self.store.get_user_by_username(username) if username else None
        if user is None:
            await self.passwords.verify_missing_user(password)
            raise errors.invalid_login()
        matches = await self.passwords.verify(user.password, password)
        if not matches or user.deleted or user.suspended or user.auth == "nologin":
            raise errors.invalid_login()
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
            if hash_token(self.accounts.token_value(token)) != token.hash:
                # Derived under an earlier WS_SECRET_KEY: its value can no longer be handed
                # out, so the user gets a new token instead of one that would not work.
                continue
            usable = token
        return usable
