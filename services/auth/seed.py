"""The site every fresh namespace starts with: an admin, demo users, the mobile service.

Safe to run on every start and from several processes at once: each record is created only
when missing (unique indexes settle races), and the demo users are created once per namespace
(``store.mark_seeded``), so users an administrator removed or changed stay that way.
"""

from __future__ import annotations

import logging
import secrets
from typing import Protocol

from services.auth.accounts import AccountError, Accounts
from services.auth.passwords import HashCost, Passwords
from shared.constants import MOBILE_SERVICE
from shared.records import ServiceRecord
from shared.roles import RoleStore, ensure_default_roles
from shared.store import Store

__all__ = ["ADMIN_USERNAME", "DEMO_USERS", "SITE_DEFAULTS", "SeedConfig", "seed_site"]

logger = logging.getLogger(__name__)

ADMIN_USERNAME = "admin"

#: Demo accounts (username, password, firstname, lastname); the passwords are documented in
#: the README, which is why they exist only when seeding is on.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("student", "Student-2026!", "Sam", "Student"),
    ("teacher", "Teacher-2026!", "Tess", "Teacher"),
)

#: Site configuration written only when absent, so an administrator's changes survive restarts.
SITE_DEFAULTS: dict[str, str] = {
    "sitename": "Moodle WS Demo",
    "siteshortname": "wsdemo",
    "enablewebservices": "1",
    "enablemobilewebservice": "1",
    "webserviceprotocols": "rest,ajax,api",
    "maintenance_enabled": "0",
    "lang": "en",
}


class SeedConfig(HashCost, Protocol):
    """The settings fields seeding reads (both AuthSettings and AdminSettings have them)."""

    admin_password: str
    seed: bool


def generate_password() -> str:
    # token_urlsafe alone can lack a digit or symbol; the suffix satisfies common policies.
    return secrets.token_urlsafe(12) + "-7a"


async def seed_site(store: Store, settings: SeedConfig) -> str | None:
    """Seed the site; returns the admin password when it was generated (print it once)."""
    accounts = Accounts(store, Passwords(settings))
    generated = await _ensure_admin(accounts, settings.admin_password)
    # Roles first: capability checks (token creation, protocol use) read them.
    await ensure_default_roles(RoleStore(store.redis, store.names))
    await store.ensure_service(
        ServiceRecord(
            id=0,
            name="Moodle mobile web service",
            shortname=MOBILE_SERVICE,
            component="moodle",
            enabled=True,
            restrictedusers=False,
            downloadfiles=True,
            uploadfiles=True,
        )
    )
    config = await store.get_config()
    for name, value in SITE_DEFAULTS.items():
        if name not in config:
            await store.set_config(name, value)
    if settings.seed and await store.mark_seeded():
        for username, password, firstname, lastname in DEMO_USERS:
            try:
                await accounts.create_user(
                    username,
                    password,
                    firstname=firstname,
                    lastname=lastname,
                    email=f"{username}@example.com",
                )
            except AccountError:  # already there (created by hand or by a racing process)
                continue
        logger.info("demo users created: %r", [u[0] for u in DEMO_USERS])
    return generated


async def _ensure_admin(accounts: Accounts, configured: str) -> str | None:
    if await accounts.store.get_user_by_username(ADMIN_USERNAME) is not None:
        return None
    password = configured or generate_password()
    try:
        await accounts.create_user(
            ADMIN_USERNAME,
            password,
            firstname="Admin",
            lastname="User",
            email="admin@example.com",
            siteadmin=True,
        )
    except AccountError:  # another process created it first; its password stands
        return None
    return None if configured else password
