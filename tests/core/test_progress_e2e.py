"""Calendar, completion, grades, messages and mobile config over REST."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.test_course_e2e import _course

pytestmark = pytest.mark.e2e


async def test_action_events_by_timesort(as_user: Any) -> None:
    student = await as_user("student")
    found = await student("core_calendar_get_action_events_by_timesort", limitnum=10)
    names = [e["name"] for e in found["events"]]
    assert names[:2] == ["Essay: our solar system is due", "Planets quiz closes"], found
    assert "Star party" not in names  # course events are not action events
    assert found["events"][0]["action"]["name"] == "Add submission"
    first = found["events"][0]["id"]
    after = await student(
        "core_calendar_get_action_events_by_timesort", aftereventid=first, limitnum=1
    )
    assert [e["name"] for e in after["events"]] == ["Planets quiz closes"]
    bad = await student("core_calendar_get_action_events_by_timesort", limitnum=51)
    assert bad["errorcode"] == "invalidparameter"


async def test_calendar_events(as_user: Any) -> None:
    student = await as_user("student")
    found = await student("core_calendar_get_calendar_events")
    names = {e["name"] for e in found["events"]}
    assert {"Star party", "Study session", "Site maintenance", "A story is due"} <= names
    only_course = await student(
        "core_calendar_get_calendar_events",
        **{"options[userevents]": "0", "options[siteevents]": "0"},
    )
    assert "Study session" not in {e["name"] for e in only_course["events"]}
    student3 = await as_user("student3")
    writing = await _course(student, "WRITE201")
    refused = await student3(
        "core_calendar_get_calendar_events", **{"events[courseids][0]": str(writing["id"])}
    )
    assert refused["warnings"][0]["itemid"] == writing["id"]
    assert "A story is due" not in {e["name"] for e in refused["events"]}


async def test_completion_status(as_user: Any) -> None:
    student = await as_user("student")
    info = await student("core_webservice_get_site_info")
    astro = await _course(student, "ASTRO101")
    found = await student(
        "core_completion_get_activities_completion_status",
        courseid=astro["id"],
        userid=info["userid"],
    )
    done = [s for s in found["statuses"] if s["state"] == 1]
    assert [s["modname"] for s in done] == ["page"]
    assert len(found["statuses"]) >= 10
    student2 = await as_user("student2")
    other = await student2(
        "core_completion_get_activities_completion_status",
        courseid=astro["id"],
        userid=info["userid"],
    )
    assert other["errorcode"] == "nopermissions"


async def test_grade_items(as_user: Any) -> None:
    teacher = await as_user("teacher")
    writing = await _course(teacher, "WRITE201")
    everyone = await teacher("gradereport_user_get_grade_items", courseid=writing["id"])
    assert {g["userfullname"] for g in everyone["usergrades"]} >= {"Sam Student", "Alex Learner"}
    items = everyone["usergrades"][0]["gradeitems"]
    assert [i["itemtype"] for i in items] == ["mod", "course"]
    student = await as_user("student")
    denied = await student("gradereport_user_get_grade_items", courseid=writing["id"])
    assert denied["errorcode"] == "nopermissions"


async def test_send_instant_messages(as_user: Any) -> None:
    student = await as_user("student")
    teacher = await as_user("teacher")
    teacher_id = (await teacher("core_webservice_get_site_info"))["userid"]
    sent = await student(
        "core_message_send_instant_messages",
        **{
            "messages[0][touserid]": str(teacher_id),
            "messages[0][text]": "Hello!",
            "messages[0][clientmsgid]": "c1",
            "messages[1][touserid]": "999999",
            "messages[1][text]": "Anyone?",
        },
    )
    assert sent[0]["msgid"] > 0 and sent[0]["clientmsgid"] == "c1" and sent[0]["text"] == "Hello!"
    assert sent[1]["msgid"] == -1 and sent[1]["errormessage"]
    missing = await student("core_message_send_instant_messages", **{"messages[0][text]": "x"})
    assert missing["errorcode"] == "invalidparameter"


async def test_mobile_config(as_user: Any) -> None:
    student = await as_user("student")
    everything = await student("tool_mobile_get_config")
    names = {s["name"] for s in everything["settings"]}
    assert {"sitename", "calendartype", "tool_mobile_disabledfeatures"} <= names
    calendar = await student("tool_mobile_get_config", section="calendar")
    assert {s["name"] for s in calendar["settings"]} <= names
    bad = await student("tool_mobile_get_config", section="nosuch")
    assert bad["errorcode"] == "invalidparameter"
