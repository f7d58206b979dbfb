"""``wsadmin export`` / ``import``: round trip between namespaces, idempotence, no secrets."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.auth.accounts import Accounts
from services.auth.admin_cli import main
from services.auth.passwords import Passwords
from services.auth.seed import seed_site
from services.auth.settings import AuthSettings
from shared.constants import Names
from shared.records import AuthorisedUser
from shared.roles import RoleStore
from shared.store import Store, connect_redis
from tests.conftest import drop_namespace
from tests.console.conftest import SECRET


@pytest.fixture
def env(namespace: str, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "REDIS_URL": redis_url,
        "WS_NAMESPACE": namespace,
        "WS_SECRET_KEY": SECRET,
        "WS_AUDIT_PUBLISH": "0",
        "WS_ARGON2_TIME_COST": "1",
        "WS_ARGON2_MEMORY_COST": "8",
        "WS_ARGON2_PARALLELISM": "1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
async def other(redis_url: str) -> AsyncIterator[Store]:
    """A second, empty namespace to import into."""
    namespace = f"wstest-{secrets.token_hex(4)}"
    client = connect_redis(redis_url)
    try:
        yield Store(client, Names(namespace))
    finally:
        await drop_namespace(client, namespace)
        await client.aclose()


async def wsadmin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, ns: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("WS_NAMESPACE", ns)
    capsys.readouterr()
    status = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return status, out, err


async def _populate(store: Store, settings: AuthSettings) -> None:
    await seed_site(store, settings)
    accounts = Accounts(store, Passwords(settings), SECRET)
    await accounts.create_user("jdoe", "Secret-pw-1!", firstname="John", email="j@example.com")
    await accounts.set_suspended("student", True)
    service = await accounts.create_service(
        "reports",
        name="Reports",
        functions=["core_a", "core_b"],
        restrictedusers=True,
        downloadfiles=True,
    )
    jdoe = await store.get_user_by_username("jdoe")
    assert jdoe is not None
    await store.set_authorised_user(service.id, AuthorisedUser(jdoe.id, iprestriction="10.0.0.1"))
    roles = RoleStore(store.redis, store.names)
    role = await roles.create_role("auditor", "Auditor", ["moodle/site:viewreports"], "Reads")
    await roles.assign(jdoe.id, role.id)
    await store.set_config("maintenance_enabled", "1")
    admin = await store.get_user_by_username("admin")
    assert admin is not None
    await accounts.create_token(admin, service)  # tokens never travel


async def test_round_trip_into_a_fresh_namespace(
    env: None,
    store: Store,
    other: Store,
    console_settings: AuthSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _populate(store, console_settings)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    status, out, err = await wsadmin(
        capsys, monkeypatch, store.names.namespace, "export", str(first)
    )
    assert status == 0, err
    assert "to " + str(first) in out
    raw = first.read_text()
    assert "argon2" not in raw and "password" not in raw and "nonce" not in raw
    data = json.loads(raw)
    assert data["version"] == 1
    reports = next(s for s in data["services"] if s["shortname"] == "reports")
    assert reports["functions"] == ["core_a", "core_b"]
    assert reports["authorised_users"] == [{"username": "jdoe", "iprestriction": "10.0.0.1"}]
    auditor = next(r for r in data["roles"] if r["shortname"] == "auditor")
    assert auditor["assignments"] == [{"username": "jdoe", "contextid": 1}]

    status, out, err = await wsadmin(
        capsys, monkeypatch, other.names.namespace, "import", str(first)
    )
    assert status == 0, err
    assert "created user jdoe (no password)" in out and "created service reports" in out
    jdoe = await other.get_user_by_username("jdoe")
    assert jdoe is not None and jdoe.password == "" and jdoe.firstname == "John"
    assert await other.list_tokens() == []
    status, _, err = await wsadmin(
        capsys, monkeypatch, other.names.namespace, "export", str(second)
    )
    assert status == 0, err
    assert second.read_bytes() == first.read_bytes()

    # Idempotent: a second import changes nothing.
    status, out, _ = await wsadmin(capsys, monkeypatch, other.names.namespace, "import", str(first))
    assert status == 0
    assert out.strip() == "imported: nothing to change"


async def test_import_updates_what_drifted(
    env: None,
    store: Store,
    console_settings: AuthSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _populate(store, console_settings)
    path = tmp_path / "site.json"
    assert (await wsadmin(capsys, monkeypatch, store.names.namespace, "export", str(path)))[0] == 0
    admin = await store.get_user_by_username("admin")
    assert admin is not None
    password = admin.password
    service = await store.get_service_by_shortname("reports")
    assert service is not None
    await store.remove_service_functions(service.id, ["core_a"])
    await store.add_service_functions(service.id, ["core_extra"])
    service.enabled = False
    await store.save_service(service)
    roles = RoleStore(store.redis, store.names)
    role = await roles.get_role_by_shortname("auditor")
    assert role is not None
    await roles.set_capabilities(role, ["moodle/site:config"])
    await store.set_config("maintenance_enabled", "0")
    status, out, err = await wsadmin(
        capsys, monkeypatch, store.names.namespace, "import", str(path)
    )
    assert status == 0, err
    assert "updated service reports: enabled" in out
    assert "service reports: added core_a" in out and "removed core_extra" in out
    assert "updated role auditor" in out and "config maintenance_enabled = 1" in out
    assert await store.service_functions(service.id) == {"core_a", "core_b"}
    role = await roles.get_role_by_shortname("auditor")
    assert role is not None and role.capabilities == ["moodle/site:viewreports"]
    admin = await store.get_user_by_username("admin")
    assert admin is not None and admin.password == password  # passwords are never touched


async def test_bad_files_are_refused(
    env: None,
    store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    status, _, err = await wsadmin(capsys, monkeypatch, store.names.namespace, "import", str(path))
    assert status == 1 and "not a site export" in err
    path.write_text(json.dumps({"version": 99}))
    status, _, err = await wsadmin(capsys, monkeypatch, store.names.namespace, "import", str(path))
    assert status == 1 and "newer" in err
    status, _, err = await wsadmin(
        capsys, monkeypatch, store.names.namespace, "import", str(tmp_path / "missing.json")
    )
    assert status == 1 and "cannot read" in err
    assert await store.list_users() == []
