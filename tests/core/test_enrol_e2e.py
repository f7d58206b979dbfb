"""Enrolment functions over REST: participants with options, manual enrol and unenrol."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.core.conftest import ADMIN_SERVICE
from tests.core.test_course_e2e import _course

pytestmark = pytest.mark.e2e


async def test_enrolled_users_with_options(as_user: Any) -> None:
    teacher = await as_user("teacher")
    course = await _course(teacher, "ASTRO101")
    users = await teacher("core_enrol_get_enrolled_users", courseid=course["id"])
    assert {u["username"] for u in users} >= {"student", "student2", "student3", "teacher"}
    sam = next(u for u in users if u["username"] == "student")
    assert sam["roles"][0]["shortname"] == "student"
    assert {g["name"] for g in sam["groups"]} == {"Group A"}
    assert {c["shortname"] for c in sam["enrolledcourses"]} >= {"ASTRO101", "WRITE201"}
    group_b = next(g for u in users for g in u["groups"] if g["name"] == "Group B")
    # Filtering by a group one is not in needs moodle/site:accessallgroups.
    admin = await as_user("admin")
    only_b = await admin(
        "core_enrol_get_enrolled_users",
        courseid=course["id"],
        **{
            "options[0][name]": "groupid",
            "options[0][value]": str(group_b["id"]),
            "options[1][name]": "userfields",
            "options[1][value]": "id,fullname",
        },
    )
    assert only_b == [{"id": only_b[0]["id"], "fullname": "Robin Reader"}], only_b
    # A teacher holds it (as in Moodle's editingteacher archetype); a student outside the
    # group does not.
    student = await as_user("student")
    refused = await student(
        "core_enrol_get_enrolled_users",
        courseid=course["id"],
        **{"options[0][name]": "groupid", "options[0][value]": str(group_b["id"])},
    )
    assert refused["errorcode"] == "nopermissions", refused
    by_teacher = await teacher(
        "core_enrol_get_enrolled_users",
        courseid=course["id"],
        **{"options[0][name]": "groupid", "options[0][value]": str(group_b["id"])},
    )
    assert [u["fullname"] for u in by_teacher] == ["Robin Reader"], by_teacher
    page = await teacher(
        "core_enrol_get_enrolled_users",
        courseid=course["id"],
        **{
            "options[0][name]": "sortby",
            "options[0][value]": "lastname",
            "options[1][name]": "limitnumber",
            "options[1][value]": "2",
        },
    )
    assert len(page) == 2
    bad = await teacher(
        "core_enrol_get_enrolled_users",
        courseid=course["id"],
        **{"options[0][name]": "sortby", "options[0][value]": "shoesize"},
    )
    assert bad["errorcode"] == "invalidparameter"


async def test_enrolled_users_needs_access(as_user: Any) -> None:
    student3 = await as_user("student3")
    writing = await _course(await as_user("teacher"), "WRITE201")
    refused = await student3("core_enrol_get_enrolled_users", courseid=writing["id"])
    assert refused["errorcode"] == "errorcoursecontextnotvalid"


async def test_manual_enrol_and_unenrol(as_user: Any) -> None:
    admin = await as_user("admin", ADMIN_SERVICE)
    name = f"enr{uuid.uuid4().hex[:8]}"
    created = await admin(
        "core_user_create_users",
        **{
            "users[0][username]": name,
            "users[0][password]": "Welcome-2026!",
            "users[0][firstname]": "En",
            "users[0][lastname]": "Rolled",
            "users[0][email]": f"{name}@example.com",
        },
    )
    userid = created[0]["id"]
    course = await _course(admin, "WRITE201")
    users = await admin("core_enrol_get_enrolled_users", courseid=course["id"])
    student_role = next(u for u in users if u["username"] == "student")["roles"][0]["roleid"]
    enrol = {
        "enrolments[0][roleid]": str(student_role),
        "enrolments[0][userid]": str(userid),
        "enrolments[0][courseid]": str(course["id"]),
    }
    assert await admin("enrol_manual_enrol_users", **enrol) is None
    courses = await admin("core_enrol_get_users_courses", userid=str(userid))
    assert [c["shortname"] for c in courses] == ["WRITE201"]
    site = await admin("enrol_manual_enrol_users", **(enrol | {"enrolments[0][courseid]": "1"}))
    assert site["errorcode"] == "wsnoinstance"
    unenrol = {"enrolments[0][userid]": str(userid), "enrolments[0][courseid]": str(course["id"])}
    assert await admin("enrol_manual_unenrol_users", **unenrol) is None
    assert await admin("core_enrol_get_users_courses", userid=str(userid)) == []

    student = await as_user("student", ADMIN_SERVICE)
    denied = await student("enrol_manual_enrol_users", **enrol)
    assert denied["errorcode"] == "nopermissions"
    teacher = await as_user("teacher", ADMIN_SERVICE)
    teacher_role = next(u for u in users if u["username"] == "teacher")["roles"][0]["roleid"]
    # An editing teacher may give the student role but not their own.
    promote = enrol | {"enrolments[0][roleid]": str(teacher_role)}
    assert (await teacher("enrol_manual_enrol_users", **promote))[
        "errorcode"
    ] == "wsusercannotassign"
    assert await teacher("enrol_manual_enrol_users", **enrol) is None
