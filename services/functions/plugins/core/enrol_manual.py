"""``enrol_manual``: enrolling and unenrolling users with the manual enrolment method.

Every course but the site course has a manual enrolment instance (else ``wsnoinstance``). An
administrator can switch a course's instance off with the site configuration value
``enrol_manual_disabled_<courseid>=1``; calls then get Moodle's ``wscannotenrol``/``wscannotunenrol``.
"""

# ruff: noqa: E501

from __future__ import annotations

import time
from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.records import Course, Enrolment
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.contexts import Context
from shared.errors import InvalidParameterException, RequiredCapabilityException, WSError
from shared.external import PARAM_INT, ExternalFunctionParameters

__all__ = ["ASSIGNABLE", "plugin"]

plugin = Plugin("enrol_manual", version=MOODLE_VERSION)

#: Moodle's default "allow role assignments" table: which roles a holder of a role may give.
ASSIGNABLE: dict[str, set[str]] = {
    "manager": {"manager", "coursecreator", "editingteacher", "teacher", "student", "guest"},
    "editingteacher": {"teacher", "student", "guest"},
}


async def _instance(site: Site, courseid: int, verb: str) -> tuple[Course, Context]:
    course = await site.db.get(Course, courseid)
    if course is None or course.id == 1:
        raise WSError(
            "wsnoinstance",
            f"Manual enrolment plugin instance doesn't exist or is disabled for the course (id = {courseid})",
        )
    context = await site.db.course_context(course)
    if (await site.ctx.store.get_config()).get(f"enrol_manual_disabled_{course.id}") == "1":
        raise WSError(
            f"wscannot{verb}",
            f"Plugin instance cannot manually {verb} a user in the course id = {courseid}",
        )
    return course, context


async def _can_assign(site: Site, roleid: int, context: Context) -> bool:
    role = await site.ctx.roles.get_role(roleid)
    if role is None:
        return False
    if await site.is_admin():
        return True
    for held in await site.ctx.roles.roles_in_context(site.userid, context):
        if role.shortname in ASSIGNABLE.get(held.shortname, set()):
            return True
    return False


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "enrolments": m(
                s(
                    {
                        "roleid": v(PARAM_INT, "Role to assign to the user"),
                        "userid": v(PARAM_INT, "The user that is going to be enrolled"),
                        "courseid": v(PARAM_INT, "The course to enrol the user role in"),
                        "timestart": v(PARAM_INT, "Timestamp when the enrolment start", opt=True),
                        "timeend": v(PARAM_INT, "Timestamp when the enrolment end", opt=True),
                        "suspend": v(PARAM_INT, "set to 1 to suspend the enrolment", opt=True),
                    }
                )
            )
        }
    ),
    returns=None,
    description="Manual enrol users",
    type="write",
)
async def enrol_users(ctx: CallContext, enrolments: list[dict[str, Any]]) -> None:
    site = Site(ctx)
    checked = []
    # All enrolments are checked first: Moodle runs them in one transaction.
    for spec in enrolments:
        course, context = await _instance(site, spec["courseid"], "enrol")
        await site.require("enrol/manual:enrol", context)
        if not await _can_assign(site, spec["roleid"], context):
            raise WSError(
                "wsusercannotassign",
                f"You don't have the permission to assign this role ({spec['roleid']}) to this user ({spec['userid']}) in this course({spec['courseid']}).",
            )
        user = await ctx.store.get_user(spec["userid"])
        if user is None or user.deleted:
            raise InvalidParameterException("User id not exist: " + str(spec["userid"]))
        checked.append((spec, course, context))
    for spec, course, context in checked:
        existing = await site.db.enrolment(course.id, spec["userid"])
        await site.db.enrol(
            Enrolment(
                courseid=course.id,
                userid=spec["userid"],
                roleid=spec["roleid"],
                status=1 if spec.get("suspend") else 0,
                timestart=spec.get(
                    "timestart", existing.timestart if existing else int(time.time())
                ),
                timeend=spec.get("timeend", existing.timeend if existing else 0),
                timecreated=existing.timecreated if existing else 0,
            )
        )
        await ctx.roles.assign(spec["userid"], spec["roleid"], context.id)


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "enrolments": m(
                s(
                    {
                        "userid": v(PARAM_INT, "The user that is going to be unenrolled"),
                        "courseid": v(PARAM_INT, "The course to unenrol the user from"),
                        "roleid": v(PARAM_INT, "The user role", opt=True),
                    }
                )
            )
        }
    ),
    returns=None,
    description="Manual unenrol users",
    type="write",
)
async def unenrol_users(ctx: CallContext, enrolments: list[dict[str, Any]]) -> None:
    site = Site(ctx)
    checked = []
    for spec in enrolments:
        course, context = await _instance(site, spec["courseid"], "unenrol")
        if not await site.can("enrol/manual:unenrol", context):
            raise RequiredCapabilityException("enrol/manual:unenrol")
        user = await ctx.store.get_user(spec["userid"])
        if user is None:
            raise InvalidParameterException("User id not exist: " + str(spec["userid"]))
        checked.append((spec, course, context))
    for spec, course, context in checked:
        await site.db.unenrol(course.id, spec["userid"])
        # Unenrolling removes the roles the user held in the course.
        for assignment in await ctx.roles.assignments(spec["userid"]):
            if assignment.contextid == context.id:
                await ctx.roles.unassign(spec["userid"], assignment.roleid, context.id)
