"""Catalog entries used by the API documentation tests, in the JSON description form."""

from __future__ import annotations

from typing import Any

from shared.wire import FunctionInfo

REQUIRED, OPTIONAL, DEFAULT = 1, 2, 0


def value(
    param: str,
    desc: str = "",
    required: int = REQUIRED,
    default: Any = None,
    *,
    allownull: bool = True,
) -> dict[str, Any]:
    return {
        "type": "value",
        "param": param,
        "desc": desc,
        "required": required,
        "default": default,
        "allownull": allownull,
    }


def single(
    keys: dict[str, Any],
    desc: str = "",
    required: int = REQUIRED,
    default: Any = None,
    *,
    allownull: bool = False,
) -> dict[str, Any]:
    return {
        "type": "single",
        "keys": keys,
        "desc": desc,
        "required": required,
        "default": default,
        "allownull": allownull,
    }


def multiple(
    content: dict[str, Any],
    desc: str = "",
    required: int = REQUIRED,
    default: Any = None,
    *,
    allownull: bool = False,
) -> dict[str, Any]:
    return {
        "type": "multiple",
        "content": content,
        "desc": desc,
        "required": required,
        "default": default,
        "allownull": allownull,
    }


GET_COURSES = FunctionInfo(
    name="core_course_get_contents",
    component="core_course",
    description="Get course contents",
    type="read",
    ajax=True,
    loginrequired=True,
    capabilities=["moodle/course:update", "moodle/course:viewhiddencourses"],
    parameters=single(
        {
            "courseid": value("int", "course id", allownull=False),
            "courseids": multiple(value("int", "Course id"), "List of course id.", DEFAULT, []),
            "options": multiple(
                single(
                    {
                        "name": value("alpha", "The expected keys (value format) are:"),
                        "value": value("raw", "the value of the option"),
                    }
                ),
                "Options, used since Moodle 2.9",
                DEFAULT,
                [],
            ),
        }
    ),
    returns=multiple(
        single(
            {
                "id": value("int", "Section ID"),
                "name": value("text", "Section name"),
                "visible": value("bool", "is the section visible", OPTIONAL),
                "summaryformat": value("int", "summary format", DEFAULT, 1),
                "score": value("float", "a score", allownull=False),
                "modules": multiple(
                    single(
                        {
                            "id": value("int", "activity id"),
                            "url": value("url", "activity url", OPTIONAL),
                        }
                    ),
                    "list of module",
                ),
            },
            "section",
        ),
        "list of sections",
    ),
)

UPDATE_PREFS = FunctionInfo(
    name="core_user_update_preferences",
    component="core_user",
    description="Update a user's preferences <script>alert('x')</script> & more",
    type="write",
    ajax=False,
    loginrequired=False,
    parameters=single(
        {
            "userid": value("int", "id of the user, default to current user", DEFAULT, 0),
            "emailstop": value("int", "Enable or disable notifications", OPTIONAL),
            "preferences": multiple(
                single(
                    {
                        "type": value("raw", "The name of the <b>preference</b>"),
                        "value": value("raw", "The value of the preference", DEFAULT, None),
                    }
                ),
                "User preferences",
                OPTIONAL,
            ),
            "label": value("notags", 'a "quoted" <label>', DEFAULT, "<i>none</i>"),
            "enabled": value("bool", "flag", DEFAULT, True),
        }
    ),
    returns=None,
    deprecated=True,
)

SITE_INFO = FunctionInfo(
    name="core_webservice_get_site_info",
    component="core_webservice",
    description="Return some site info / user info / list web service functions",
    ajax=True,
    parameters=single(
        {
            "serviceshortnames": multiple(
                value("alpha", "service shortname"), "DEPRECATED PARAMETER", DEFAULT, []
            )
        }
    ),
    returns=single(
        {
            "sitename": value("raw", "site name"),
            "userid": value("int", "user id"),
            "useremail": value("email", "user email", OPTIONAL),
            "siteurl": value("raw", "site url"),
            "advanced": single(
                {
                    "theme": value("theme", "theme", OPTIONAL),
                    "lang": value("lang", "lang", OPTIONAL),
                },
                "advanced features",
                OPTIONAL,
                allownull=True,
            ),
        }
    ),
)

NO_ARGS = FunctionInfo(
    name="tool_demo_ping",
    component="tool_demo",
    description="",
    parameters=single({}),
    returns=value("int", "always 1", allownull=False),
)

ALL = [GET_COURSES, UPDATE_PREFS, SITE_INFO, NO_ARGS]
