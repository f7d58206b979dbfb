"""mod_assign and mod_forum over REST against the demo site."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.test_course_e2e import _course

pytestmark = pytest.mark.e2e


async def _ids(client: Any) -> tuple[int, int]:
    astro = await _course(client, "ASTRO101")
    users = await client("core_enrol_get_enrolled_users", courseid=astro["id"])
    student = next(u for u in users if u["fullname"] == "Sam Student")
    return astro["id"], student["id"]


async def test_assignments_submissions_and_grades(as_user: Any) -> None:
    teacher = await as_user("teacher")
    astro_id, student_id = await _ids(teacher)
    found = await teacher("mod_assign_get_assignments", **{"courseids[0]": str(astro_id)})
    assert [c["id"] for c in found["courses"]] == [astro_id], found
    essay = found["courses"][0]["assignments"][0]
    assert essay["name"] == "Essay: our solar system" and essay["grade"] == 100
    assert essay["introattachments"][0]["filename"] == "essay-guidelines.txt"
    subs = await teacher("mod_assign_get_submissions", **{"assignmentids[0]": str(essay["id"])})
    mine = subs["assignments"][0]["submissions"]
    assert [s["userid"] for s in mine] == [student_id] and mine[0]["status"] == "submitted"
    grade = {
        "assignmentid": str(essay["id"]),
        "applytoall": "0",
        "grades[0][userid]": str(student_id),
        "grades[0][grade]": "91.5",
        "grades[0][attemptnumber]": "-1",
        "grades[0][addattempt]": "0",
        "grades[0][workflowstate]": "",
        "grades[0][plugindata][assignfeedbackcomments_editor][text]": "Great",
        "grades[0][plugindata][assignfeedbackcomments_editor][format]": "1",
    }
    assert await teacher("mod_assign_save_grades", **grade) is None
    items = await teacher("gradereport_user_get_grade_items", courseid=astro_id, userid=student_id)
    essay_item = next(
        i for i in items["usergrades"][0]["gradeitems"] if i["itemname"] == essay["name"]
    )
    assert essay_item["graderaw"] == 91.5
    too_high = await teacher("mod_assign_save_grades", **(grade | {"grades[0][grade]": "250"}))
    assert too_high["errorcode"] == "invalidparameter"

    student = await as_user("student")
    mine_only = await student("mod_assign_get_assignments")
    assert {c["shortname"] for c in mine_only["courses"]} == {"ASTRO101", "WRITE201"}
    refused = await student("mod_assign_get_submissions", **{"assignmentids[0]": str(essay["id"])})
    assert refused["assignments"] == [] and refused["warnings"][0]["itemid"] == essay["id"]
    denied = await student("mod_assign_save_grades", **grade)
    assert denied["errorcode"] == "nopermissions"
    student3 = await as_user("student3")
    writing = await _course(teacher, "WRITE201")
    warned = await student3("mod_assign_get_assignments", **{"courseids[0]": str(writing["id"])})
    assert warned["courses"] == [] and warned["warnings"][0]["itemid"] == writing["id"]


async def test_forums_discussions_and_new_discussion(as_user: Any) -> None:
    student = await as_user("student")
    forums = await student("mod_forum_get_forums_by_courses")
    assert isinstance(forums, list), forums
    general = next(f for f in forums if f["name"] == "Stargazing forum")
    news = next(f for f in forums if f["type"] == "news" and f["course"] == general["course"])
    assert general["cancreatediscussions"] is True and news["cancreatediscussions"] is False
    listed = await student("mod_forum_get_forum_discussions", forumid=general["id"])
    assert [d["name"] for d in listed["discussions"]] == ["Best telescope?"]
    assert listed["discussions"][0]["numreplies"] == 1
    added = await student(
        "mod_forum_add_discussion",
        forumid=general["id"],
        subject="Meteor shower",
        message="<p>Tonight!</p>",
    )
    assert added["discussionid"] > 0, added
    first_page = await student(
        "mod_forum_get_forum_discussions", forumid=general["id"], page=0, perpage=1
    )
    assert [d["name"] for d in first_page["discussions"]] == ["Meteor shower"]
    assert [
        d["name"]
        for d in (
            await student(
                "mod_forum_get_forum_discussions", forumid=general["id"], page=1, perpage=1
            )
        )["discussions"]
    ] == ["Best telescope?"]
    refused = await student(
        "mod_forum_add_discussion", forumid=news["id"], subject="x", message="y"
    )
    assert refused["errorcode"] == "cannotcreatediscussion"
    student3 = await as_user("student3")
    writing_news = next(
        f for f in forums if f["type"] == "news" and f["course"] != general["course"]
    )
    outsider = await student3("mod_forum_get_forum_discussions", forumid=writing_news["id"])
    assert outsider["errorcode"] == "errorcoursecontextnotvalid"
    bad = await student("mod_forum_get_forum_discussions", forumid=general["id"], sortorder=42)
    assert bad["errorcode"] == "invalidparameter"
