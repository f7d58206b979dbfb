"""``core_enrol_get_enrolled_users``: a course's participants, with Moodle's options."""

# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext
from services.functions.plugins.core.core_enrol import plugin
from services.functions.plugins.core.core_user import USER_FIELDS
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import user_description
from services.functions.plugins.core.site.records import Course, Enrolment
from shared.constants import MOBILE_SERVICE
from shared.errors import InvalidParameterException, RequiredCapabilityException
from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_INT,
    PARAM_RAW,
    PARAM_URL,
    ExternalFunctionParameters,
)
from shared.records import UserRecord

__all__ = ["ENROLLED_USER"]

ENROLLED_USER = s(
    USER_FIELDS
    | {
        # Optional here (not in core_user): ``userfields`` may leave them out.
        "profileimageurlsmall": v(PARAM_URL, "User image profile URL - small version", opt=True),
        "profileimageurl": v(PARAM_URL, "User image profile URL - big version", opt=True),
        "groups": m(
            s(
                {
                    "id": v(PARAM_INT, "group id"),
                    "name": v(PARAM_RAW, "group name"),
                    "description": v(PARAM_RAW, "group description"),
                    "descriptionformat": v(PARAM_INT, "description format"),
                }
            ),
            "user groups",
            opt=True,
        ),
        "roles": m(
            s(
                {
                    "roleid": v(PARAM_INT, "role id"),
                    "name": v(PARAM_RAW, "role name"),
                    "shortname": v(PARAM_ALPHANUMEXT, "role shortname"),
                    "sortorder": v(PARAM_INT, "role sortorder"),
                }
            ),
            "user roles",
            opt=True,
        ),
        "enrolledcourses": m(
            s(
                {
                    "id": v(PARAM_INT, "Id of the course"),
                    "fullname": v(PARAM_RAW, "Fullname of the course"),
                    "shortname": v(PARAM_RAW, "Shortname of the course"),
                }
            ),
            "Courses where the user is enrolled - limited by which courses the user is able to see",
            opt=True,
        ),
    }
)

INT_OPTIONS = ("groupid", "limitfrom", "limitnumber")
BOOL_OPTIONS = ("onlyactive", "onlysuspended")
SORT_BY = ("id", "firstname", "lastname", "siteorder")


