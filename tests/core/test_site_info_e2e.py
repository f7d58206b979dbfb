"""core_webservice_get_site_info: the complete §6 structure; not callable over AJAX."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


async def test_site_info_is_complete(as_user: Any) -> None:
    student = await as_user("student")
    info = await student("core_webservice_get_site_info")
    for key in (
        "sitename", "username", "firstname", "lastname", "fullname", "lang", "userid",
        "siteurl", "userpictureurl", "functions", "downloadfiles", "uploadfiles", "release",
        "version", "mobilecssurl", "advancedfeatures", "usercanmanageownfiles", "userquota",
        "usermaxuploadfilesize", "userhomepage", "userprivateaccesskey", "siteid",
        "sitecalendartype", "usercalendartype", "userissiteadmin", "theme",
        "limitconcurrentlogins", "policyagreed",
    ):  # fmt: skip
        assert key in info, key
    assert len(info["advancedfeatures"]) == 12
    assert info["usercanmanageownfiles"] is True and info["userissiteadmin"] is False
    names = {f["name"] for f in info["functions"]}
    assert {
        "core_user_get_users_by_field",
        "core_enrol_get_enrolled_users",
        "mod_assign_get_assignments",
        "mod_forum_add_discussion",
        "core_calendar_get_action_events_by_timesort",
        "core_completion_get_activities_completion_status",
        "gradereport_user_get_grade_items",
        "core_message_send_instant_messages",
        "tool_mobile_get_config",
    } <= names
    # Admin-only functions are not in the mobile service, as in Moodle.
    assert "core_user_create_users" not in names
    admin = await as_user("admin")
    assert (await admin("core_webservice_get_site_info"))["usermaxuploadfilesize"] == -1


async def test_site_info_is_not_an_ajax_function(stack: Stack, http: aiohttp.ClientSession) -> None:
    body = '[{"index":0,"methodname":"core_webservice_get_site_info","args":{}}]'
    async with http.post(f"{stack.url}/lib/ajax/service-nologin.php", data=body) as resp:
        answer = await resp.json()
    assert answer[0]["error"] is True
    assert answer[0]["exception"]["errorcode"] == "servicenotavailable"
