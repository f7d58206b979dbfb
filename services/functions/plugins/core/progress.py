"""``core_completion`` and ``gradereport_user``: a student's progress in a course.

Two components (two :class:`Plugin` objects) in one module: both read the same records
(completion states, assignment grades) and share the rule for whose data the caller may see.
"""

# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.records import AssignGrade, Course, CourseModule
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.contexts import Context
from shared.errors import MissingRecordException, RequiredCapabilityException, WSError
from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_FLOAT,
    PARAM_INT,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_TEXT,
    ExternalFunctionParameters,
    ExternalWarnings,
)

__all__ = ["completion", "gradereport"]

completion = Plugin("core_completion", version=MOODLE_VERSION)
gradereport = Plugin("gradereport_user", version=MOODLE_VERSION)
MOBILE = [MOBILE_SERVICE]


async def _course_for(
    site: Site, courseid: int, userid: int, capability: str
) -> tuple[Course, Context]:
    """The course, when the caller may see ``userid``'s data in it: their own, or with
    ``capability`` in the course; the user must be enrolled."""
    course, context = await site.enter_course(courseid)
    if userid != site.userid and not await site.can(capability, context):
        raise RequiredCapabilityException(capability)
    if await ctx_user(site, userid) is None or not await site.db.is_enrolled(
        course.id, userid, onlyactive=False
    ):
        raise WSError("notenrolled", "User is not enrolled in this course")
    return course, context


async def ctx_user(site: Site, userid: int) -> Any:
    return await site.ctx.store.get_user(userid)


@completion.function(
    parameters=ExternalFunctionParameters(
        {"courseid": v(PARAM_INT, "Course ID"), "userid": v(PARAM_INT, "User ID")}
    ),
    returns=s(
        {
            "statuses": m(
                s(
                    {
                        "cmid": v(PARAM_INT, "course module ID"),
                        "modname": v(PARAM_PLUGIN, "activity module name"),
                        "instance": v(PARAM_INT, "instance ID"),
                        "state": v(
                            PARAM_INT,
                            "Completion state value:\n                                                                    0 means incomplete, 1 complete,\n                                                                    2 complete pass, 3 complete fail",
                        ),
                        "timecompleted": v(PARAM_INT, "timestamp for completed activity"),
                        "tracking": v(
                            PARAM_INT,
                            "type of tracking:\n                                                                    0 means none, 1 manual, 2 automatic",
                        ),
                        "overrideby": v(
                            PARAM_INT, "The user id who has overriden the status, or null", opt=True
                        ),
                        "valueused": v(
                            PARAM_BOOL,
                            "Whether the completion status affects the availability of another activity.",
                            opt=True,
                        ),
                        "hascompletion": v(
                            PARAM_BOOL,
                            "Whether this activity module has completion enabled",
                            opt=True,
                        ),
                        "isautomatic": v(
                            PARAM_BOOL,
                            "Whether this activity module instance tracks completion automatically.",
                            opt=True,
                        ),
                        "istrackeduser": v(
                            PARAM_BOOL,
                            "Whether completion is being tracked for this user.",
                            opt=True,
                        ),
                        "uservisible": v(
                            PARAM_BOOL, "Whether this activity is visible to the user.", opt=True
                        ),
                    },
                    "Activity",
                ),
                "List of activities status",
            ),
            "warnings": ExternalWarnings(),
        }
    ),
    description="Return the activities completion status for a user in a course.",
    ajax=True,
    services=MOBILE,
)
async def get_activities_completion_status(
    ctx: CallContext, courseid: int, userid: int
) -> dict[str, Any]:
    site = Site(ctx)
    course, _context = await _course_for(site, courseid, userid, "report/progress:view")
    if not course.enablecompletion:
        raise WSError("completionnotenabled", "Completion is not enabled")
    states = await site.db.completions(course.id, userid)
    statuses = []
    for cm in await site.db.course_modules(course.id):
        if cm.completion == 0 or not await site.module_visible(cm):
            continue
        state = states.get(cm.id)
        statuses.append(
            {
                "cmid": cm.id,
                "modname": cm.modname,
                "instance": cm.instance,
                "state": state.state if state else 0,
                "timecompleted": state.timecompleted if state else 0,
                "tracking": cm.completion,
                "overrideby": state.overrideby if state and state.overrideby else None,
                "valueused": False,
                "hascompletion": True,
                "isautomatic": cm.completion == 2,
                "istrackeduser": True,
                "uservisible": True,
            }
        )
    return {"statuses": statuses, "warnings": []}


