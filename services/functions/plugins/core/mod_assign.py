"""``mod_assign``: assignments by course, submissions, and grading."""

# ruff: noqa: E501

from __future__ import annotations

import time
from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import area_files, format_text
from services.functions.plugins.core.site.records import (
    Activity,
    AssignGrade,
    CourseModule,
    Submission,
)
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.errors import (
    InvalidParameterException,
    MissingRecordException,
    RequiredCapabilityException,
    WSError,
)
from shared.external import (
    PARAM_ALPHA,
    PARAM_BOOL,
    PARAM_CAPABILITY,
    PARAM_FLOAT,
    PARAM_INT,
    PARAM_RAW,
    PARAM_TEXT,
    ExternalFiles,
    ExternalFunctionParameters,
    ExternalWarnings,
)
from shared.fileurls import FileArea

__all__ = ["plugin"]

plugin = Plugin("mod_assign", version=MOODLE_VERSION)
MOBILE = [MOBILE_SERVICE]

#: Integer settings of an assignment and their defaults (Moodle's assign table columns).
INT_SETTINGS = {
    "nosubmissions": 0,
    "submissiondrafts": 0,
    "sendnotifications": 0,
    "sendlatenotifications": 0,
    "sendstudentnotifications": 1,
    "duedate": 0,
    "allowsubmissionsfromdate": 0,
    "grade": 100,
    "completionsubmit": 0,
    "cutoffdate": 0,
    "gradingduedate": 0,
    "teamsubmission": 0,
    "requireallteammemberssubmit": 0,
    "teamsubmissiongroupingid": 0,
    "blindmarking": 0,
    "hidegrader": 0,
    "revealidentities": 0,
    "maxattempts": -1,
    "markingworkflow": 0,
    "markingallocation": 0,
    "requiresubmissionstatement": 0,
}

ASSIGNMENT = s(
    {
        "id": v(PARAM_INT, "assignment id"),
        "cmid": v(PARAM_INT, "course module id"),
        "course": v(PARAM_INT, "course id"),
        "name": v(PARAM_RAW, "assignment name"),
        **{name: v(PARAM_INT, name) for name in INT_SETTINGS},
        "timemodified": v(PARAM_INT, "last time assignment was modified"),
        "attemptreopenmethod": v(PARAM_ALPHA, "method used to control opening new attempts"),
        "preventsubmissionnotingroup": v(PARAM_INT, "Prevent submission not in group", opt=True),
        "submissionstatement": v(PARAM_RAW, "Submission statement formatted.", opt=True),
        "submissionstatementformat": v(
            PARAM_INT,
            "submissionstatement format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)",
            opt=True,
        ),
        "configs": m(
            s(
                {
                    "plugin": v(PARAM_TEXT, "plugin"),
                    "subtype": v(PARAM_TEXT, "subtype"),
                    "name": v(PARAM_TEXT, "name"),
                    "value": v(PARAM_TEXT, "value"),
                }
            ),
            "configuration settings",
        ),
        "intro": v(
            PARAM_RAW,
            "assignment intro, not allways returned because it deppends on the activity configuration",
            opt=True,
        ),
        "introformat": v(
            PARAM_INT, "intro format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)", opt=True
        ),
        "introfiles": ExternalFiles("Files in the introduction", 2),
        "introattachments": ExternalFiles("intro attachments files", 2),
        "timelimit": v(PARAM_INT, "Time limit to complete assigment", opt=True),
    },
    "assignment information object",
)


