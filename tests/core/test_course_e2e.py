"""core_course functions over REST against the seeded demo site."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.conftest import ADMIN_SERVICE

pytestmark = pytest.mark.e2e


async def _course(client: Any, shortname: str) -> dict[str, Any]:
    found = await client("core_course_get_courses_by_field", field="shortname", value=shortname)
    return found["courses"][0]  # type: ignore[no-any-return]


async def test_get_contents_lists_sections_modules_and_files(as_user: Any) -> None:
    student = await as_user("student")
    course = await _course(student, "ASTRO101")
    sections = await student("core_course_get_contents", courseid=course["id"])
    assert [s["section"] for s in sections] == [0, 1, 2, 3]
    modnames = {m["modname"] for s in sections for m in s["modules"]}
    assert modnames == {
        "forum",
        "label",
        "resource",
        "page",
        "url",
        "folder",
        "assign",
        "quiz",
        "lesson",
        "data",
        "workshop",
        "book",
    }
    names = [m["name"] for s in sections for m in s["modules"]]
    assert "Teacher notes (hidden)" not in names
    folder = next(m for s in sections for m in s["modules"] if m["modname"] == "folder")
    files = {(c["filepath"], c["filename"]) for c in folder["contents"]}
    assert files == {("/", "log-1.txt"), ("/week2/", "log-2.txt"), ("/week2/", "nebula.png")}
    assert all("/webservice/pluginfile.php/" in c["fileurl"] for c in folder["contents"])
    page = next(m for s in sections for m in s["modules"] if m["modname"] == "page")
    assert "webservice/pluginfile.php" in page["contents"][0]["content"]
    assert "@@PLUGINFILE@@" not in page["contents"][0]["content"]


async def test_get_contents_options(as_user: Any) -> None:
    teacher = await as_user("teacher")
    course = await _course(teacher, "ASTRO101")
    only = await teacher(
        "core_course_get_contents",
        courseid=course["id"],
        **{"options[0][name]": "sectionnumber", "options[0][value]": "1"},
    )
    assert [s["section"] for s in only] == [1]
    bare = await teacher(
        "core_course_get_contents",
        courseid=course["id"],
        **{"options[0][name]": "excludemodules", "options[0][value]": "1"},
    )
    assert all(s["modules"] == [] for s in bare)
    pages = await teacher(
        "core_course_get_contents",
        courseid=course["id"],
        **{"options[0][name]": "modname", "options[0][value]": "page"},
    )
    assert {m["name"] for s in pages for m in s["modules"]} == {
        "Reading: the Moon",
        "Teacher notes (hidden)",
    }
    bad = await teacher(
        "core_course_get_contents",
        courseid=course["id"],
        **{"options[0][name]": "bogus", "options[0][value]": "1"},
    )
    assert bad["errorcode"] == "errorinvalidparam"


async def test_get_contents_refuses_a_course_the_user_is_not_in(as_user: Any) -> None:
    student3 = await as_user("student3")
    teacher = await as_user("teacher")
    course = await _course(teacher, "WRITE201")
    error = await student3("core_course_get_contents", courseid=course["id"])
    assert error["errorcode"] == "errorcoursecontextnotvalid"
    missing = await student3("core_course_get_contents", courseid=99999)
    assert missing["errorcode"] == "invalidrecord"


async def test_get_courses_and_categories(as_user: Any) -> None:
    admin = await as_user("admin")
    courses = await admin("core_course_get_courses")
    assert isinstance(courses, list), courses
    shortnames = {c["shortname"] for c in courses}
    assert {"ASTRO101", "WRITE201", "OLD100"} <= shortnames
    assert "wsdemo" not in shortnames
    categories = await admin("core_course_get_categories")
    assert {"Sciences", "Arts"} <= {c["name"] for c in categories}
    sci = await admin(
        "core_course_get_categories",
        **{"criteria[0][key]": "idnumber", "criteria[0][value]": "SCI"},
    )
    assert [c["name"] for c in sci] == ["Sciences"] and sci[0]["coursecount"] == 1
    bad = await admin("core_course_get_courses_by_field", field="colour", value="x")
    assert bad["errorcode"] == "invalidparameter"


async def test_student_does_not_see_hidden_courses(as_user: Any) -> None:
    student = await as_user("student")
    found = await student("core_course_get_courses_by_field")
    assert {c["shortname"] for c in found["courses"]} == {"ASTRO101", "WRITE201"}
    astro = (
        found["courses"][0]
        if found["courses"][0]["shortname"] == "ASTRO101"
        else found["courses"][1]
    )
    assert astro["contacts"] and astro["enrollmentmethods"] == ["manual"]


async def test_create_courses_needs_the_capability(as_user: Any) -> None:
    admin, student = await as_user("admin", ADMIN_SERVICE), await as_user("student")
    params = {
        "courses[0][fullname]": "New",
        "courses[0][shortname]": "NEW1",
        "courses[0][categoryid]": "1",
    }
    denied = await student("core_course_create_courses", **params)
    assert denied["errorcode"] in ("nopermissions", "accessexception")
    created = await admin("core_course_create_courses", **params)
    assert created[0]["shortname"] == "NEW1"
    again = await admin("core_course_create_courses", **params)
    assert again["errorcode"] == "shortnametaken"
    sections = await admin("core_course_get_contents", courseid=created[0]["id"])
    assert len(sections) == 5


async def test_view_course_and_timeline(as_user: Any) -> None:
    student = await as_user("student")
    course = await _course(student, "ASTRO101")
    assert (await student("core_course_view_course", courseid=course["id"]))["status"] is True
    timeline = await student(
        "core_course_get_enrolled_courses_by_timeline_classification", classification="inprogress"
    )
    assert {c["shortname"] for c in timeline["courses"]} == {"ASTRO101", "WRITE201"}
    bad = await student(
        "core_course_get_enrolled_courses_by_timeline_classification", classification="someday"
    )
    assert bad["errorcode"] == "invalidparameter"
