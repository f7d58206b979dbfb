"""What clients see: formatting switches, return validation, PHP's JSON quirks, XML, docs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from openapi_spec_validator import validate

from tests.e2e.stack import Stack, login, rest, start_stack, stop_stack

pytestmark = pytest.mark.e2e


def probe_token(stack: Stack, username: str = "student") -> str:
    return stack.wsadmin("token", "create", username, "local_probe").stdout.strip().splitlines()[-1]


async def raw_rest(
    http: aiohttp.ClientSession, stack: Stack, function: str, token: str, **params: str
) -> str:
    data = {"wstoken": token, "wsfunction": function, **params}
    async with http.post(f"{stack.url}/webservice/rest/server.php", data=data) as resp:
        assert resp.status == 200
        return await resp.text()


async def test_settings_reach_the_function_leniently(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    token = probe_token(stack)
    body = await rest(
        http,
        stack,
        "local_probe_echo_settings",
        token,
        moodlewssettingraw="yes",
        moodlewssettingfileurl="off",
        moodlewssettingfilter="On",
        moodlewssettinglang="fr",
        moodlewssettingtimezone="Europe/Paris",
    )
    assert body["raw"] is True and body["fileurl"] is False and body["filter"] is True
    assert body["lang"] == "fr" and body["timezone"] == "Europe/Paris"
    assert body["protocol"] == "rest"
    defaults = await rest(http, stack, "local_probe_echo_settings", token)
    assert (defaults["raw"], defaults["fileurl"], defaults["filter"]) == (False, True, False)


async def test_invalid_return_is_invalidresponse(http: aiohttp.ClientSession, stack: Stack) -> None:
    body = await rest(http, stack, "local_probe_bad_return", probe_token(stack))
    assert body == {
        "exception": "invalid_response_exception",
        "errorcode": "invalidresponse",
        "message": "Invalid response value detected",
        "debuginfo": "id => Invalid response value detected: Invalid external api response: "
        'the value is "not a number" of PHP type "string", the server was expecting "int" type',
    }


async def test_void_function_renders_null_and_empty_xml(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    token = probe_token(stack)
    assert await raw_rest(http, stack, "local_probe_void", token, moodlewsrestformat="json") == (
        "null"
    )
    xml = await raw_rest(http, stack, "local_probe_void", token)
    assert xml == '<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n</RESPONSE>\n'


async def test_empty_structure_renders_as_php_array(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    token = probe_token(stack)
    text = await raw_rest(
        http, stack, "local_probe_empty_structure", token, moodlewsrestformat="json"
    )
    assert text == "[]"
    xml = await raw_rest(http, stack, "local_probe_empty_structure", token)
    assert '<KEY name="optional"><VALUE null="null"/>\n</KEY>' in xml
    assert '<KEY name="list"><MULTIPLE>\n</MULTIPLE>\n</KEY>' in xml


async def test_float_stays_float(http: aiohttp.ClientSession, stack: Stack) -> None:
    text = await raw_rest(
        http, stack, "local_probe_floats", probe_token(stack), moodlewsrestformat="json"
    )
    assert text == '{"x":2.0}'


async def test_plugin_crash_reveals_nothing(http: aiohttp.ClientSession, stack: Stack) -> None:
    text = await raw_rest(
        http, stack, "local_probe_fail", probe_token(stack), moodlewsrestformat="json"
    )
    assert "generalexceptionmessage" in text
    assert "secret internal detail" not in text and "Traceback" not in text


async def test_errors_in_xml(http: aiohttp.ClientSession, stack: Stack) -> None:
    xml = await raw_rest(http, stack, "core_webservice_get_site_info", "f" * 32)
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION class="moodle_exception">\n'
        "<ERRORCODE>invalidtoken</ERRORCODE>\n<MESSAGE>Invalid token - token not found</MESSAGE>\n"
        "</EXCEPTION>\n"
    )


async def test_docs_and_openapi(http: aiohttp.ClientSession, stack: Stack) -> None:
    async with http.get(f"{stack.url}/docs") as resp:
        assert resp.status == 200
        html = await resp.text()
    assert "core_webservice_get_site_info" in html and "local_greetings_say_hello" in html
    token = (await login(http, stack, "student", "Student-2026!"))["token"]
    async with http.get(f"{stack.url}/docs", params={"wstoken": token}) as resp:
        scoped = await resp.text()
    assert "core_webservice_get_site_info" in scoped
    assert "local_greetings_say_hello" not in scoped
    async with http.get(f"{stack.url}/openapi.json") as resp:
        document = await resp.json()
    validate(document)
    assert "/api/v1/functions/core_webservice_get_site_info" in document["paths"]


@pytest.fixture
async def developer_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await start_stack(tmp_path, workers=1, WS_DEBUG="developer")
    try:
        yield running
    finally:
        await stop_stack(running)


async def test_developer_mode_appends_debuginfo(
    developer_stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = (await login(http, developer_stack, "student", "Student-2026!"))["token"]
    body = await rest(http, developer_stack, "core_webservice_get_site_info", token, bogus="1")
    detail = "Unexpected keys (bogus) detected in parameter array."
    assert body["message"] == f"Invalid parameter value detected ({detail})"
    # Developer mode also names the request (docs/observability.md).
    assert re.fullmatch(re.escape(detail) + r" \[request [0-9a-f]{32}\]", body["debuginfo"])


async def test_production_mode_hides_debuginfo(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    running = await start_stack(tmp_path, workers=1, WS_DEBUG="none")
    try:
        token = (await login(http, running, "student", "Student-2026!"))["token"]
        body = await rest(http, running, "core_webservice_get_site_info", token, bogus="1")
        assert body == {
            "exception": "invalid_parameter_exception",
            "errorcode": "invalidparameter",
            "message": "Invalid parameter value detected",
        }
    finally:
        await stop_stack(running)
