"""``core_enrol``: the courses a user is enrolled in."""

# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.contexts import CONTEXT_USER
from shared.errors import MissingRecordException
from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_FLOAT,
    PARAM_INT,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_URL,
    ExternalFiles,
    ExternalFunctionParameters,
)

__all__ = ["plugin"]

plugin = Plugin("core_enrol", version=MOODLE_VERSION)

USER_COURSE = s(
    {
        "id": v(PARAM_INT, "id of course"),
        "shortname": v(PARAM_RAW, "short name of course"),
        "fullname": v(PARAM_RAW, "long name of course"),
        "displayname": v(PARAM_RAW, "course display name for lists.", opt=True),
        "enrolledusercount": v(PARAM_INT, "Number of enrolled users in this course", opt=True),
        "idnumber": v(PARAM_RAW, "id number of course"),
        "visible": v(PARAM_INT, "1 means visible, 0 means not yet visible course"),
        "summary": v(PARAM_RAW, "summary", opt=True),
        "summaryformat": v(PARAM_INT, "summary format", opt=True),
        "format": v(PARAM_PLUGIN, "course format: weeks, topics, social, site", opt=True),
        "courseimage": v(PARAM_URL, "The course image URL", opt=True),
        "showgrades": v(PARAM_BOOL, "true if grades are shown, otherwise false", opt=True),
        "lang": v(PARAM_ALPHANUMEXT, "forced course language", opt=True),
        "enablecompletion": v(
            PARAM_BOOL, "true if completion is enabled, otherwise false", opt=True
        ),
        "completionhascriteria": v(PARAM_BOOL, "If completion criteria is set.", opt=True),
        "completionusertracked": v(PARAM_BOOL, "If the user is completion tracked.", opt=True),
        "category": v(PARAM_INT, "course category id", opt=True),
        "progress": v(PARAM_FLOAT, "Progress percentage", opt=True),
        "completed": v(PARAM_BOOL, "Whether the course is completed.", opt=True),
        "startdate": v(PARAM_INT, "Timestamp when the course start", opt=True),
        "enddate": v(PARAM_INT, "Timestamp when the course end", opt=True),
        "marker": v(PARAM_INT, "Course section marker.", opt=True),
        "lastaccess": v(PARAM_INT, "Last access to the course (timestamp).", opt=True),
        "isfavourite": v(PARAM_BOOL, "If the user marked this course a favourite.", opt=True),
        "hidden": v(PARAM_BOOL, "If the user hide the course from the dashboard.", opt=True),
        "overviewfiles": ExternalFiles("Overview files attached to this course.", 2),
        "showactivitydates": v(PARAM_BOOL, "Whether the activity dates are shown or not", opt=True),
        "showcompletionconditions": v(
            PARAM_BOOL, "Whether the activity completion conditions are shown or not", opt=True
        ),
        "timemodified": v(
            PARAM_INT, "Last time course settings were updated (timestamp).", opt=True
        ),
    }
)


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "userid": v(PARAM_INT, "user id"),
            "returnusercount": v(
                PARAM_BOOL,
                "Include count of enrolled users for each course? This can add several seconds to the response time if a user is on several large courses, so set this to false if the value will not be used to improve performance.",
                default=True,
            ),
        }
    ),
    returns=m(USER_COURSE),
    description="Get the list of courses where a user is enrolled in",
    ajax=True,
    services=[MOBILE_SERVICE],
)
async def get_users_courses(
    ctx: CallContext, userid: int, returnusercount: bool
) -> list[dict[str, Any]]:
    site = Site(ctx)
    if userid != site.userid:
        target = await ctx.store.get_user(userid)
        if target is None:
            raise MissingRecordException("user")
        usercontext = await ctx.contexts.ensure(CONTEXT_USER, userid)
        await site.require(
            "moodle/user:viewdetails", usercontext
        ) if not await site.is_admin() else None
    out = []
    for course in await site.db.courses(await site.db.user_courseids(userid)):
        if not await site.can_view_course(course, userid) or not await site.can_view_course(course):
            continue
        entry: dict[str, Any] = {
            "id": course.id,
            "shortname": course.shortname,
            "fullname": course.fullname,
            "displayname": course.fullname,
            "idnumber": course.idnumber,
            "visible": int(course.visible),
            "summary": course.summary,
            "summaryformat": course.summaryformat,
            "format": course.format,
            "showgrades": course.showgrades,
            "lang": course.lang,
            "enablecompletion": course.enablecompletion,
            "completionhascriteria": False,
            "completionusertracked": True,
            "category": course.category,
            "progress": None,
            "completed": False,
            "startdate": course.startdate,
            "enddate": course.enddate,
            "marker": course.marker,
            "lastaccess": None,
            "isfavourite": False,
            "hidden": False,
            "overviewfiles": [],
            "showactivitydates": True,
            "showcompletionconditions": True,
            "timemodified": course.timemodified,
        }
        if returnusercount:
            entry["enrolledusercount"] = len(await site.db.enrolments(course.id))
        out.append(entry)
    return out
