"""The client against the real stack: login, both protocols, nested arguments, every error class."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from shared.constants import Names
from shared.store import Store, connect_redis
from shared.wire import FunctionInfo
from tests.e2e.stack import ADMIN_PASSWORD, Stack, start_stack, stop_stack
from wsclient import (
    AccessDenied,
    BatchResult,
    InvalidParameter,
    InvalidToken,
    LoginFailed,
    MoodleClient,
    MoodleError,
    NotFound,
    ServerBusy,
    SyncMoodleClient,
    Timeout,
    TransportError,
)

pytestmark = pytest.mark.e2e

STUDENT = ("student", "Student-2026!")
PEOPLE = [{"firstname": "Ada", "lastname": "Lovelace"}, {"firstname": "Alan"}]
GREETED = {
    "greetings": [
        {"name": "Ada Lovelace", "message": "BONJOUR, ADA LOVELACE!"},
        {"name": "Alan", "message": "BONJOUR, ALAN!"},
    ],
    "count": 2,
    "warnings": [],
}


def token_for(stack: Stack, service: str, *extra: str) -> str:
    created = stack.wsadmin("token", "create", "student", service, *extra)
    return created.stdout.strip().splitlines()[-1]


@pytest.fixture
async def student(stack: Stack) -> AsyncIterator[MoodleClient]:
    async with MoodleClient(stack.url) as client:
        await client.login(*STUDENT)
        yield client


async def test_login_keeps_the_token(stack: Stack) -> None:
    async with MoodleClient(stack.url + "/") as client:
        token = await client.login(*STUDENT)
        assert client.token == token
        assert len(token) == 32
        assert client.privatetoken is None  # plain HTTP
        info = await client.call("core_webservice_get_site_info")
    assert info["username"] == "student"


async def test_login_errors_are_login_failed(stack: Stack) -> None:
    async with MoodleClient(stack.url) as client:
        with pytest.raises(LoginFailed) as wrong:
            await client.login("student", "wrong")
        assert wrong.value.errorcode == "invalidlogin"
        assert wrong.value.message == "Invalid login, please try again"
        with pytest.raises(LoginFailed) as service:
            await client.login(*STUDENT, service="no_such_service")
        assert service.value.errorcode == "servicenotavailable"
        assert client.token is None


async def test_rest_and_api_give_the_same_result(student: MoodleClient) -> None:
    rest = await student.call("core_webservice_get_site_info")
    api = await student.invoke("core_webservice_get_site_info", protocol="api")
    assert rest == api
    assert rest["username"] == "student"


async def test_nested_arguments_over_both_protocols(stack: Stack) -> None:
    token = token_for(stack, "local_greetings")
    for protocol in ("rest", "api"):
        async with MoodleClient(stack.url, token=token, protocol=protocol) as client:
            # shout=True goes as 1 over REST (PARAM_BOOL) and as true over JSON.
            got = await client.call(
                "local_greetings_say_hello", people=PEOPLE, lang="fr", shout=True
            )
            assert got == GREETED, protocol
            # None means "not given": the default applies.
            plain = await client.call(
                "local_greetings_say_hello", people=[{"firstname": "Bo"}], lang=None
            )
            assert plain["greetings"] == [{"name": "Bo", "message": "Hello, Bo!"}], protocol


async def test_invalid_token(stack: Stack) -> None:
    for protocol in ("rest", "api"):
        async with MoodleClient(stack.url, token="0" * 32, protocol=protocol) as client:
            with pytest.raises(InvalidToken) as caught:
                await client.call("core_webservice_get_site_info")
        assert caught.value.errorcode == "invalidtoken"
        assert caught.value.status == (401 if protocol == "api" else 200)


async def test_expired_token_is_invalid_token(stack: Stack) -> None:
    expires = int(time.time()) + 2
    token = token_for(stack, "moodle_mobile_app", "--valid-until", str(expires))
    await asyncio.sleep(expires + 1.1 - time.time())
    async with MoodleClient(stack.url, token=token) as client:
        with pytest.raises(InvalidToken) as caught:
            await client.call("core_webservice_get_site_info")
    assert caught.value.errorcode == "accessexception"


async def test_invalid_parameter_carries_debuginfo(stack: Stack) -> None:
    token = token_for(stack, "local_greetings")
    for protocol in ("rest", "api"):
        async with MoodleClient(stack.url, token=token, protocol=protocol) as client:
            with pytest.raises(InvalidParameter) as caught:
                await client.call("local_greetings_say_hello", lang="fr")
        assert caught.value.errorcode == "invalidparameter"
        assert caught.value.exception == "invalid_parameter_exception"
        assert caught.value.debuginfo and "people" in caught.value.debuginfo


async def test_function_outside_the_service_is_access_denied(student: MoodleClient) -> None:
    for protocol in ("rest", "api"):
        with pytest.raises(AccessDenied) as caught:
            await student.invoke("local_greetings_greet_me", protocol=protocol)
        assert caught.value.errorcode == "accessexception"


async def test_unknown_function_is_not_found(student: MoodleClient) -> None:
    with pytest.raises(NotFound) as rest:
        await student.call("local_nothing_here")
    assert rest.value.errorcode == "invalidrecord"
    with pytest.raises(NotFound) as api:
        await student.invoke("local_nothing_here", protocol="api")
    assert api.value.status == 404


async def test_unknown_errorcodes_are_moodle_errors(stack: Stack) -> None:
    async with MoodleClient(stack.url, token=token_for(stack, "local_probe")) as client:
        with pytest.raises(MoodleError) as caught:
            await client.call("local_probe_bad_return")
    assert type(caught.value) is MoodleError
    assert caught.value.errorcode == "invalidresponse"


async def test_no_workers_is_server_busy(stack: Stack) -> None:
    redis = connect_redis(stack.env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        await Store(redis, Names(stack.namespace)).put_functions(
            [
                FunctionInfo(
                    name="local_phantom_call",
                    component="local_phantom",
                    parameters={
                        "type": "single",
                        "keys": {},
                        "desc": "",
                        "required": 1,
                        "default": None,
                        "allownull": False,
                    },
                )
            ]
        )
    finally:
        await redis.aclose()
    stack.wsadmin("service", "create", "phantoms", "--functions", "local_phantom_call")
    async with MoodleClient(stack.url, token=token_for(stack, "phantoms")) as client:
        with pytest.raises(ServerBusy) as caught:
            await client.call("local_phantom_call")
    assert caught.value.errorcode == "noworkers"
    assert not isinstance(caught.value, Timeout)


async def test_server_side_call_timeout(tmp_path: Path) -> None:
    small = await start_stack(
        tmp_path,
        workers=1,
        WS_CALL_TIMEOUT="1",
        WS_PLUGINS="services.functions.plugins.core,tests.plugins.probe",
        TEST_EXTRA_COMPONENTS="local_probe",
    )
    try:
        async with MoodleClient(small.url, token=token_for(small, "local_probe")) as client:
            with pytest.raises(Timeout) as caught:
                await client.call("local_probe_sleep", seconds=3.0)
        assert caught.value.errorcode == "calltimeout"
    finally:
        await stop_stack(small)


async def test_client_side_timeout(stack: Stack) -> None:
    token = token_for(stack, "local_probe")
    async with MoodleClient(stack.url, token=token, timeout=0.3) as client:
        with pytest.raises(Timeout) as caught:
            await client.call("local_probe_sleep", seconds=2.0)
    assert caught.value.errorcode == "clienttimeout"


async def test_unreachable_site_is_a_transport_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        async with MoodleClient(f"http://127.0.0.1:{port}", token="x") as client:
            with pytest.raises(TransportError) as caught:
                await client.call("core_webservice_get_site_info")
    assert caught.value.errorcode == "connectionfailed"


async def test_call_without_token_is_refused_locally() -> None:
    async with MoodleClient("http://127.0.0.1:9") as client:
        with pytest.raises(MoodleError) as caught:
            await client.call("core_webservice_get_site_info")
    assert caught.value.errorcode == "missingtoken"


async def test_shared_session_is_left_open(stack: Stack) -> None:
    async with aiohttp.ClientSession() as session:
        async with MoodleClient(stack.url, session=session) as client:
            await client.login(*STUDENT)
        assert not session.closed


def test_sync_client(stack: Stack) -> None:
    with SyncMoodleClient(stack.url) as client:
        client.login(*STUDENT)
        assert client.call("core_webservice_get_site_info")["username"] == "student"
        api = client.invoke("core_webservice_get_site_info", protocol="api")
        assert api["username"] == "student"
        with pytest.raises(NotFound):
            client.call("local_nothing_here")
    with pytest.raises(RuntimeError):
        client.call("core_webservice_get_site_info")


def test_sync_client_admin_login_and_token_reuse(stack: Stack) -> None:
    with SyncMoodleClient(stack.url) as first, SyncMoodleClient(stack.url) as second:
        assert first.login("admin", ADMIN_PASSWORD) == second.login("admin", ADMIN_PASSWORD)
        second.token = "0" * 32
        with pytest.raises(InvalidToken):
            second.call("core_webservice_get_site_info")


async def test_download_streams_to_a_path_and_a_file(student: MoodleClient, stack: Stack) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{stack.url}/openapi.json") as resp:
        expected = await resp.read()
    buffer = io.BytesIO()
    assert await student.download(f"{stack.url}/openapi.json", buffer) == len(expected)
    assert buffer.getvalue() == expected


async def test_download_to_path_and_missing_file(
    student: MoodleClient, stack: Stack, tmp_path: Path
) -> None:
    target = tmp_path / "openapi.json"
    size = await student.download(f"{stack.url}/openapi.json", target)
    assert target.stat().st_size == size > 0
    with pytest.raises(NotFound):
        await student.download(f"{stack.url}/no/such/file.txt", tmp_path / "missing")
    assert sorted(os.listdir(tmp_path)) == ["openapi.json"]  # no partial file


def test_file_url_rules() -> None:
    client = MoodleClient("http://127.0.0.1:8000", token="abc")
    assert (
        client.file_url("http://127.0.0.1:8000/pluginfile.php/5/user/draft/1/a.txt")
        == "http://127.0.0.1:8000/webservice/pluginfile.php/5/user/draft/1/a.txt?token=abc"
    )
    assert (
        client.file_url("http://127.0.0.1:8000/webservice/pluginfile.php?file=/5/a.txt")
        == "http://127.0.0.1:8000/webservice/pluginfile.php?file=/5/a.txt&token=abc"
    )
    # The token never goes to another host.
    assert client.file_url("https://elsewhere.example/pluginfile.php/1/a") == (
        "https://elsewhere.example/pluginfile.php/1/a"
    )


async def _upload_or_skip(client: MoodleClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return await client.upload(*args, **kwargs)
    except NotFound as exc:
        if exc.errorcode == "httperror":
            pytest.skip("this stack has no webservice/upload.php yet (issue 5)")
        raise


async def test_upload_then_download_the_draft_file(
    student: MoodleClient, stack: Stack, tmp_path: Path
) -> None:
    source = tmp_path / "notes.txt"
    source.write_bytes(b"first line\n" * 1000)
    entry = await _upload_or_skip(student, source)
    assert entry["filename"] == "notes.txt"
    assert entry["filesize"] == 11000
    assert entry["filearea"] == "draft"
    # A second file into the same draft item, from bytes, in a sub-folder.
    second = await student.upload(
        b"\x00\x01binary", "data.bin", itemid=entry["itemid"], filepath="/sub/"
    )
    assert (second["itemid"], second["filepath"]) == (entry["itemid"], "/sub/")
    url = (
        f"{stack.url}/webservice/pluginfile.php/{entry['contextid']}/user/draft/"
        f"{entry['itemid']}/notes.txt"
    )
    target = tmp_path / "copy.txt"
    assert await student.download(url, target) == 11000
    assert target.read_bytes() == source.read_bytes()
    public = url.replace("/webservice/pluginfile.php", "/pluginfile.php")  # rewritten
    buffer = io.BytesIO()
    await student.download(public.replace("notes.txt", "sub/data.bin"), buffer)
    assert buffer.getvalue() == b"\x00\x01binary"


async def test_upload_errors(stack: Stack) -> None:
    async with MoodleClient(stack.url, token="0" * 32) as client:
        with pytest.raises(InvalidToken):
            await _upload_or_skip(client, b"x", "x.txt")
    with pytest.raises(ValueError, match="filename"):
        await client.upload(b"x")


async def _batch_or_skip(client: MoodleClient, requests: Any) -> list[BatchResult]:
    try:
        return await client.batch(requests)
    except NotFound as exc:
        if exc.errorcode == "invalidrecord":
            pytest.skip("tool_mobile_call_external_functions is not in the catalog yet (issue 5)")
        raise


async def test_batch(student: MoodleClient) -> None:
    results = await _batch_or_skip(
        student,
        [
            ("core_webservice_get_site_info", {}),
            ("core_webservice_get_site_info", {"serviceshortnames": ["moodle_mobile_app"]}),
            ("core_webservice_get_site_info", {"serviceshortnames": {"a": {"b": 1}}}),
            ("core_webservice_get_site_info", {}),
        ],
    )
    # The site stops after the first failure.
    assert [r.ok for r in results] == [True, True, False]
    assert results[0].result()["username"] == "student"
    assert results[1].data == results[0].data
    assert isinstance(results[2].error, InvalidParameter)
    with pytest.raises(InvalidParameter):
        results[2].result()
    # A function outside the token's service is refused per item, as Moodle does.
    with pytest.raises(AccessDenied):
        await student.batch([("local_greetings_greet_me", {})], raise_on_error=True)
    assert await student.batch([]) == []
