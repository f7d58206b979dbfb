"""The plugin author guide's worked example (examples/local_greetings.py), called for real."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.stack import Stack, login, rest

pytestmark = pytest.mark.e2e


async def greetings_token(stack: Stack) -> str:
    created = stack.wsadmin("token", "create", "student", "local_greetings")
    return created.stdout.strip().splitlines()[-1]


async def test_plugin_service_was_created_with_its_functions(stack: Stack) -> None:
    listing = stack.wsadmin("service", "list").stdout
    assert "local_greetings" in listing


async def test_say_hello_with_bracket_arguments(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await greetings_token(stack)
    body = await rest(
        http,
        stack,
        "local_greetings_say_hello",
        token,
        **{
            "people[0][firstname]": "Ada",
            "people[0][lastname]": "Lovelace",
            "people[1][firstname]": "Alan",
            "lang": "fr",
            "shout": "1",
        },
    )
    assert body == {
        "greetings": [
            {"name": "Ada Lovelace", "message": "BONJOUR, ADA LOVELACE!"},
            {"name": "Alan", "message": "BONJOUR, ALAN!"},
        ],
        "count": 2,
        "warnings": [],
    }


async def test_defaults_warnings_and_bool_rule(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await greetings_token(stack)
    body = await rest(
        http,
        stack,
        "local_greetings_say_hello",
        token,
        **{"people[0][firstname]": "Bo", "lang": "xx"},
    )
    assert body["greetings"] == [{"name": "Bo", "message": "Hello, Bo!"}]
    assert body["warnings"][0]["warningcode"] == "unknownlang"
    # PARAM_BOOL takes 0/1 only on REST, as in Moodle.
    bad = await rest(
        http,
        stack,
        "local_greetings_say_hello",
        token,
        **{"people[0][firstname]": "Bo", "shout": "true"},
    )
    assert bad["errorcode"] == "invalidparameter"


async def test_greet_me_knows_the_caller(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await greetings_token(stack)
    body = await rest(http, stack, "local_greetings_greet_me", token)
    assert body == {"message": "Hello, Sam Student!"}


async def test_json_api_honours_json_types(http: aiohttp.ClientSession, stack: Stack) -> None:
    token = await greetings_token(stack)
    url = f"{stack.url}/api/v1/functions/local_greetings_say_hello"
    payload = {"people": [{"firstname": "Cy"}], "shout": True}
    async with http.post(url, json=payload, headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200
        assert (await resp.json())["greetings"][0]["message"] == "HELLO, CY!"
    # The mobile service does not hold the plugin's functions.
    mobile = (await login(http, stack, "student", "Student-2026!"))["token"]
    denied = await rest(http, stack, "local_greetings_greet_me", mobile)
    assert denied["errorcode"] == "accessexception"
