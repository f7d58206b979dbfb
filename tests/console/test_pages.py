"""Every console action over HTTP against the auth app: access, CSRF, effects, escaping."""

from __future__ import annotations

import re
import time

import pytest
from yarl import URL

from services.auth.lockout import Lockout
from shared.audit import AuditLog
from shared.contexts import SYSTEM
from shared.roles import RoleStore
from shared.store import Store
from shared.tokens import hash_token
from shared.wire import FunctionInfo
from tests.console.conftest import Client, Console, MakeClient

PAGES = [
    "/admin/",
    "/admin",
    "/admin/users",
    "/admin/roles",
    "/admin/services",
    "/admin/tokens",
    "/admin/site",
    "/admin/audit",
    "/admin/stats",
    "/admin/testclient",
]

NESTED = {
    "type": "function_parameters",
    "keys": {
        "people": {
            "type": "multiple",
            "content": {
                "type": "single",
                "keys": {
                    "firstname": {"type": "value", "param": "text", "desc": "First name"},
                    "lastname": {"type": "value", "param": "text", "required": 2},
                },
            },
        },
        "shout": {"type": "value", "param": "bool", "required": 0, "default": False},
    },
}


async def _catalog(store: Store) -> None:
    await store.put_functions(
        [
            FunctionInfo("local_test_hello", "local_test", NESTED, description="Say <b>hi</b>"),
            FunctionInfo("local_test_other", "local_test", {"type": "function_parameters"}),
        ]
    )


# --- access -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES)
async def test_every_page_opens_for_the_admin(console: Console, path: str) -> None:
    text = await console.get(path)
    assert "<nav>" in text and "/docs" in text


async def test_anonymous_is_sent_to_the_login_form(make_console: MakeClient) -> None:
    client = await make_console()
    async with client.get("/admin/users?x=1", allow_redirects=False) as resp:
        assert resp.status == 303
        target = URL(resp.headers["Location"])
        assert target.path == "/login/index.php"
        assert target.query["wantsurl"] == "/admin/users?x=1"
    async with client.post("/admin/users/create", data={"username": "x"}) as resp:
        assert resp.status == 403


@pytest.mark.parametrize("path", PAGES)
async def test_non_admin_gets_403(student: Client, path: str) -> None:
    async with student.get(path, allow_redirects=False) as resp:
        assert resp.status == 403
        assert "permissions" in await resp.text()


async def test_non_admin_post_gets_403_and_changes_nothing(student: Client, store: Store) -> None:
    async with student.get("/login/index.php") as resp:
        found = re.search(r'"sesskey": "(\w+)"', await resp.text())
        assert found is not None
    data = {"sesskey": found.group(1), "username": "mallory", "password": "Pw-123456!"}
    async with student.post("/admin/users/create", data=data) as resp:
        assert resp.status == 403
    assert await store.get_user_by_username("mallory") is None


async def test_a_manager_role_opens_the_console(
    make_console: MakeClient, console: Console, store: Store
) -> None:
    """Not only site admins: whoever holds moodle/site:config (the manager role)."""
    await console.post("/admin/roles/assign", role="manager", username="teacher", contextid="1")
    teacher = await make_console("teacher", "Teacher-2026!")
    async with teacher.get("/admin/users") as resp:
        assert resp.status == 200


async def test_suspended_admin_loses_the_console(
    make_console: MakeClient, console: Console, store: Store
) -> None:
    await console.post(
        "/admin/users/create", username="admin2", password="Admin2-pass!", siteadmin="1"
    )
    other = await make_console("admin2", "Admin2-pass!")
    user = await store.get_user_by_username("admin2")
    assert user is not None
    user.suspended = True
    await store.save_user(user)
    async with other.get("/admin/users", allow_redirects=False) as resp:
        assert resp.status == 403


