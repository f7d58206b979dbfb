"""Who may upload or download files: Moodle's §3.4 token check and file permissions.

The file endpoints authenticate differently from the protocol servers
(``webservice::authenticate_user``, reference §3.4): any token type is accepted, the checks run
in another order and say other things, and the service's own checks (enabled, required
capability, authorised users) happen here rather than per function.

File permissions mirror what Moodle's ``pluginfile.php`` callbacks decide for the areas this
platform stores: a user's own areas (draft, private, backup) only for that user, profile
pictures for everyone logged in, course and module files for users with a role in the course
(enrolled) or ``moodle/course:view``, system-level files for everyone logged in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from shared.contexts import (
    CONTEXT_COURSE,
    CONTEXT_COURSECAT,
    CONTEXT_MODULE,
    CONTEXT_SYSTEM,
    CONTEXT_USER,
    SYSTEM,
    Context,
    ContextStore,
)
from shared.errors import AccessException, MissingRecordException, WSError
from shared.iprestriction import ip_matches
from shared.records import ServiceRecord, TokenRecord, UserRecord
from shared.roles import RoleStore
from shared.sessions import SessionStore, delete_session_tokens
from shared.store import Store
from shared.tokens import hash_token

__all__ = ["FileIdentity", "authenticate_file_token", "may_read_file_area"]

TOKEN_LASTACCESS_UPDATE_SECS = 60

#: Areas of a user context only their owner may read.
_OWNER_ONLY_AREAS = frozenset({"draft", "private", "backup"})


@dataclass(frozen=True, slots=True)
class FileIdentity:
    token: TokenRecord
    user: UserRecord
    service: ServiceRecord


async def authenticate_file_token(
    store: Store,
    roles: RoleStore,
    sessions: SessionStore,
    token: str,
    remoteaddr: str,
) -> FileIdentity:
    """``webservice::authenticate_user``: the user, token and service behind a file request."""
    config = await store.get_config()
    if config.get("enablewebservices", "1") == "0":
        raise AccessException("Web services are not enabled in Advanced features.")
    if not token or len(token) > 128 or not token.isalnum():
        raise WSError("invalidtoken", "Invalid token - token not found")
    found = await store.get_token(hash_token(token))
    if found is None:
        raise WSError("invalidtoken", "Invalid token - token not found")
    record, lastaccess = found
    now = int(time.time())
    if record.validuntil and record.validuntil < now:
        await store.delete_token(record)
        raise AccessException("Invalid token - token expired - check validuntil time for the token")
    if record.iprestriction and not ip_matches(remoteaddr, record.iprestriction):
        raise AccessException(f"Invalid token - IP:{remoteaddr} is not supported")
    user = await store.get_user(record.userid)
    if user is None or user.deleted:
        raise MissingRecordException("user")
    if record.sid and await sessions.get_by_hash(record.sid) is None:
        await delete_session_tokens(store, record.userid, record.sid)
        raise AccessException("Invalid session based token - session not found or expired")
    if config.get("maintenance_enabled", "0") == "1" and not user.siteadmin:
        raise WSError("sitemaintenance", "The site is undergoing maintenance")
    service = await store.get_service(record.serviceid)
    if service is None or not service.enabled:
        raise AccessException(
            "Web service is not available (it doesn't exist or might be disabled)"
        )
    await _check_service_user(roles, store, service, user, remoteaddr, now)
    if not user.confirmed:
        raise WSError("usernotconfirmed", f"The user {user.username} has not been confirmed")
    if user.suspended:
        raise AccessException(f"Refused web service access for suspended username: {user.username}")
    if user.auth == "nologin":
        raise AccessException(
            f"Refused web service access for nologin authentication username: {user.username}"
        )
    if now - lastaccess >= TOKEN_LASTACCESS_UPDATE_SECS:
        await store.touch_token(record.hash, now)
    return FileIdentity(record, user, service)


async def _check_service_user(  # noqa: PLR0917  (one private call site)
    roles: RoleStore,
    store: Store,
    service: ServiceRecord,
    user: UserRecord,
    remoteaddr: str,
    now: int,
) -> None:
    cap = service.requiredcapability
    if cap and not await roles.has_capability(user.id, cap, SYSTEM, siteadmin=user.siteadmin):
        raise AccessException(f"The capability {cap} is required.")
    if not service.restrictedusers:
        return
    authorised = await store.get_authorised_user(service.id, user.id)
    if authorised is None:
        raise AccessException(
            "The user is not allowed for this service. First you need to allow this user on "
            f"the {service.name}'s allowed users administration page."
        )
    if authorised.validuntil and authorised.validuntil < now:
        raise AccessException(
            "Invalid service - service expired - check validuntil time for this allowed user"
        )
    if authorised.iprestriction and not ip_matches(remoteaddr, authorised.iprestriction):
        raise AccessException(
            f"Invalid service - IP:{remoteaddr} is not supported - check this allowed user"
        )


async def may_read_file_area(
    contexts: ContextStore,
    roles: RoleStore,
    user: UserRecord,
    context: Context,
    *,
    component: str,
    filearea: str,
) -> bool:
    """Whether ``user`` may download files of (context, component, filearea)."""
    if context.contextlevel == CONTEXT_USER:
        if component == "user" and filearea == "icon":
            return True  # profile pictures are shown to every logged-in user
        if context.instanceid == user.id:
            return True
        return user.siteadmin and filearea not in _OWNER_ONLY_AREAS
    if user.siteadmin:
        return True
    if context.contextlevel in (CONTEXT_SYSTEM, CONTEXT_COURSECAT):
        return True  # site-level files: logos, category descriptions
    if context.contextlevel in (CONTEXT_COURSE, CONTEXT_MODULE):
        return await is_enrolled_or_viewer(contexts, roles, user, context)
    return False


async def is_enrolled_or_viewer(
    contexts: ContextStore, roles: RoleStore, user: UserRecord, context: Context
) -> bool:
    """Course access: a role assigned in the course (or below it, up to ``context``) or
    ``moodle/course:view`` there. Role assignments in the course are this platform's
    enrolments."""
    if await roles.has_capability(user.id, "moodle/course:view", context):
        return True
    ancestors = context.ancestor_ids
    course_ids = set()
    for ctxid in ancestors:
        found = await contexts.get(ctxid)
        if found is not None and found.contextlevel in (CONTEXT_COURSE, CONTEXT_MODULE):
            course_ids.add(ctxid)
    return any(a.contextid in course_ids for a in await roles.assignments(user.id))