async def _assignment_entry(
    ctx: CallContext, site: Site, cm: CourseModule, activity: Activity
) -> dict[str, Any]:
    context = await site.db.module_context(cm)
    settings = activity.settings
    configs = [
        {
            "plugin": "onlinetext",
            "subtype": "assignsubmission",
            "name": "enabled",
            "value": str(int(bool(settings.get("onlinetext", 0)))),
        },
        {
            "plugin": "file",
            "subtype": "assignsubmission",
            "name": "enabled",
            "value": str(int(bool(settings.get("file", 0)))),
        },
        {"plugin": "comments", "subtype": "assignfeedback", "name": "enabled", "value": "1"},
    ]
    return {
        "id": activity.id,
        "cmid": cm.id,
        "course": activity.course,
        "name": activity.name,
        **{name: int(settings.get(name, default)) for name, default in INT_SETTINGS.items()},
        "timemodified": activity.timemodified,
        "attemptreopenmethod": "untilpass" if settings.get("maxattempts", -1) != 1 else "none",
        "preventsubmissionnotingroup": 0,
        "submissionstatement": "",
        "submissionstatementformat": 1,
        "configs": configs,
        "intro": format_text(
            ctx, activity.intro, FileArea(context.id, "mod_assign", "intro", None)
        ),
        "introformat": activity.introformat,
        "introfiles": await area_files(ctx, context, "mod_assign", "intro"),
        "introattachments": await area_files(
            ctx, context, "mod_assign", "introattachment", itemid_in_url=True
        ),
        "timelimit": int(settings.get("timelimit", 0)),
    }


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "courseids": m(
                v(
                    PARAM_INT,
                    "course id, empty for retrieving all the courses where the user is enroled in",
                ),
                "0 or more course ids",
                default=[],
            ),
            "capabilities": m(
                v(PARAM_CAPABILITY, "capability"),
                "list of capabilities used to filter courses",
                default=[],
            ),
            "includenotenrolledcourses": v(
                PARAM_BOOL,
                "whether to return courses that the user can see even if is not enroled in. This requires the parameter courseids to not be empty.",
                default=False,
            ),
        }
    ),
    returns=s(
        {
            "courses": m(
                s(
                    {
                        "id": v(PARAM_INT, "course id"),
                        "fullname": v(PARAM_RAW, "course full name"),
                        "shortname": v(PARAM_RAW, "course short name"),
                        "timemodified": v(PARAM_INT, "last time modified"),
                        "assignments": m(ASSIGNMENT, "assignment info"),
                    },
                    "course information object",
                ),
                "list of courses",
            ),
            "warnings": ExternalWarnings(
                "item can be 'course' (errorcode 1 or 2) or 'module' (errorcode 1)",
                "When item is a course then itemid is a course id. When the item is a module then itemid is a module id",
                "errorcode can be 1 (no access rights) or 2 (not enrolled or no permissions)",
            ),
        }
    ),
    description="Returns the courses and assignments for the users capability",
    ajax=True,
    services=MOBILE,
)
async def get_assignments(
    ctx: CallContext, courseids: list[int], capabilities: list[str], includenotenrolledcourses: bool
) -> dict[str, Any]:
    site = Site(ctx)
    mine = await site.my_courseids()
    wanted = list(dict.fromkeys(courseids)) or mine
    warnings = []
    courses_out = []
    courses, refused = await site.viewable_courses(wanted)
    for cid in refused:
        warnings.append(
            {
                "item": "course",
                "itemid": cid,
                "warningcode": "2",
                "message": "User is not enrolled or does not have requested capability",
            }
        )
    for course in courses:
        if course.id not in mine and not includenotenrolledcourses and not await site.is_admin():
            warnings.append(
                {
                    "item": "course",
                    "itemid": course.id,
                    "warningcode": "2",
                    "message": "User is not enrolled or does not have requested capability",
                }
            )
            continue
        context = await site.db.course_context(course)
        if capabilities and not all([await site.can(c, context) for c in capabilities]):
            warnings.append(
                {
                    "item": "course",
                    "itemid": course.id,
                    "warningcode": "2",
                    "message": "User is not enrolled or does not have requested capability",
                }
            )
            continue
        assignments = []
        for activity in await site.db.activities(course.id, "assign"):
            cm = await site.db.get(CourseModule, activity.cmid)
            if cm is None or not await site.module_visible(cm):
                continue
            assignments.append(await _assignment_entry(ctx, site, cm, activity))
        courses_out.append(
            {
                "id": course.id,
                "fullname": course.fullname,
                "shortname": course.shortname,
                "timemodified": course.timemodified,
                "assignments": assignments,
            }
        )
    return {"courses": courses_out, "warnings": warnings}


