"""core_user functions over REST: lookups, visibility, create/update/delete with capabilities."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.core.conftest import ADMIN_SERVICE
from tests.e2e.stack import Stack, login

pytestmark = pytest.mark.e2e


async def test_get_users_by_field_shows_what_the_caller_may_see(as_user: Any) -> None:
    student = await as_user("student")
    me = await student("core_user_get_users_by_field", field="username", **{"values[0]": "student"})
    assert me[0]["username"] == "student" and me[0]["email"] == "student@example.com"
    # A classmate: public fields only; the admin shares no course: omitted.
    found = await student(
        "core_user_get_users_by_field",
        field="username",
        **{"values[0]": "student2", "values[1]": "admin", "values[2]": "nobody"},
    )
    assert [u["fullname"] for u in found] == ["Alex Learner"]
    assert "email" not in found[0] and "username" not in found[0]
    bad = await student("core_user_get_users_by_field", field="colour", **{"values[0]": "x"})
    assert bad["errorcode"] == "invalidparameter"


async def test_get_users_search_and_warnings(as_user: Any) -> None:
    admin = await as_user("admin", ADMIN_SERVICE)
    found = await admin(
        "core_user_get_users",
        **{
            "criteria[0][key]": "lastname",
            "criteria[0][value]": "Stud%",
            "criteria[1][key]": "shoesize",
            "criteria[1][value]": "42",
        },
    )
    assert [u["username"] for u in found["users"]] == ["student"]
    assert found["warnings"][0]["warningcode"] == "invalidfieldparameter"


async def test_create_update_delete_users(as_user: Any, http: Any, stack: Stack) -> None:
    admin = await as_user("admin", ADMIN_SERVICE)
    name = f"new{uuid.uuid4().hex[:8]}"
    spec = {
        "users[0][username]": name,
        "users[0][password]": "Welcome-2026!",
        "users[0][firstname]": "New",
        "users[0][lastname]": "Person",
        "users[0][email]": f"{name}@example.com",
    }
    created = await admin("core_user_create_users", **spec)
    assert created[0]["username"] == name, created
    userid = created[0]["id"]
    again = await admin("core_user_create_users", **spec)
    assert again["errorcode"] == "invalidparameter" and "already exists" in again["debuginfo"]
    weak = await admin(
        "core_user_create_users",
        **(
            spec
            | {
                "users[0][username]": name + "x",
                "users[0][email]": "w@x.org",
                "users[0][password]": "weak",
            }
        ),
    )
    assert "exception" in weak and "8 characters" in weak["message"]
    # The new user logs in with the password given.
    body = await login(http, stack, name, "Welcome-2026!")
    assert "token" in body, body
    updated = await admin(
        "core_user_update_users",
        **{"users[0][id]": str(userid), "users[0][city]": "Hobart", "users[1][id]": "999999"},
    )
    assert [w["warningcode"] for w in updated["warnings"]] == ["invaliduserid"]
    seen = await admin("core_user_get_users_by_field", field="id", **{"values[0]": str(userid)})
    assert seen[0]["city"] == "Hobart"
    assert await admin("core_user_delete_users", **{"userids[0]": str(userid)}) is None
    assert "token" not in await login(http, stack, name, "Welcome-2026!")
    gone = await admin("core_user_get_users_by_field", field="id", **{"values[0]": str(userid)})
    assert gone == []
    missing = await admin("core_user_delete_users", **{"userids[0]": str(userid)})
    assert missing["errorcode"] == "invalidrecord"


async def test_user_writers_need_capabilities(as_user: Any) -> None:
    student = await as_user("student", ADMIN_SERVICE)
    denied = await student(
        "core_user_create_users",
        **{
            "users[0][username]": "sneaky",
            "users[0][password]": "Sneaky-2026!",
            "users[0][firstname]": "S",
            "users[0][lastname]": "N",
            "users[0][email]": "sneaky@example.com",
        },
    )
    assert denied["errorcode"] == "nopermissions", denied
    assert (await student("core_user_delete_users", **{"userids[0]": "2"}))[
        "errorcode"
    ] == "nopermissions"
    manager = await as_user("manager", ADMIN_SERVICE)
    admin_id = (
        await manager("core_user_get_users_by_field", field="username", **{"values[0]": "admin"})
    )[0]["id"]
    refused = await manager("core_user_delete_users", **{"userids[0]": str(admin_id)})
    assert refused["errorcode"] == "useradminodelete"
