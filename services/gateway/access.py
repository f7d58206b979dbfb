"""Who is calling and may they call this: Moodle's token and function access checks.

:func:`authenticate_token` follows ``webservice_server::authenticate_user`` (reference §3.3) and
:func:`check_function_access` follows ``load_function_info``; each failure raises the error
Moodle raises there, with its errorcode and debuginfo.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.gateway.catalog import CompiledFunction
from shared.constants import TOKEN_LASTACCESS_UPDATE_SECS
from shared.errors import (
    AccessException,
    InvalidParameterException,
    MissingRecordException,
    WSError,
)
from shared.iprestriction import ip_matches
from shared.records import TOKEN_PERMANENT, ServiceRecord, TokenRecord, UserRecord
from shared.store import Store
from shared.tokens import hash_token

__all__ = [
    "Identity",
    "authenticate_token",
    "check_function_access",
    "function_not_allowed",
    "invalid_token",
]


@dataclass(frozen=True, slots=True)
class Identity:
    token: TokenRecord
    user: UserRecord
    service: ServiceRecord | None


def invalid_token() -> WSError:
    return WSError("invalidtoken", "Invalid token - token not found")


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


async def authenticate_token(
    store: Store, token: str, remoteaddr: str, *, tokentype: int = TOKEN_PERMANENT
) -> Identity:
    """Resolve a ``wstoken`` to its user and service, refusing it as Moodle would."""
    if not token or len(token) > 128:
        raise invalid_token()
    found = await store.get_token(hash_token(token))
    if found is None or found[0].tokentype != tokentype:
        raise invalid_token()
    record, lastaccess = found
    now = int(time.time())
    if record.validuntil and record.validuntil < now:
        await store.delete_token(record)
        raise AccessException("Invalid token - token expired - check validuntil time for the token")
    if record.iprestriction and not ip_matches(remoteaddr, record.iprestriction):
        raise AccessException(
            f"Invalid service - IP:{remoteaddr} is not supported - check this allowed user"
        )
    user = await store.get_user(record.userid)
    if user is None:
        raise MissingRecordException("user")
    if now - lastaccess >= TOKEN_LASTACCESS_UPDATE_SECS:
        await store.touch_token(record.hash, now)
    if user.deleted:
        raise AccessException(f"Refused web service access for deleted username: {user.username}")
    if not user.confirmed:
        raise WSError(
            "wsaccessuserunconfirmed",
            f"Refused web service access for unconfirmed username: {user.username}",
        )
    if user.suspended:
        raise AccessException(f"Refused web service access for suspended username: {user.username}")
    if user.auth == "nologin":
        raise AccessException(
            f"Refused web service access for nologin authentication username: {user.username}"
        )
    service = await store.get_service(record.serviceid)
    return Identity(record, user, service)


def has_capability(user: UserRecord, capability: str) -> bool:
    """Until roles exist, site administrators hold every capability and others none."""
    del capability
    return user.siteadmin


async def check_function_access(
    store: Store, identity: Identity, name: str, function: CompiledFunction | None, remoteaddr: str
) -> CompiledFunction:
    """The function, if the token's service offers it to this user; else Moodle's errors."""
    if not name:
        raise InvalidParameterException("Missing function name")
    if function is None:
        raise MissingRecordException("external_functions")
    service = identity.service
    if service is None or not service.enabled:
        raise function_not_allowed(name)
    if not await store.service_has_function(service.id, name):
        raise function_not_allowed(name)
    if service.requiredcapability and not has_capability(identity.user, service.requiredcapability):
        raise function_not_allowed(name)
    if service.restrictedusers:
        authorised = await store.get_authorised_user(service.id, identity.user.id)
        if authorised is None:
            raise function_not_allowed(name)
        if authorised.validuntil and authorised.validuntil < int(time.time()):
            raise function_not_allowed(name)
        if authorised.iprestriction and not ip_matches(remoteaddr, authorised.iprestriction):
            raise function_not_allowed(name)
    return function