SUBMISSION = s(
    {
        "id": v(PARAM_INT, "submission id"),
        "userid": v(PARAM_INT, "student id"),
        "attemptnumber": v(PARAM_INT, "attempt number"),
        "timecreated": v(PARAM_INT, "submission creation time"),
        "timemodified": v(PARAM_INT, "submission last modified time"),
        "status": v(PARAM_TEXT, "submission status"),
        "groupid": v(PARAM_INT, "group id"),
        "assignment": v(PARAM_INT, "assignment id", opt=True),
        "latest": v(PARAM_INT, "latest attempt", opt=True),
        "plugins": m(
            s(
                {
                    "type": v(PARAM_TEXT, "submission plugin type"),
                    "name": v(PARAM_TEXT, "submission plugin name"),
                    "editorfields": m(
                        s(
                            {
                                "name": v(PARAM_TEXT, "field name"),
                                "description": v(PARAM_RAW, "field description"),
                                "text": v(PARAM_RAW, "field value"),
                                "format": v(PARAM_INT, "text format"),
                            }
                        ),
                        "editorfields",
                        opt=True,
                    ),
                }
            ),
            "plugins",
            opt=True,
        ),
        "gradingstatus": v(PARAM_ALPHA, "Grading status.", opt=True),
    },
    "submission info",
)