# --- CSRF -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sesskey", ["", "wrongkey00", None])
async def test_posts_without_the_sesskey_are_refused(
    admin: Client, store: Store, sesskey: str | None
) -> None:
    data = {"username": "csrfvictim", "password": "Pw-123456!"}
    if sesskey is not None:
        data["sesskey"] = sesskey
    async with admin.post("/admin/users/create", data=data) as resp:
        assert resp.status == 403
        assert "sesskey" in await resp.text()
    assert await store.get_user_by_username("csrfvictim") is None


async def test_every_form_carries_the_sesskey(console: Console) -> None:
    for path in PAGES:
        text = await console.get(path)
        for form in re.findall(r"<form[^>]*method='post'.*?</form>", text, re.S):
            assert f"name='sesskey' value='{console.sesskey}'" in form, (path, form)


async def test_headers_forbid_framing_caching_and_script(console: Console) -> None:
    async with console.client.get("/admin/users") as resp:
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "script-src 'none'" in resp.headers["Content-Security-Policy"]


# --- users ----------------------------------------------------------------------------------------
async def test_user_create_suspend_unsuspend(console: Console, store: Store) -> None:
    text = await console.post(
        "/admin/users/create",
        username="jdoe",
        password="S3cret-pw!",
        firstname="John",
        lastname="Doe",
        email="j@example.com",
    )
    assert "Created user jdoe" in text
    user = await store.get_user_by_username("jdoe")
    assert user is not None and user.password.startswith("$argon2") and not user.siteadmin
    text = await console.post("/admin/users/suspend", username="jdoe")
    assert "User jdoe suspended" in text and "unsuspend-jdoe" in text
    assert (await store.get_user_by_username("jdoe")).suspended  # type: ignore[union-attr]
    await console.post("/admin/users/unsuspend", username="jdoe")
    assert not (await store.get_user_by_username("jdoe")).suspended  # type: ignore[union-attr]


async def test_user_create_refusals(console: Console) -> None:
    text = await console.post("/admin/users/create", 400, username="Bad Name", password="x")
    assert "invalid username" in text
    await console.post("/admin/users/create", username="dup", password="Pw-123456!")
    text = await console.post("/admin/users/create", 400, username="dup", password="Pw-123456!")
    assert "already exists" in text


async def test_admins_cannot_be_suspended(console: Console, store: Store) -> None:
    text = await console.post("/admin/users/suspend", 400, username="admin")
    assert "your own account" in text
    assert not (await store.get_user_by_username("admin")).suspended  # type: ignore[union-attr]


async def test_unlock(console: Console, store: Store) -> None:
    student = await store.get_user_by_username("student")
    assert student is not None
    lockout = Lockout(store.redis, store.names, threshold=3, window=600, duration=600)
    now = int(time.time())
    for _ in range(3):
        await lockout.record_failure(student.id, now)
    assert await lockout.is_locked(student.id, now)
    text = await console.get("/admin/users")
    assert "unlock-student" in text and "locked" in text
    text = await console.post("/admin/users/unlock", username="student")
    assert "User student unlocked" in text
    assert not await lockout.is_locked(student.id, now)


# --- roles ----------------------------------------------------------------------------------------
async def test_role_create_grant_revoke_assign_unassign(console: Console, store: Store) -> None:
    roles = RoleStore(store.redis, store.names)
    text = await console.post(
        "/admin/roles/create",
        shortname="auditor",
        name="Auditor",
        capabilities="moodle/site:viewreports, moodle/user:viewdetails",
    )
    assert "Created role auditor" in text
    role = await roles.get_role_by_shortname("auditor")
    assert role is not None
    assert role.capabilities == ["moodle/site:viewreports", "moodle/user:viewdetails"]
    await console.post("/admin/roles/grant", role="auditor", capability="moodle/site:config")
    await console.post("/admin/roles/revoke", role="auditor", capability="moodle/site:viewreports")
    role = await roles.get_role_by_shortname("auditor")
    assert role is not None
    assert role.capabilities == ["moodle/site:config", "moodle/user:viewdetails"]
    student = await store.get_user_by_username("student")
    assert student is not None
    text = await console.post(
        "/admin/roles/assign", role="auditor", username="student", contextid="1"
    )
    assert "assigned to student" in text
    assert await roles.has_capability(student.id, "moodle/site:config", SYSTEM)
    await console.post("/admin/roles/unassign", role="auditor", username="student", contextid="1")
    assert not await roles.has_capability(student.id, "moodle/site:config", SYSTEM)
    text = await console.post(
        "/admin/roles/unassign", 400, role="auditor", username="student", contextid="1"
    )
    assert "has no role" in text


