"""End to end over HTTP: log in through the gateway, call functions through REST."""

from __future__ import annotations

import io
import re
from typing import Any

import aiohttp
import pytest
from yarl import URL

from tests.e2e.stack import ADMIN_PASSWORD, Stack, login, rest

pytestmark = pytest.mark.e2e

SITE_INFO_KEYS = {
    "sitename",
    "username",
    "firstname",
    "lastname",
    "fullname",
    "lang",
    "userid",
    "siteurl",
    "userpictureurl",
    "functions",
    "downloadfiles",
    "uploadfiles",
    "release",
    "version",
    "mobilecssurl",
    "advancedfeatures",
    "usercanmanageownfiles",
    "userquota",
    "usermaxuploadfilesize",
    "userhomepage",
    "userprivateaccesskey",
    "siteid",
    "sitecalendartype",
    "usercalendartype",
    "userissiteadmin",
    "theme",
    "limitconcurrentlogins",
    "policyagreed",
}


async def student_token(http: aiohttp.ClientSession, stack: Stack) -> str:
    body = await login(http, stack, "student", "Student-2026!")
    token: str = body["token"]
    return token


async def test_login_returns_a_moodle_token(http: aiohttp.ClientSession, stack: Stack) -> None:
    body = await login(http, stack, "student", "Student-2026!")
    assert set(body) == {"token", "privatetoken"}
    assert re.fullmatch(r"[0-9a-f]{32}", body["token"])
    assert body["privatetoken"] is None  # plain HTTP: never a private token
    again = await login(http, stack, "student", "Student-2026!")
    assert again["token"] == body["token"]  # an existing valid token is reused


async def test_login_with_get_and_double_slash(http: aiohttp.ClientSession, stack: Stack) -> None:
    params = {"username": "student", "password": "Student-2026!", "service": "moodle_mobile_app"}
    async with http.get(f"{stack.url}//login/token.php", params=params) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["token"])


async def test_bad_password_is_invalidlogin(http: aiohttp.ClientSession, stack: Stack) -> None:
    body = await login(http, stack, "student", "wrong")
    assert body == {
        "error": "Invalid login, please try again",
        "errorcode": "invalidlogin",
        "stacktrace": None,
        "debuginfo": None,
        "reproductionlink": None,
    }


