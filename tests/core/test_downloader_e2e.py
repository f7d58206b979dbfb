"""A course downloader's session (clients-in-the-wild.md) against the demo site, every file."""

from __future__ import annotations

import hashlib
from typing import Any

import aiohttp
import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

MODS = (
    ("mod_page_get_pages_by_courses", "pages"),
    ("mod_resource_get_resources_by_courses", "resources"),
    ("mod_folder_get_folders_by_courses", "folders"),
    ("mod_url_get_urls_by_courses", "urls"),
    ("mod_book_get_books_by_courses", "books"),
    ("mod_quiz_get_quizzes_by_courses", "quizzes"),
    ("mod_data_get_databases_by_courses", "databases"),
    ("mod_workshop_get_workshops_by_courses", "workshops"),
    ("mod_lesson_get_lessons_by_courses", "lessons"),
)


async def test_course_downloader_session(
    as_user: Any, http: aiohttp.ClientSession, stack: Stack
) -> None:
    student = await as_user("student")
    info = await student("core_webservice_get_site_info")
    courses = await student("core_enrol_get_users_courses", userid=info["userid"])
    assert {c["shortname"] for c in courses} == {"ASTRO101", "WRITE201"}
    downloaded = {}
    for course in courses:
        for section in await student("core_course_get_contents", courseid=course["id"]):
            for module in section["modules"]:
                for content in module.get("contents", []):
                    if content["type"] != "file" or "content" in content:
                        continue  # a page's index.html arrives inline
                    sep = "&" if "?" in content["fileurl"] else "?"
                    async with http.get(f"{content['fileurl']}{sep}token={student.token}") as resp:
                        body = await resp.read()
                        assert resp.status == 200, (content["fileurl"], resp.status)
                    assert len(body) == content["filesize"]
                    downloaded[content["filename"]] = hashlib.sha256(body).hexdigest()
    assert {
        "star-chart.pdf",
        "moon.png",
        "log-1.txt",
        "log-2.txt",
        "nebula.png",
        "cover.png",
    } <= set(downloaded)
    params = {f"courseids[{i}]": str(c["id"]) for i, c in enumerate(courses)}
    for function, key in MODS:
        result = await student(
            function, moodlewssettingfilter="true", moodlewssettingfileurl="true", **params
        )
        assert key in result and result["warnings"] == [], (function, result)
    pages = (await student("mod_page_get_pages_by_courses", **params))["pages"]
    assert "Teacher notes (hidden)" not in {p["name"] for p in pages}


async def test_mod_by_courses_warns_about_foreign_courses(as_user: Any) -> None:
    student3 = await as_user("student3")
    teacher = await as_user("teacher")
    writing = (
        await teacher("core_course_get_courses_by_field", field="shortname", value="WRITE201")
    )["courses"][0]
    result = await student3("mod_page_get_pages_by_courses", **{"courseids[0]": str(writing["id"])})
    assert result["pages"] == [] and result["warnings"][0]["itemid"] == writing["id"]
    teacher_pages = await teacher("mod_page_get_pages_by_courses")
    assert "Teacher notes (hidden)" in {p["name"] for p in teacher_pages["pages"]}
    bad = await student3("core_enrol_get_users_courses", userid="abc")
    assert bad["errorcode"] == "invalidparameter"
    other = await student3("core_enrol_get_users_courses", userid=1)
    assert other["errorcode"] in ("nopermissions", "invalidrecord")
