"""``wscall`` as a real subprocess against the stack: output, errors, exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.stack import ROOT, Stack

pytestmark = pytest.mark.e2e


def wscall(stack: Stack | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = dict(stack.env if stack else os.environ)
    base.pop("WS_TOKEN", None)
    base.pop("WS_SERVICE", None)
    base["WS_URL"] = stack.url if stack else "http://127.0.0.1:9"
    return subprocess.run(  # noqa: PLW1510  (callers check the status)
        [sys.executable, "-m", "wsclient.cli", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def student_token(stack: Stack, service: str = "moodle_mobile_app") -> str:
    created = stack.wsadmin("token", "create", "student", service)
    return created.stdout.strip().splitlines()[-1]


def test_call_prints_indented_json(stack: Stack) -> None:
    result = wscall(stack, "core_webservice_get_site_info", WS_TOKEN=student_token(stack))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["username"] == "student"
    assert result.stdout.startswith('{\n  "')
    assert result.stderr == ""


def test_login_with_password_env_and_print_token(stack: Stack) -> None:
    result = wscall(
        stack, "--login", "student", "--password-env", "PW", "--print-token", PW="Student-2026!"
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert len(token) == 32
    again = wscall(stack, "--token", token, "core_webservice_get_site_info")
    assert json.loads(again.stdout)["username"] == "student"


def test_nested_arguments_over_rest_and_api(stack: Stack) -> None:
    args = [
        "local_greetings_say_hello",
        "people[0][firstname]=Ada",
        "people[0][lastname]=Lovelace",
        "people[1][firstname]=Alan",
        "lang=fr",
    ]
    token = student_token(stack, "local_greetings")
    rest = wscall(stack, *args, "shout:=true", WS_TOKEN=token)
    api = wscall(stack, "--api", *args, "shout:=true", WS_TOKEN=token)
    for result in (rest, api):
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["greetings"][1] == {
            "name": "Alan",
            "message": "BONJOUR, ALAN!",
        }


def test_login_then_call_in_one_command(stack: Stack) -> None:
    result = wscall(
        stack,
        "--login",
        "student",
        "--password-env",
        "PW",
        "--service",
        "local_greetings",
        "local_greetings_greet_me",
        PW="Student-2026!",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"message": "Hello, Sam Student!"}


def test_errors_are_one_line_and_exit_1(stack: Stack) -> None:
    bad = wscall(stack, "core_webservice_get_site_info", WS_TOKEN="0" * 32)
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr == "invalidtoken: Invalid token - token not found\n"
    login = wscall(stack, "--login", "student", "--password-env", "PW", "x", PW="nope")
    assert (login.returncode, login.stderr) == (
        1,
        "invalidlogin: Invalid login, please try again\n",
    )


def test_verbose_adds_debuginfo(stack: Stack) -> None:
    token = student_token(stack, "local_greetings")
    quiet = wscall(stack, "local_greetings_say_hello", "lang=fr", WS_TOKEN=token)
    assert quiet.returncode == 1
    assert quiet.stderr == "invalidparameter: Invalid parameter value detected\n"
    loud = wscall(stack, "-v", "local_greetings_say_hello", "lang=fr", WS_TOKEN=token)
    first, second = loud.stderr.splitlines()[:2]
    assert first == quiet.stderr.strip()
    assert second.startswith("debuginfo: ") and "people" in second


@pytest.mark.parametrize(
    "args",
    [
        [],  # no function
        ["core_webservice_get_site_info"],  # no token
        ["--token", "t", "f", "novalue"],
        ["--token", "t", "f", "a=1", "a=2"],
        ["--token", "t", "f", "n:=nojson"],
        ["--print-token"],  # without --login
        ["--login", "u", "--password-env", "UNSET_VARIABLE_X", "f"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = wscall(None, *args)
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "usage: wscall" in result.stderr


def test_unreachable_site_exits_1() -> None:
    result = wscall(None, "--url", "http://127.0.0.1:9", "--token", "t", "f")
    assert result.returncode == 1
    assert result.stderr.startswith("connectionfailed: ")
