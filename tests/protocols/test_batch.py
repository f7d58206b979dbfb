"""tool_mobile_call_external_functions over REST and the JSON API (§6.1)."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.e2e.stack import Stack, rest
from tests.protocols.test_files import token_of

pytestmark = pytest.mark.e2e

BATCH = "tool_mobile_call_external_functions"


async def test_batch_over_rest(http: aiohttp.ClientSession, pstack: Stack) -> None:
    token = await token_of(http, pstack)
    body = await rest(
        http,
        pstack,
        BATCH,
        token,
        **{
            "requests[0][function]": "core_webservice_get_site_info",
            "requests[1][function]": "core_user_get_private_files_info",
            "requests[1][arguments]": "{}",
            "requests[2][function]": "tool_mobile_get_public_config",
            "requests[2][settingfileurl]": "0",
        },
    )
    responses = body["responses"]
    assert [r["error"] for r in responses] == [False, False, False]
    info = json.loads(responses[0]["data"])
    assert info["username"] == "student" and info["downloadfiles"] == 1
    assert json.loads(responses[1]["data"])["warnings"] == []
    assert json.loads(responses[2]["data"])["typeoflogin"] == 1

    # A function outside the token's service is refused and stops the batch.
    body = await rest(
        http,
        pstack,
        BATCH,
        token,
        **{
            "requests[0][function]": "core_user_get_private_files_info",
            "requests[1][function]": "local_ajaxprobe_echo",
            "requests[1][arguments]": '{"flag": true}',
            "requests[2][function]": "core_webservice_get_site_info",
        },
    )
    responses = body["responses"]
    assert [r["error"] for r in responses] == [False, True]
    exception = json.loads(responses[1]["exception"])
    assert exception["errorcode"] == "accessexception"
    assert set(exception) >= {"message", "errorcode", "link", "moreinfourl"}

    # Bad arguments are the sub-call's error, in its own JSON.
    body = await rest(
        http,
        pstack,
        BATCH,
        token,
        **{
            "requests[0][function]": "core_user_get_private_files_info",
            "requests[0][arguments]": '{"userid": "abc"}',
            "requests[1][function]": "core_webservice_get_site_info",
        },
    )
    assert len(body["responses"]) == 1
    assert json.loads(body["responses"][0]["exception"])["errorcode"] == "invalidparameter"


async def test_batch_over_the_json_api(http: aiohttp.ClientSession, pstack: Stack) -> None:
    token = await token_of(http, pstack)
    requests = [
        {"function": "core_webservice_get_site_info"},
        {"function": "core_user_get_private_files_info", "arguments": '{"userid": 0}'},
    ]
    async with http.post(
        f"{pstack.url}/api/v1/functions/{BATCH}",
        headers={"Authorization": f"Bearer {token}"},
        json={"requests": requests},
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert [r["error"] for r in body["responses"]] == [False, False]
    assert json.loads(body["responses"][0]["data"])["username"] == "student"