def _options(raw: list[dict[str, str]]) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    for option in raw:
        name, value = option["name"], option["value"]
        if name in INT_OPTIONS:
            opts[name] = int(value) if value.lstrip("-").isdigit() else 0
        elif name in BOOL_OPTIONS:
            opts[name] = value.strip().lower() in ("1", "true")
        elif name == "withcapability":
            opts[name] = value
        elif name == "userfields":
            opts[name] = {f.strip() for f in value.split(",") if f.strip()}
        elif name == "sortby":
            if value not in SORT_BY:
                raise InvalidParameterException(
                    "Invalid value for sortby parameter (value: " + value + ")"
                )
            opts[name] = value
        elif name == "sortdirection":
            if value.upper() not in ("ASC", "DESC"):
                raise InvalidParameterException(
                    "Invalid value for sortdirection parameter (value: "
                    + value
                    + "),allowed values are: ASC, DESC"
                )
            opts[name] = value.upper()
        else:
            raise InvalidParameterException("Invalid option name: " + name)
    if opts.get("onlyactive") and opts.get("onlysuspended"):
        raise InvalidParameterException(
            "Both onlyactive and onlysuspended are set, this is not allowed"
        )
    return opts


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "courseid": v(PARAM_INT, "course id"),
            "options": m(
                s(
                    {
                        "name": v(PARAM_ALPHANUMEXT, "option name"),
                        "value": v(PARAM_RAW, "option value"),
                    }
                ),
                "Option names:\n* withcapability (string) return only users with this capability. This option requires 'moodle/role:review' on the course context.\n* groupid (integer) return only users in this group id. If the course has groups enabled and this param isn't defined, returns all the viewable users.\nThis option requires 'moodle/site:accessallgroups' on the course context if the user doesn't belong to the group.\n* onlyactive (integer) return only users with active enrolments and matching time restrictions.\nThis option requires 'moodle/course:enrolreview' on the course context.\nPlease note that this option can't be used together with onlysuspended (only one can be active).\n* onlysuspended (integer) return only suspended users. This option requires\n'moodle/course:enrolreview' on the course context. Please note that this option can't\nbe used together with onlyactive (only one can be active).\n* userfields ('string, string, ...') return only the values of these user fields.\n* limitfrom (integer) sql limit from.\n* limitnumber (integer) maximum number of returned users.\n* sortby (string) sort by id, firstname or lastname. For ordering like the site does, use siteorder.\n* sortdirection (string) ASC or DESC",
                default=[],
            ),
        }
    ),
    returns=m(ENROLLED_USER),
    description="Get enrolled users by course id.",
    ajax=True,
    services=[MOBILE_SERVICE],
)
async def get_enrolled_users(
    ctx: CallContext, courseid: int, options: list[dict[str, str]]
) -> list[dict[str, Any]]:
    opts = _options(options)
    site = Site(ctx)
    course, context = await site.enter_course(courseid)
    await site.require("moodle/course:viewparticipants", context)
    if ("onlyactive" in opts or "onlysuspended" in opts) and not await site.can(
        "moodle/course:enrolreview", context
    ):
        raise RequiredCapabilityException("moodle/course:enrolreview")
    groups = await site.db.groups(course.id)
    if opts.get("groupid"):
        group = next((g for g in groups if g.id == opts["groupid"]), None)
        if group is None:
            raise InvalidParameterException("Invalid group id")
        if site.userid not in group.members and not await site.can(
            "moodle/site:accessallgroups", context
        ):
            raise RequiredCapabilityException("moodle/site:accessallgroups")
    enrolments = await site.db.enrolments(course.id)
    users = {
        u.id: u for u in [await ctx.store.get_user(e.userid) for e in enrolments] if u is not None
    }
    chosen: list[tuple[Enrolment, UserRecord]] = []
    for enrolment in enrolments:
        user = users.get(enrolment.userid)
        if user is None or user.deleted:
            continue
        active = await site.db.is_enrolled(course.id, user.id)
        if (opts.get("onlyactive") and not active) or (opts.get("onlysuspended") and active):
            continue
        if opts.get("groupid") and not any(
            g.id == opts["groupid"] and user.id in g.members for g in groups
        ):
            continue
        if "withcapability" in opts and not await site.can(
            opts["withcapability"], context, user.id
        ):
            continue
        chosen.append((enrolment, user))
    sortby = opts.get("sortby", "id")
    key = {
        "firstname": lambda p: p[1].firstname.lower(),
        "lastname": lambda p: p[1].lastname.lower(),
        "siteorder": lambda p: (p[1].lastname.lower(), p[1].firstname.lower(), p[1].id),
    }.get(sortby, lambda p: p[1].id)
    chosen.sort(key=key, reverse=opts.get("sortdirection") == "DESC")
    start = max(opts.get("limitfrom", 0), 0)
    limit = opts.get("limitnumber", 0)
    page = chosen[start : start + limit] if limit > 0 else chosen[start:]
    full = await site.can("moodle/user:viewdetails", context)
    out = []
    for enrolment, user in page:
        entry = user_description(ctx, user, full=full or user.id == site.userid)
        entry["groups"] = [
            {
                "id": g.id,
                "name": g.name,
                "description": g.description,
                "descriptionformat": g.descriptionformat,
            }
            for g in groups
            if user.id in g.members
        ]
        role = await ctx.roles.get_role(enrolment.roleid) if enrolment.roleid else None
        entry["roles"] = (
            [
                {
                    "roleid": role.id,
                    "name": role.name,
                    "shortname": role.shortname,
                    "sortorder": role.sortorder,
                }
            ]
            if role
            else []
        )
        entry["enrolledcourses"] = await _enrolled_courses(site, user.id)
        if "userfields" in opts:
            entry = {k: val for k, val in entry.items() if k in opts["userfields"] or k == "id"}
        out.append(entry)
    return out


async def _enrolled_courses(site: Site, userid: int) -> list[dict[str, Any]]:
    out = []
    for course in await site.db.get_many(Course, await site.db.user_courseids(userid)):
        if await site.can_view_course(course):
            out.append(
                {"id": course.id, "fullname": course.fullname, "shortname": course.shortname}
            )
    return out