GRADE_ITEM = s(
    {
        "id": v(PARAM_INT, "Grade item id"),
        "itemname": v(PARAM_RAW, "Grade item name"),
        "itemtype": v(PARAM_ALPHANUMEXT, "Grade item type"),
        "itemmodule": v(PARAM_PLUGIN, "Grade item module"),
        "iteminstance": v(PARAM_INT, "Grade item instance"),
        "itemnumber": v(PARAM_INT, "Grade item item number"),
        "idnumber": v(PARAM_TEXT, "Grade item idnumber"),
        "categoryid": v(PARAM_INT, "Grade item category id"),
        "outcomeid": v(PARAM_INT, "Outcome id"),
        "scaleid": v(PARAM_INT, "Scale id"),
        "locked": v(PARAM_BOOL, "Grade item for user locked?", opt=True),
        "cmid": v(PARAM_INT, "Course module id (if type mod)", opt=True),
        "graderaw": v(PARAM_FLOAT, "Grade raw", opt=True),
        "gradedatesubmitted": v(PARAM_INT, "Grade date submitted", opt=True),
        "gradedategraded": v(PARAM_INT, "Grade date graded", opt=True),
        "gradehiddenbydate": v(PARAM_BOOL, "Grade hidden by date?", opt=True),
        "gradeneedsupdate": v(PARAM_BOOL, "Grade needs update?", opt=True),
        "gradeishidden": v(PARAM_BOOL, "Grade is hidden?", opt=True),
        "gradeislocked": v(PARAM_BOOL, "Grade is locked?", opt=True),
        "gradeisoverridden": v(PARAM_BOOL, "Grade overridden?", opt=True),
        "gradeformatted": v(PARAM_RAW, "The grade formatted", opt=True),
        "grademin": v(PARAM_FLOAT, "Grade min", opt=True),
        "grademax": v(PARAM_FLOAT, "Grade max", opt=True),
        "rangeformatted": v(PARAM_RAW, "Range formatted", opt=True),
        "percentageformatted": v(PARAM_RAW, "Percentage", opt=True),
        "feedback": v(PARAM_RAW, "Grade feedback", opt=True),
        "feedbackformat": v(PARAM_INT, "feedback format", opt=True),
    },
    "Grade items",
)


def _item(
    itemid: int,
    name: str,
    kind: str,
    module: str,
    *,
    instance: int,
    grade: float | None,
    grademax: float,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": itemid,
        "itemname": name,
        "itemtype": kind,
        "itemmodule": module,
        "iteminstance": instance,
        "itemnumber": 0,
        "idnumber": "",
        "categoryid": 0,
        "outcomeid": 0,
        "scaleid": 0,
        "locked": False,
        "graderaw": grade,
        "gradeformatted": "-" if grade is None else f"{grade:.2f}",
        "grademin": 0.0,
        "grademax": grademax,
        "rangeformatted": f"0.00&ndash;{grademax:.2f}",
        "percentageformatted": "-"
        if grade is None or not grademax
        else f"{grade / grademax * 100:.2f} %",
        "gradeishidden": False,
        **extra,
    }


async def _user_grades(site: Site, course: Course, userid: int) -> dict[str, Any]:
    user = await ctx_user(site, userid)
    items, total, totalmax = [], 0.0, 0.0
    for activity in await site.db.activities(course.id, "assign"):
        cm = await site.db.get(CourseModule, activity.cmid)
        if cm is None or not await site.module_visible(cm):
            continue
        grade = await site.db.user_record_for(AssignGrade, activity.id, userid)
        value = grade.grade if grade is not None and grade.grade >= 0 else None
        grademax = float(activity.settings.get("grade", 100))
        totalmax += grademax
        total += value or 0.0
        items.append(
            _item(
                activity.id,
                activity.name,
                "mod",
                "assign",
                instance=activity.id,
                grade=value,
                grademax=grademax,
                cmid=cm.id,
                gradedategraded=grade.timemodified if grade else None,
                feedback=grade.feedback if grade else "",
                feedbackformat=grade.feedbackformat if grade else 1,
            )
        )
    items.append(
        _item(
            course.id,
            "",
            "course",
            "",
            instance=course.id,
            grade=total if items else None,
            grademax=totalmax or 100.0,
        )
    )
    return {
        "courseid": course.id,
        "courseidnumber": course.idnumber,
        "userid": userid,
        "userfullname": user.fullname if user else "",
        "useridnumber": user.idnumber if user else "",
        "maxdepth": 2,
        "gradeitems": items,
    }


@gradereport.function(
    parameters=ExternalFunctionParameters(
        {
            "courseid": v(PARAM_INT, "Course Id"),
            "userid": v(PARAM_INT, "Return grades only for this user (optional)", default=0),
            "groupid": v(PARAM_INT, "Get users from this group only", default=0),
        }
    ),
    returns=s(
        {
            "usergrades": m(
                s(
                    {
                        "courseid": v(PARAM_INT, "course id"),
                        "courseidnumber": v(PARAM_TEXT, "course idnumber"),
                        "userid": v(PARAM_INT, "user id"),
                        "userfullname": v(PARAM_TEXT, "user fullname"),
                        "useridnumber": v(PARAM_TEXT, "user idnumber"),
                        "maxdepth": v(PARAM_INT, "table max depth (needed for printing it)"),
                        "gradeitems": m(GRADE_ITEM),
                    }
                )
            ),
            "warnings": ExternalWarnings(),
        }
    ),
    description="Returns the complete list of grade items for users in a course",
    ajax=True,
    services=MOBILE,
)
async def get_grade_items(
    ctx: CallContext, courseid: int, userid: int, groupid: int
) -> dict[str, Any]:
    site = Site(ctx)
    if userid:
        course, _context = await _course_for(site, courseid, userid, "moodle/grade:viewall")
        return {"usergrades": [await _user_grades(site, course, userid)], "warnings": []}
    # No user: everybody's grades, which needs moodle/grade:viewall.
    course, context = await site.enter_course(courseid)
    if not await site.can("moodle/grade:viewall", context):
        raise RequiredCapabilityException("moodle/grade:viewall")
    members = None
    if groupid:
        group = next((g for g in await site.db.groups(course.id) if g.id == groupid), None)
        if group is None:
            raise MissingRecordException("groups")
        members = set(group.members)
    out = []
    for enrolment in await site.db.enrolments(course.id):
        if members is not None and enrolment.userid not in members:
            continue
        role = await ctx.roles.get_role(enrolment.roleid) if enrolment.roleid else None
        if role is None or role.shortname != "student":
            continue  # Moodle's gradebook lists graded roles (students) only
        out.append(await _user_grades(site, course, enrolment.userid))
    return {"usergrades": out, "warnings": []}