async def test_role_refusals(console: Console) -> None:
    assert "not capability names" in await console.post(
        "/admin/roles/create", 400, shortname="r1", capabilities="nonsense"
    )
    assert "unknown role" in await console.post(
        "/admin/roles/grant", 400, role="nope", capability="moodle/site:config"
    )
    assert "unknown context" in await console.post(
        "/admin/roles/assign", 400, role="manager", username="student", contextid="999"
    )


# --- services -------------------------------------------------------------------------------------
async def test_service_lifecycle(console: Console, store: Store) -> None:
    await _catalog(store)
    text = await console.post(
        "/admin/services/create",
        shortname="mysvc",
        name="My service",
        enabled="1",
        downloadfiles="1",
    )
    assert "Created service mysvc" in text
    service = await store.get_service_by_shortname("mysvc")
    assert service is not None and service.enabled and service.downloadfiles
    assert not service.uploadfiles and not service.restrictedusers
    base = f"/admin/services/{service.id}"
    assert "local_test_hello" in await console.get(base)
    await console.post(f"{base}/addfunction", function="local_test_hello")
    await console.post(f"{base}/addfunction", function="local_test_other")
    assert await store.service_functions(service.id) == {"local_test_hello", "local_test_other"}
    await console.post(f"{base}/removefunction", function="local_test_other")
    assert await store.service_functions(service.id) == {"local_test_hello"}
    assert "in the catalog" in await console.post(f"{base}/addfunction", 400, function="core_nope")
    await console.post(f"{base}/disable")
    assert not (await store.get_service(service.id)).enabled  # type: ignore[union-attr]
    await console.post(f"{base}/enable")
    assert (await store.get_service(service.id)).enabled  # type: ignore[union-attr]
    await console.post(
        f"{base}/settings",
        name="Renamed",
        restrictedusers="1",
        uploadfiles="1",
        requiredcapability="moodle/site:config",
    )
    service = await store.get_service(service.id)
    assert service is not None and service.name == "Renamed" and service.restrictedusers
    assert service.uploadfiles and not service.downloadfiles
    assert service.requiredcapability == "moodle/site:config"
    student = await store.get_user_by_username("student")
    assert student is not None
    await console.post(f"{base}/authorise", username="student", iprestriction="10.0.0.0/8")
    auth = await store.get_authorised_user(service.id, student.id)
    assert auth is not None and auth.iprestriction == "10.0.0.0/8"
    assert "deauthorise-student" in await console.get(base)
    await console.post(f"{base}/deauthorise", username="student")
    assert await store.get_authorised_user(service.id, student.id) is None
    await console.get("/admin/services/99999", 404)


# --- tokens ---------------------------------------------------------------------------------------
async def test_token_shown_once_then_never(console: Console, store: Store) -> None:
    text = await console.post(
        "/admin/tokens/create", username="student", service="moodle_mobile_app", name="ci", days="2"
    )
    found = re.search(r"<code id='tokenvalue'>([0-9a-f]{32})</code>", text)
    assert found is not None
    value = found.group(1)
    stored = await store.get_token(hash_token(value))
    assert stored is not None
    token = stored[0]
    assert token.name == "ci" and 0 < token.validuntil - time.time() <= 2 * 86400
    for path in PAGES:
        assert value not in await console.get(path)
    listing = await console.get("/admin/tokens")
    assert f"revoke-{token.id}" in listing
    await console.post("/admin/tokens/revoke", id=str(token.id))
    assert await store.get_token(hash_token(value)) is None
    assert "no token with id" in await console.post("/admin/tokens/revoke", 400, id=str(token.id))


