"""wsadmin's access commands in-process: users' states, roles, maintenance, audit, refusals."""

from __future__ import annotations

import pytest

from shared.contexts import CONTEXT_COURSE, ContextStore
from shared.roles import RoleStore
from shared.store import Store
from tests.auth.test_admin_cli import env, wsadmin

__all__ = ["env"]  # the fixture, re-exported for pytest


async def _user(capsys: pytest.CaptureFixture[str], name: str = "ann") -> None:
    assert (await wsadmin(capsys, "user", "create", name, "--password", "pw"))[0] == 0


async def test_suspend_unsuspend_unlock(
    env: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    await _user(capsys)
    assert (await wsadmin(capsys, "user", "suspend", "ann"))[1] == ["user 'ann' suspended"]
    user = await store.get_user_by_username("ann")
    assert user is not None and user.suspended
    assert (await wsadmin(capsys, "user", "unsuspend", "ann"))[1] == ["user 'ann' reactivated"]
    user = await store.get_user_by_username("ann")
    assert user is not None and not user.suspended
    await store.redis.hset(store.names.lockout(user.id), mapping={"locked": 1, "until": 0})
    assert (await wsadmin(capsys, "user", "unlock", "ann"))[1] == ["user 'ann' unlocked"]
    assert not await store.redis.exists(store.names.lockout(user.id))
    _, out, _ = await wsadmin(capsys, "user", "unlock", "ann")
    assert out == ["user 'ann' unlocked (was not locked)"]


async def test_roles(env: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    await _user(capsys)
    status, out, _ = await wsadmin(
        capsys, "role", "create", "auditor", "--name", "Auditor", "--capabilities", "a/b:c,d/e:f"
    )
    assert status == 0 and out[0].startswith("created role 'auditor'")
    assert (await wsadmin(capsys, "role", "grant", "auditor", "x/y:z"))[0] == 0
    assert (await wsadmin(capsys, "role", "revoke", "auditor", "a/b:c"))[0] == 0
    roles = RoleStore(store.redis, store.names)
    role = await roles.get_role_by_shortname("auditor")
    assert role is not None and role.capabilities == ["d/e:f", "x/y:z"]
    course = await ContextStore(store.redis, store.names).ensure(CONTEXT_COURSE, 3)
    argv = ["role", "assign", "auditor", "ann", "--context", str(course.id)]
    assert (await wsadmin(capsys, *argv))[0] == 0
    _, out, _ = await wsadmin(capsys, "role", "list", "--user", "ann")
    assert out == [f"auditor  context {course.id}"]
    argv[1] = "unassign"
    assert (await wsadmin(capsys, *argv))[0] == 0
    status, _, err = await wsadmin(capsys, *argv)
    assert status == 1 and "has no role 'auditor'" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["role", "grant", "nosuch", "a/b:c"], "unknown role 'nosuch'"),
        (["role", "grant", "dup", "notacapability"], "not capability names"),
        (["role", "create", "dup"], "already exists"),
        (["role", "assign", "dup", "ann", "--context", "999"], "unknown context id 999"),
        (["role", "assign", "dup", "nobody"], "unknown user 'nobody'"),
        (["user", "suspend", "nobody"], "unknown user 'nobody'"),
        (["service", "deauthorise", "nosvc", "ann"], "unknown service 'nosvc'"),
    ],
)
async def test_refusals(
    env: dict[str, str],
    store: Store,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    await _user(capsys)
    assert (await wsadmin(capsys, "role", "create", "dup"))[0] == 0
    status, out, err = await wsadmin(capsys, *argv)
    assert status == 1 and out == []
    assert err.count("\n") == 1 and message in err


async def test_maintenance_and_audit(
    env: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await wsadmin(capsys, "maintenance", "on"))[1] == ["maintenance mode on"]
    assert (await store.get_config())["maintenance_enabled"] == "1"
    assert (await wsadmin(capsys, "maintenance", "off"))[0] == 0
    assert (await store.get_config())["maintenance_enabled"] == "0"
    await _user(capsys)
    assert (await wsadmin(capsys, "service", "create", "svc", "--restricted"))[0] == 0
    assert (await wsadmin(capsys, "service", "authorise", "svc", "ann"))[0] == 0
    assert (await wsadmin(capsys, "service", "deauthorise", "svc", "ann"))[0] == 0
    _, out, _ = await wsadmin(capsys, "audit")
    names = [line.split()[1] for line in out]
    assert names == [
        "config_log_created",
        "config_log_created",
        "user_created",
        "webservice_service_created",
        "webservice_service_user_added",
        "webservice_service_user_removed",
    ]
    _, out, _ = await wsadmin(capsys, "audit", "--event", "config_log_created", "--limit", "1")
    assert len(out) == 1 and "value=False" in out[0]
