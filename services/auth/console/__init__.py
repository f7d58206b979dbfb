"""The admin console: Moodle's web-service administration pages, served by auth under /admin/.

Wiring, one call in :func:`services.auth.app.create_app` (after the session routes)::

    setup_console(app, settings, store, app[LOGIN])

See docs/admin-console.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from services.auth.accounts import Accounts
from services.auth.console import roles, services, site, testclient, tokens, users
from services.auth.console.context import CONSOLE, Console
from services.auth.console.settings import ConsoleSettings
from services.auth.lockout import Lockout
from services.auth.login import Login
from services.auth.passwords import Passwords
from services.auth.settings import AuthSettings
from shared.contexts import ContextStore
from shared.roles import RoleStore
from shared.sessions import SessionStore
from shared.settings import load_settings
from shared.store import Store

__all__ = ["CONSOLE", "Console", "ConsoleSettings", "setup_console"]


def setup_console(
    app: web.Application,
    settings: AuthSettings,
    store: Store,
    login: Login,
    console_settings: ConsoleSettings | None = None,
) -> None:
    """Register the console's pages on the auth app, sharing its store and audit log.

    ``console_settings`` defaults to the environment (``WS_CONSOLE_*``).
    """
    redis, names = store.redis, store.names
    app[CONSOLE] = Console(
        settings=settings,
        console=console_settings or load_settings(ConsoleSettings),
        store=store,
        accounts=Accounts(store, Passwords(settings), settings.secret_key, audit=login.audit),
        roles=RoleStore(redis, names),
        contexts=ContextStore(redis, names),
        sessions=SessionStore(redis, names, settings.session_ttl),
        lockout=Lockout(
            redis,
            names,
            threshold=settings.lockout_threshold,
            window=settings.lockout_window,
            duration=settings.lockout_duration,
        ),
        audit=login.audit,
    )

    async def http_client(app: web.Application) -> AsyncIterator[None]:
        console = app[CONSOLE]
        console.http = aiohttp.ClientSession()
        try:
            yield
        finally:
            await console.http.close()
            console.http = None

    app.cleanup_ctx.append(http_client)
    for module in (site, users, roles, services, tokens, testclient):
        module.register(app)