async def _assign_for_grading(site: Site, assignmentid: int) -> tuple[CourseModule, Activity]:
    """The assignment and its module, when the caller may grade it (mod/assign:grade)."""
    activity = await site.db.get(Activity, assignmentid)
    if activity is None or activity.modname != "assign":
        raise MissingRecordException("assign")
    cm = await site.db.get(CourseModule, activity.cmid)
    if cm is None:
        raise MissingRecordException("course_modules")
    await site.enter_course(activity.course)
    if not await site.module_visible(cm):
        raise MissingRecordException("course_modules")
    if not await site.can("mod/assign:grade", await site.db.module_context(cm)):
        raise RequiredCapabilityException("mod/assign:grade")
    return cm, activity


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "assignmentids": m(v(PARAM_INT, "assignment id"), "1 or more assignment ids"),
            "status": v(PARAM_ALPHA, "status", default=""),
            "since": v(PARAM_INT, "submitted since", default=0),
            "before": v(PARAM_INT, "submitted before", default=0),
        }
    ),
    returns=s(
        {
            "assignments": m(
                s({"assignmentid": v(PARAM_INT, "assignment id"), "submissions": m(SUBMISSION)})
            ),
            "warnings": ExternalWarnings(),
        }
    ),
    description="Returns the submissions for assignments",
    ajax=True,
    services=MOBILE,
)
async def get_submissions(
    ctx: CallContext, assignmentids: list[int], status: str, since: int, before: int
) -> dict[str, Any]:
    site = Site(ctx)
    out, warnings = [], []
    for assignmentid in dict.fromkeys(assignmentids):
        try:
            await _assign_for_grading(site, assignmentid)
        except WSError:  # Moodle turns any refusal into a warning here
            warnings.append(
                {
                    "item": "module",
                    "itemid": assignmentid,
                    "warningcode": "3",
                    "message": "No access rights in module context",
                }
            )
            continue
        submissions = []
        for sub in await site.db.listing(Submission, "submission", "assign", assignmentid):
            if status and sub.status != status:
                continue
            if sub.timemodified < since or (before and sub.timemodified > before):
                continue
            grade = await site.db.user_record_for(AssignGrade, assignmentid, sub.userid)
            submissions.append(
                {
                    "id": sub.id,
                    "userid": sub.userid,
                    "attemptnumber": sub.attemptnumber,
                    "timecreated": sub.timecreated,
                    "timemodified": sub.timemodified,
                    "status": sub.status,
                    "groupid": 0,
                    "assignment": assignmentid,
                    "latest": 1,
                    "plugins": [
                        {
                            "type": "onlinetext",
                            "name": "Online text",
                            "editorfields": [
                                {
                                    "name": "onlinetext",
                                    "description": "Online text",
                                    "text": sub.onlinetext,
                                    "format": 1,
                                }
                            ],
                        }
                    ],
                    "gradingstatus": "graded"
                    if grade is not None and grade.grade >= 0
                    else "notgraded",
                }
            )
        out.append({"assignmentid": assignmentid, "submissions": submissions})
    return {"assignments": out, "warnings": warnings}


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "assignmentid": v(PARAM_INT, "The assignment id to operate on"),
            "applytoall": v(
                PARAM_BOOL,
                "If true, this grade will be applied to all members of the group (for group assignments).",
            ),
            "grades": m(
                s(
                    {
                        "userid": v(PARAM_INT, "The student id to operate on"),
                        "grade": v(
                            PARAM_FLOAT,
                            "The new grade for this user. Ignored if advanced grading used",
                        ),
                        "attemptnumber": v(
                            PARAM_INT, "The attempt number (-1 means latest attempt)"
                        ),
                        "addattempt": v(
                            PARAM_BOOL, "Allow another attempt if manual attempt reopen method"
                        ),
                        "workflowstate": v(PARAM_ALPHA, "The next marking workflow state"),
                        "plugindata": s(
                            {
                                "assignfeedbackcomments_editor": s(
                                    {
                                        "text": v(PARAM_RAW, "The text for this feedback."),
                                        "format": v(PARAM_INT, "The format for this feedback"),
                                    },
                                    "Editor structure",
                                    opt=True,
                                ),
                                "files_filemanager": v(
                                    PARAM_INT,
                                    "The id of a draft area containing files for this feedback.",
                                    opt=True,
                                ),
                            },
                            "plugin data",
                            opt=True,
                        ),
                    }
                )
            ),
        }
    ),
    returns=None,
    description="Save multiple grade updates for an assignment.",
    type="write",
    ajax=True,
    services=MOBILE,
)
async def save_grades(
    ctx: CallContext, assignmentid: int, applytoall: bool, grades: list[dict[str, Any]]
) -> None:
    del applytoall  # group submissions are not modelled: every grade is individual
    site = Site(ctx)
    _cm, activity = await _assign_for_grading(site, assignmentid)
    maxgrade = float(activity.settings.get("grade", 100))
    seen: set[int] = set()
    for entry in grades:
        if entry["userid"] in seen:
            raise InvalidParameterException("Cannot save multiple grades for the same user")
        seen.add(entry["userid"])
        if not await site.db.is_enrolled(activity.course, entry["userid"], onlyactive=False):
            raise InvalidParameterException(
                "User is not enrolled in the course: " + str(entry["userid"])
            )
        if entry["grade"] > maxgrade or entry["grade"] < -1:
            raise InvalidParameterException(
                f"Grade out of range: {entry['grade']} (0 - {maxgrade:g})"
            )
    now = int(time.time())
    for entry in grades:
        grade = await site.db.user_record_for(AssignGrade, assignmentid, entry["userid"])
        feedback = entry.get("plugindata", {}).get("assignfeedbackcomments_editor")
        if grade is None:
            grade = AssignGrade(assignment=assignmentid, userid=entry["userid"], timecreated=now)
        grade.grade = float(entry["grade"])
        grade.grader = site.userid
        grade.timemodified = now
        if feedback is not None:
            grade.feedback, grade.feedbackformat = feedback["text"], feedback["format"]
        if grade.id:
            await site.db.save(grade)
        else:
            await site.db.insert(grade)
