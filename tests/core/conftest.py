"""Helpers for the core-functions tests: tokens for the demo users of the shared stack."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.e2e.stack import ADMIN_PASSWORD, Stack, login, rest

PASSWORDS = {
    "admin": ADMIN_PASSWORD,
    "student": "Student-2026!",
    "teacher": "Teacher-2026!",
    "student2": "Student2-2026!",
    "student3": "Student3-2026!",
    "manager": "Manager-2026!",
}


#: A service holding the integration (non-mobile) functions, as an administrator would create.
ADMIN_SERVICE = "core_integration"
ADMIN_FUNCTIONS = (
    "core_course_create_courses",
    "core_course_get_courses_by_field",
    "core_course_get_contents",
    "core_user_create_users",
    "core_user_update_users",
    "core_user_delete_users",
    "core_user_get_users",
    "core_user_get_users_by_field",
    "core_enrol_get_enrolled_users",
    "core_enrol_get_users_courses",
    "enrol_manual_enrol_users",
    "enrol_manual_unenrol_users",
)


def _ensure_admin_service(stack: Stack) -> None:
    if stack.wsadmin("service", "list").stdout.find(ADMIN_SERVICE) < 0:
        stack.wsadmin(
            "service",
            "create",
            ADMIN_SERVICE,
            "--functions",
            ",".join(ADMIN_FUNCTIONS),
            check=False,
        )


class Client:
    """Calls REST functions as one user of the demo site."""

    def __init__(self, http: aiohttp.ClientSession, stack: Stack, token: str) -> None:
        self.http, self.stack, self.token = http, stack, token

    async def __call__(self, function: str, **params: Any) -> Any:
        return await rest(self.http, self.stack, function, self.token, **params)


@pytest.fixture
async def as_user(http: aiohttp.ClientSession, stack: Stack) -> Any:
    """``await as_user("student")`` -> a Client; waits for the demo site's seed the first time."""

    async def make(username: str, service: str = "moodle_mobile_app") -> Client:
        if service == ADMIN_SERVICE:
            _ensure_admin_service(stack)
            await make("student")  # waits for the seed
            out = stack.wsadmin("token", "create", username, ADMIN_SERVICE).stdout
            return Client(http, stack, out.strip().splitlines()[-1])
        for _ in range(100):
            body = await login(http, stack, username, PASSWORDS[username], service)
            if "token" in body:
                client = Client(http, stack, body["token"])
                courses = await client(
                    "core_course_get_courses_by_field", field="shortname", value="WRITE201"
                )
                if (
                    isinstance(courses, dict)
                    and courses.get("courses") is not None
                    and (username != "student" or courses["courses"])
                ):
                    return client
            await asyncio.sleep(0.2)
        raise AssertionError(f"cannot log in as {username}: {body}")

    return make
