"""Administrative operations on users, services and tokens, shared by the app and ``wsadmin``.

Every operation validates its input and raises :class:`AccountError` with a message fit for an
administrator; the store below it knows nothing of usernames rules or token derivation.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable

from services.auth.passwords import Passwords
from shared.audit import AuditLog
from shared.iprestriction import invalid_entries
from shared.records import (
    TOKEN_PERMANENT,
    AuthorisedUser,
    ServiceRecord,
    TokenRecord,
    UserRecord,
)
from shared.store import Conflict, Store
from shared.tokens import derive_token, hash_token, new_nonce

__all__ = ["AccountError", "Accounts", "clean_username", "random_token_name"]

_USERNAME_DISALLOWED = re.compile(r"[^-.@_a-z0-9]")
_SHORTNAME_DISALLOWED = re.compile(r"[^A-Za-z0-9_-]")
_NAME_ALPHABET = string.ascii_letters + string.digits
#: Moodle retries token generation this many times before giving up.
_TOKEN_ATTEMPTS = 5


class AccountError(Exception):
    """An administrative operation was refused; the message says why, in one line."""


def clean_username(raw: str) -> str:
    """Moodle's PARAM_USERNAME cleaning: trim, lower-case, drop characters outside
    ``[-.@_a-z0-9]`` (so ``" John Doe "`` becomes ``"johndoe"``)."""
    return _USERNAME_DISALLOWED.sub("", raw.strip().lower())


def random_token_name() -> str:
    """A human label for an unnamed token (Moodle: localized prefix + 5 random characters)."""
    return "Token " + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(5))


class Accounts:
    """Users, services and tokens of one site.

    ``secret_key`` may be empty for callers that never create tokens (a ``wsadmin`` without
    ``WS_SECRET_KEY`` can still manage users and services).
    """

    def __init__(
        self,
        store: Store,
        passwords: Passwords,
        secret_key: str = "",
        *,
        audit: AuditLog | None = None,
    ) -> None:
        self.store = store
        self.passwords = passwords
        self.secret_key = secret_key
        self.audit = audit

    async def record(self, eventname: str, **fields: object) -> None:
        """Audit an administrative change (written at once: ``wsadmin`` exits right after)."""
        if self.audit is not None:
            await self.audit.record(eventname, origin="wsadmin", **fields)

    # --- users ---------------------------------------------------------------------------------
    async def create_user(
        self,
        username: str,
        password: str,
        *,
        firstname: str = "",
        lastname: str = "",
        email: str = "",
        siteadmin: bool = False,
    ) -> UserRecord:
        if not username or clean_username(username) != username:
            raise AccountError(
                f"invalid username {username!r}: use lower-case letters, digits and -.@_ only"
            )
        if not password:
            raise AccountError("a password is required")
        user = UserRecord(
            id=0,
            username=username,
            password=await self.passwords.hash(password),
            firstname=firstname,
            lastname=lastname,
            email=email,
            siteadmin=siteadmin,
        )
        try:
            return await self.store.create_user(user)
        except Conflict:
            raise AccountError(f"user {username!r} already exists") from None

    async def get_user(self, username: str) -> UserRecord:
        user = await self.store.get_user_by_username(username)
        if user is None:
            raise AccountError(f"unknown user {username!r}")
        return user

    # --- services ------------------------------------------------------------------------------
    async def create_service(
        self,
        shortname: str,
        *,
        name: str = "",
        functions: Iterable[str] = (),
        enabled: bool = True,
        restrictedusers: bool = False,
        downloadfiles: bool = False,
        uploadfiles: bool = False,
        requiredcapability: str = "",
    ) -> ServiceRecord:
        """An administrator's service (``component`` empty: plugins cannot add to it)."""
        if not shortname or _SHORTNAME_DISALLOWED.search(shortname):
            raise AccountError(
                f"invalid service shortname {shortname!r}: use letters, digits, _ and - only"
            )
        service = ServiceRecord(
            id=0,
            name=name or shortname,
            shortname=shortname,
            enabled=enabled,
            restrictedusers=restrictedusers,
            requiredcapability=requiredcapability,
            downloadfiles=downloadfiles,
            uploadfiles=uploadfiles,
        )
        try:
            created = await self.store.create_service(service, _clean_functions(functions))
        except Conflict:
            raise AccountError(f"service {shortname!r} already exists") from None
        await self.record(
            "webservice_service_created", objectid=created.id, other={"shortname": shortname}
        )
        return created

    async def get_service(self, shortname: str) -> ServiceRecord:
        service = await self.store.get_service_by_shortname(shortname)
        if service is None:
            raise AccountError(f"unknown service {shortname!r}")
        return service

    async def add_functions(self, shortname: str, functions: Iterable[str]) -> int:
        """Add functions to a service; returns how many were new."""
        service = await self.get_service(shortname)
        fns = _clean_functions(functions)
        if not fns:
            raise AccountError("no function names given")
        added = await self.store.add_service_functions(service.id, fns)
        await self.record(
            "webservice_service_updated",
            objectid=service.id,
            other={"shortname": shortname, "functions_added": fns},
        )
        return added

    async def set_enabled(self, shortname: str, enabled: bool) -> ServiceRecord:
        service = await self.get_service(shortname)
        service.enabled = enabled
        await self.store.save_service(service)
        await self.record(
            "webservice_service_updated",
            objectid=service.id,
            other={"shortname": shortname, "enabled": enabled},
        )
        return service

    async def authorise_user(
        self, shortname: str, username: str, *, iprestriction: str = "", validuntil: int = 0
    ) -> AuthorisedUser:
        """Allow a user on a restricted service (Moodle's "authorised users" page)."""
        service = await self.get_service(shortname)
        user = await self.get_user(username)
        bad = invalid_entries(iprestriction)
        if bad:
            raise AccountError(f"invalid IP restriction entries: {', '.join(bad)}")
        auth = AuthorisedUser(
            userid=user.id, iprestriction=iprestriction.strip(), validuntil=validuntil
        )
        await self.store.set_authorised_user(service.id, auth)
        await self.record(
            "webservice_service_user_added",
            objectid=service.id,
            relateduserid=user.id,
            other={
                "shortname": shortname,
                "iprestriction": auth.iprestriction,
                "validuntil": validuntil,
            },
        )
        return auth

    async def deauthorise_user(self, shortname: str, username: str) -> None:
        service = await self.get_service(shortname)
        user = await self.get_user(username)
        if not await self.store.remove_authorised_user(service.id, user.id):
            raise AccountError(f"user {username!r} is not authorised on {shortname!r}")
        await self.record(
            "webservice_service_user_removed",
            objectid=service.id,
            relateduserid=user.id,
            other={"shortname": shortname},
        )

    async def set_suspended(self, username: str, suspended: bool) -> UserRecord:
        """Suspend or reactivate a user; every gateway refuses their tokens within a second."""
        user = await self.get_user(username)
        user.suspended = suspended
        await self.store.save_user(user)
        await self.record("user_updated", relateduserid=user.id, other={"suspended": suspended})
        return user

    # --- tokens --------------------------------------------------------------------------------
    async def create_token(
        self,
        user: UserRecord,
        service: ServiceRecord,
        *,
        validuntil: int = 0,
        iprestriction: str = "",
        creatorid: int = 0,
        name: str = "",
    ) -> tuple[TokenRecord, str]:
        """Create a permanent token; returns the record and the token value.

        The value is derived from the record's nonce and the site secret, so it is never
        stored; it can be derived again later (token.php reuses tokens).
        """
        if not self.secret_key:
            raise AccountError("WS_SECRET_KEY is not set: it is needed to create tokens")
        bad = invalid_entries(iprestriction)
        if bad:
            raise AccountError(f"invalid IP restriction entries: {', '.join(bad)}")
        for _ in range(_TOKEN_ATTEMPTS):
            nonce = new_nonce()
            value = derive_token(self.secret_key, nonce)
            # 128 random bits make a clash practically impossible; checking costs one read.
            if await self.store.get_token(hash_token(value)) is None:
                break
        else:
            raise AccountError("could not generate a unique token")
        record = TokenRecord(
            id=0,
            hash=hash_token(value),
            nonce=nonce,
            userid=user.id,
            serviceid=service.id,
            tokentype=TOKEN_PERMANENT,
            creatorid=creatorid,
            iprestriction=iprestriction.strip(),
            validuntil=validuntil,
            name=name or random_token_name(),
        )
        return await self.store.create_token(record), value

    def token_value(self, token: TokenRecord) -> str:
        """The value of an existing token (needs the site secret)."""
        return derive_token(self.secret_key, token.nonce)

    async def find_token(self, value: str) -> TokenRecord:
        found = await self.store.get_token(hash_token(value.strip()))
        if found is None:
            raise AccountError("no such token")
        return found[0]

    async def find_token_by_id(self, tokenid: int) -> TokenRecord:
        token = await self.store.get_token_by_id(tokenid)
        if token is None:
            raise AccountError(f"no token with id {tokenid}")
        return token

    async def revoke_token(self, token: TokenRecord) -> None:
        """Delete the token; gateways drop their cached copy at once (store invalidation)."""
        await self.store.delete_token(token)
        await self.record("webservice_token_deleted", objectid=token.id, relateduserid=token.userid)

    async def tokens(self, user: UserRecord | None = None) -> list[tuple[TokenRecord, int]]:
        """Tokens with their ``lastaccess``, oldest first; all of them, or one user's."""
        if user is None:
            return await self.store.list_tokens()
        return await self.store.user_tokens(user.id)


def _clean_functions(functions: Iterable[str]) -> list[str]:
    names = [f.strip() for f in functions if f.strip()]
    bad = [n for n in names if not re.fullmatch(r"[a-z][a-z0-9_]*", n)]
    if bad:
        raise AccountError(f"invalid function names: {', '.join(bad)}")
    return names