async def test_site_info_over_rest(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await student_token(http, stack)
    info: dict[str, Any] = await rest(http, stack, "core_webservice_get_site_info", token)
    assert set(info) >= SITE_INFO_KEYS, SITE_INFO_KEYS - set(info)
    assert info["username"] == "student"
    assert isinstance(info["userid"], int)
    assert isinstance(info["version"], str) and int(info["version"].split(".")[0]) > 2020000000
    names = {f["name"] for f in info["functions"]}
    assert {"core_webservice_get_site_info", "tool_mobile_get_public_config"} <= names
    assert info["siteurl"] == stack.url
    assert info["userissiteadmin"] is False
    assert info["downloadfiles"] == 1


async def test_site_info_with_get_and_double_slash(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    token = await student_token(http, stack)
    params = {
        "wstoken": token,
        "wsfunction": "core_webservice_get_site_info",
        "moodlewsrestformat": "json",
    }
    async with http.get(f"{stack.url}//webservice/rest/server.php", params=params) as resp:
        assert resp.status == 200
        assert (await resp.json())["username"] == "student"


async def test_site_info_as_xml(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await student_token(http, stack)
    text = await rest(http, stack, "core_webservice_get_site_info", token, fmt="xml")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n<SINGLE>\n')
    assert '<KEY name="username"><VALUE>student</VALUE>\n</KEY>' in text


async def test_bad_token(http: aiohttp.ClientSession, stack: Stack) -> None:
    body = await rest(http, stack, "core_webservice_get_site_info", "0" * 32)
    assert body == {
        "exception": "moodle_exception",
        "errorcode": "invalidtoken",
        "message": "Invalid token - token not found",
    }


async def test_missing_token_is_invalidtoken(http: aiohttp.ClientSession, stack: Stack) -> None:
    url = f"{stack.url}/webservice/rest/server.php"
    data = {"wsfunction": "core_webservice_get_site_info", "moodlewsrestformat": "json"}
    async with http.post(url, data=data) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert (await resp.json())["errorcode"] == "invalidtoken"


async def test_unknown_function(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await student_token(http, stack)
    body = await rest(http, stack, "local_nothing_here", token)
    assert body["exception"] == "dml_missing_record_exception"
    assert body["errorcode"] == "invalidrecord"
    assert body["message"] == "Can't find data record in database table external_functions."


async def test_function_outside_the_service(http: aiohttp.ClientSession, stack: Stack) -> None:
    stack.wsadmin(
        "service", "create", "public_only", "--functions", "tool_mobile_get_public_config"
    )
    created = stack.wsadmin("token", "create", "student", "public_only")
    token = created.stdout.strip().splitlines()[-1]
    ok = await rest(http, stack, "tool_mobile_get_public_config", token)
    assert ok["typeoflogin"] == 1
    body = await rest(http, stack, "core_webservice_get_site_info", token)
    assert body["exception"] == "webservice_access_exception"
    assert body["errorcode"] == "accessexception"
    assert body["message"] == "Access control exception"
    assert (
        "Access to the function core_webservice_get_site_info() is not allowed"
        in (body["debuginfo"])
    )


async def test_invalid_parameter(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await student_token(http, stack)
    body = await rest(http, stack, "core_webservice_get_site_info", token, serviceshortnames="x")
    assert body["errorcode"] == "invalidparameter"
    assert body["message"] == "Invalid parameter value detected"
    assert body["debuginfo"].startswith("serviceshortnames => Invalid parameter value detected")
    body = await rest(http, stack, "core_webservice_get_site_info", token, unexpected="1")
    assert body["debuginfo"] == "Unexpected keys (unexpected) detected in parameter array."


async def test_bracket_arguments(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await student_token(http, stack)
    url = f"{stack.url}/webservice/rest/server.php?moodlewsrestformat=json"
    body = (
        f"wstoken={token}&wsfunction=core_webservice_get_site_info"
        "&serviceshortnames%5B0%5D=moodle_mobile_app&serviceshortnames[1]=other"
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with http.post(url, data=body, headers=headers) as resp:
        info = await resp.json()
    assert info["username"] == "student"


async def test_malformed_requests(http: aiohttp.ClientSession, stack: Stack) -> None:
    url = f"{stack.url}/webservice/rest/server.php?moodlewsrestformat=json"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    cases = [
        b"wstoken=%ff%fe&wsfunction=x",  # invalid UTF-8 after decoding
        b"\xff\xfe=\x00",  # raw invalid UTF-8
        b"a" + b"[x]" * 200 + b"=1",  # nesting bomb
        b"&".join(b"f%d=1" % i for i in range(20000)),  # too many fields
    ]
    for raw in cases:
        async with http.post(url, data=raw, headers=headers) as resp:
            assert resp.status == 200
            body = await resp.json()
            assert body["errorcode"] == "invalidparameter", body
    big = io.BytesIO(b"x" * (3 * 1024 * 1024))
    async with http.post(url, data=big, headers=headers) as resp:
        assert resp.status == 200
        assert (await resp.json())["errorcode"] == "invalidparameter"


async def test_public_config_without_session(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await student_token(http, stack)
    config = await rest(http, stack, "tool_mobile_get_public_config", token)
    assert config["wwwroot"] == stack.url
    assert config["typeoflogin"] == 1


async def test_admin_sees_admin_flag(http: aiohttp.ClientSession, stack: Stack) -> None:
    body = await login(http, stack, "admin", ADMIN_PASSWORD)
    info = await rest(http, stack, "core_webservice_get_site_info", body["token"])
    assert info["userissiteadmin"] is True
    assert info["userquota"] == 0


async def test_json_api(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await student_token(http, stack)
    url = f"{stack.url}/api/v1/functions/core_webservice_get_site_info"
    async with http.post(url, json={}, headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200
        assert (await resp.json())["username"] == "student"
    async with http.post(url, json={}, headers={"Authorization": "Bearer nope"}) as resp:
        assert resp.status == 401
        assert (await resp.json())["errorcode"] == "invalidtoken"
    async with http.post(
        f"{stack.url}/api/v1/functions/nope", json={}, headers={"Authorization": f"Bearer {token}"}
    ) as resp:
        assert resp.status == 404
    async with http.post(url, data=b"{not json", headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 400
        assert (await r.json())["errorcode"] == "invalidparameter"


async def test_healthz(http: aiohttp.ClientSession, stack: Stack) -> None:
    async with http.get(f"{stack.url}/healthz") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["status"] == "ok" and body["workers"] >= 1


async def test_login_with_percent_encoded_query(http: aiohttp.ClientSession, stack: Stack) -> None:
    """Clients that percent-encode every reserved character (requests does) must log in."""
    query = "username=student&password=Student-2026%21&service=moodle_mobile_app"
    url = URL(f"{stack.url}/login/token.php?{query}", encoded=True)
    async with http.get(url) as resp:
        body = await resp.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["token"]), body