# --- site, audit, statistics ----------------------------------------------------------------------
async def test_switches(console: Console, store: Store) -> None:
    text = await console.post("/admin/site/set", name="maintenance_enabled", value="1")
    assert "maintenance_enabled = 1" in text
    assert (await store.get_config())["maintenance_enabled"] == "1"
    await console.post("/admin/site/set", name="enablewebservices", value="0")
    await console.post("/admin/site/set", name="sitename", value="New name")
    config = await store.get_config()
    assert config["enablewebservices"] == "0" and config["sitename"] == "New name"
    assert "unknown setting" in await console.post("/admin/site/set", 400, name="x", value="1")
    assert "is on or off" in await console.post(
        "/admin/site/set", 400, name="enablewsdocumentation", value="maybe"
    )


async def test_audit_and_statistics(console: Console, store: Store) -> None:
    await console.post("/admin/users/create", username="audited", password="Pw-123456!")
    text = await console.get("/admin/audit?event=user_created")
    assert "user_created" in text and "admin-console" in text
    audit = AuditLog(store.redis, store.names)
    for fn, n in (("core_a", 3), ("core_b", 1)):
        for _ in range(n):
            await audit.record(
                "webservice_function_called", userid=2, other={"function": fn, "protocol": "rest"}
            )
    text = await console.get("/admin/stats")
    rows = re.findall(r"<tr><td>(core_\w)</td><td>rest</td><td>(\d+)</td>", text)
    assert rows == [("core_a", "3"), ("core_b", "1")]


# --- escaping -------------------------------------------------------------------------------------
HOSTILE = "<script>alert('x')</script>\"'&"


async def test_hostile_names_are_escaped(console: Console, store: Store) -> None:
    await console.post(
        "/admin/users/create",
        username="evil",
        password="Pw-123456!",
        firstname=HOSTILE,
        email="e@example.com",
    )
    await console.post("/admin/services/create", shortname="evilsvc", name=HOSTILE, enabled="1")
    await console.post("/admin/roles/create", shortname="evilrole", name=HOSTILE)
    await console.post("/admin/tokens/create", username="evil", service="evilsvc", name=HOSTILE)
    await console.post("/admin/site/set", name="sitename", value=HOSTILE)
    await console.post("/admin/site/set", name="maintenance_message", value=HOSTILE)
    for path in [*PAGES, "/admin/audit?event=" + HOSTILE]:
        text = await console.get(path)
        assert "<script>" not in text, path
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&#x27;&amp;"
        in await console.get("/admin/users")
    )
    assert "<script>" not in await console.post(
        "/admin/users/create", 400, username=HOSTILE, password="x"
    )


# --- test client (form only; execution is tested end to end) --------------------------------------
async def test_test_client_builds_nested_forms(console: Console, store: Store) -> None:
    await _catalog(store)
    text = await console.get("/admin/testclient")
    assert "local_test_hello" in text and "name='people[0][firstname]'" not in text
    text = await console.get("/admin/testclient?wsfunction=local_test_hello&wsitems=2")
    for name in ("people[0][firstname]", "people[0][lastname]", "people[1][firstname]"):
        assert f'name="{name}"' in text
    assert "Say &lt;b&gt;hi&lt;/b&gt;" in text
    assert re.search(r'<select name="shout"', text)


async def test_test_client_refuses_unknown_functions(console: Console) -> None:
    text = await console.post(
        "/admin/testclient", 400, wsfunction="core_nope", wsservice="moodle_mobile_app"
    )
    assert "no function" in text
