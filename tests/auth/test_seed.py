"""Seeding: admin, demo users, the mobile service and site defaults, idempotently."""

from __future__ import annotations

import asyncio

import msgspec

from services.auth.passwords import Passwords
from services.auth.seed import DEMO_USERS, SITE_DEFAULTS, seed_site
from services.auth.settings import AuthSettings
from shared.constants import MOBILE_SERVICE
from shared.store import Store
from tests.auth.conftest import ADMIN_PASSWORD


async def test_first_seed_creates_the_site(store: Store, auth_settings: AuthSettings) -> None:
    assert await seed_site(store, auth_settings) is None  # password was configured
    admin = await store.get_user_by_username("admin")
    assert admin is not None and admin.siteadmin
    assert await Passwords(auth_settings).verify(admin.password, ADMIN_PASSWORD)
    for username, password, *_ in DEMO_USERS:
        user = await store.get_user_by_username(username)
        assert user is not None and not user.siteadmin
        assert await Passwords(auth_settings).verify(user.password, password)
    service = await store.get_service_by_shortname(MOBILE_SERVICE)
    assert service is not None
    assert (service.name, service.component) == ("Moodle mobile web service", "moodle")
    assert service.enabled and not service.restrictedusers
    assert service.downloadfiles and service.uploadfiles
    assert (await store.get_config())["sitename"] == "Moodle WS Demo"
    assert set(SITE_DEFAULTS) <= set(await store.get_config())


async def test_seed_is_idempotent_and_keeps_changes(
    store: Store, auth_settings: AuthSettings
) -> None:
    await seed_site(store, auth_settings)
    await store.set_config("sitename", "Renamed")
    users = await store.list_users()
    services = await store.list_services()
    assert await seed_site(store, auth_settings) is None
    assert [u.id for u in await store.list_users()] == [u.id for u in users]
    assert [s.id for s in await store.list_services()] == [s.id for s in services]
    assert (await store.get_config())["sitename"] == "Renamed"


async def test_generated_admin_password_is_returned_once(
    store: Store, auth_settings: AuthSettings
) -> None:
    settings = msgspec.structs.replace(auth_settings, admin_password="", seed=False)
    generated = await seed_site(store, settings)
    assert generated and len(generated) >= 16
    admin = await store.get_user_by_username("admin")
    assert admin is not None
    assert await Passwords(settings).verify(admin.password, generated)
    assert await seed_site(store, settings) is None


async def test_no_demo_users_when_seeding_is_off(store: Store, auth_settings: AuthSettings) -> None:
    await seed_site(store, msgspec.structs.replace(auth_settings, seed=False))
    assert [u.username for u in await store.list_users()] == ["admin"]
    assert await store.get_service_by_shortname(MOBILE_SERVICE) is not None


async def test_concurrent_seeds_create_one_of_each(
    store: Store, auth_settings: AuthSettings
) -> None:
    settings = msgspec.structs.replace(auth_settings, admin_password="")
    results = await asyncio.gather(*(seed_site(store, settings) for _ in range(4)))
    assert sum(r is not None for r in results) <= 1
    usernames = sorted(u.username for u in await store.list_users())
    assert usernames == sorted(["admin", *(u[0] for u in DEMO_USERS)])
    assert [s.shortname for s in await store.list_services()] == [MOBILE_SERVICE]
