"""What every console page needs: the stores, and who is asking (an administrator or nobody).

Pages are reachable only with the browser session of ``/login/index.php`` belonging to a user
who holds ``moodle/site:config`` in the system context (site administrators hold everything).
Every POST must carry the session's ``sesskey`` (Moodle's CSRF token) in a form field.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import redis.exceptions
from aiohttp import web
from multidict import MultiDictProxy

from services.auth.accounts import AccountError, Accounts
from services.auth.console.layout import error_page
from services.auth.console.settings import ConsoleSettings
from services.auth.lockout import Lockout
from services.auth.sessions import SESSION_COOKIE
from services.auth.settings import AuthSettings
from shared.audit import AuditLog
from shared.contexts import SYSTEM, ContextStore
from shared.records import UserRecord
from shared.roles import RoleStore
from shared.sessions import SessionRecord, SessionStore
from shared.store import Store

__all__ = [
    "CONSOLE",
    "SITE_CONFIG",
    "Admin",
    "Console",
    "Form",
    "admin_action",
    "admin_page",
]

log = logging.getLogger(__name__)

#: The capability that opens the console (Moodle's "site configuration").
SITE_CONFIG = "moodle/site:config"

Form = MultiDictProxy[str | Any]


@dataclass
class Console:
    """The console's collaborators, built once per app."""

    settings: AuthSettings
    console: ConsoleSettings
    store: Store
    accounts: Accounts
    roles: RoleStore
    contexts: ContextStore
    sessions: SessionStore
    lockout: Lockout
    audit: AuditLog | None
    http: aiohttp.ClientSession | None = None

    async def record(self, eventname: str, admin: Admin, **fields: object) -> None:
        """Audit an administrative change, attributed to the administrator."""
        if self.audit is not None:
            await self.audit.record(
                eventname, userid=admin.user.id, origin="admin-console", **fields
            )


CONSOLE = web.AppKey("admin_console", Console)


@dataclass(frozen=True)
class Admin:
    """The administrator behind a request."""

    user: UserRecord
    session: SessionRecord


async def current_admin(request: web.Request) -> Admin | None:
    """The administrator of this request; raises 303 to the login form without a session and
    403 for a user who may not configure the site."""
    console = request.app[CONSOLE]
    session = await console.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
    if session is None:
        if request.method == "GET":
            raise web.HTTPSeeOther("/login/index.php?wantsurl=" + quote(request.path_qs, safe="/"))
        return None
    user = await console.store.get_user(session.userid)
    if user is None or user.deleted or user.suspended:
        return None
    if not await console.roles.has_capability(
        user.id, SITE_CONFIG, SYSTEM, siteadmin=user.siteadmin
    ):
        return None
    await console.sessions.touch(session)
    return Admin(user, session)


Page = Callable[[web.Request, Admin], Awaitable[web.StreamResponse]]
Action = Callable[[web.Request, Admin, Form], Awaitable[web.StreamResponse]]


def _forbidden(
    message: str = "Sorry, but you do not currently have permissions to do that.",
) -> web.Response:
    return error_page("Access denied", message, status=403)


def _guarded(
    run: Callable[[web.Request, Admin], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            admin = await current_admin(request)
            if admin is None:
                return _forbidden()
            return await run(request, admin)
        except web.HTTPException:
            raise
        except AccountError as exc:
            return error_page("Refused", str(exc), status=400)
        except redis.exceptions.RedisError as exc:
            log.error("redis failed in the admin console: %r", exc)
            return error_page("Unavailable", "The site store is unavailable.", status=503)

    return handler


def admin_page(page: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A GET page for administrators."""
    return _guarded(page)


def admin_action(action: Action) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A POST handler for administrators whose form must carry the session's sesskey."""

    async def run(request: web.Request, admin: Admin) -> web.StreamResponse:
        form = await request.post()
        sent = form.get("sesskey", "")
        if not isinstance(sent, str) or not secrets.compare_digest(
            sent.encode(), admin.session.sesskey.encode()
        ):
            return _forbidden("Invalid sesskey: reload the page and try again.")
        return await action(request, admin, form)

    return _guarded(run)
