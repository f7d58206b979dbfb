"""``mod_<name>_get_<names>_by_courses`` for the resource-like and simple activity modules.

Each module is its own component (its own :class:`Plugin`), built from one factory because
Moodle's functions share a shape: ``courseids`` in (default: every course of the caller),
``{<plural>: [...], warnings}`` out, with warnings for courses the caller cannot see and
hidden modules left out unless the caller may see hidden activities.
"""

# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import area_files, format_text, module_base
from services.functions.plugins.core.site.records import CourseModule as _CM
from services.functions.plugins.core.site.records import Section as _Section
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.external import (
    PARAM_BOOL,
    PARAM_INT,
    PARAM_RAW,
    PARAM_TEXT,
    Description,
    ExternalFiles,
    ExternalFunctionParameters,
    ExternalWarnings,
)
from shared.fileurls import FileArea

__all__ = ["by_courses_plugin", "collect", "plugins"]

COMMON: dict[str, Description] = {
    "id": v(PARAM_INT, "Activity instance id"),
    "coursemodule": v(PARAM_INT, "Course module id"),
    "course": v(PARAM_INT, "Course id"),
    "name": v(PARAM_RAW, "Activity name"),
    "intro": v(PARAM_RAW, "Activity introduction", opt=True),
    "introformat": v(
        PARAM_INT, "intro format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)", opt=True
    ),
    "introfiles": ExternalFiles("Files in the introduction", 2),
    "section": v(PARAM_INT, "Course section id", opt=True),
    "visible": v(PARAM_BOOL, "Visible", opt=True),
    "groupmode": v(PARAM_INT, "Group mode", opt=True),
    "groupingid": v(PARAM_INT, "Group id", opt=True),
    "lang": v(PARAM_TEXT, "Forced activity language", opt=True),
}

#: Per module: (plural key, {extra field: (PARAM, default)}).
MODULES: dict[str, tuple[str, dict[str, tuple[str, Any]]]] = {
    "page": (
        "pages",
        {
            "content": (PARAM_RAW, ""),
            "contentformat": (PARAM_INT, 1),
            "legacyfiles": (PARAM_INT, 0),
            "display": (PARAM_INT, 5),
            "displayoptions": (PARAM_RAW, ""),
            "revision": (PARAM_INT, 1),
            "timemodified": (PARAM_INT, 0),
        },
    ),
    "resource": (
        "resources",
        {
            "tobemigrated": (PARAM_INT, 0),
            "legacyfiles": (PARAM_INT, 0),
            "display": (PARAM_INT, 0),
            "displayoptions": (PARAM_RAW, ""),
            "filterfiles": (PARAM_INT, 0),
            "revision": (PARAM_INT, 1),
            "timemodified": (PARAM_INT, 0),
        },
    ),
    "folder": (
        "folders",
        {
            "revision": (PARAM_INT, 1),
            "timemodified": (PARAM_INT, 0),
            "display": (PARAM_INT, 0),
            "showexpanded": (PARAM_INT, 1),
            "showdownloadfolder": (PARAM_INT, 1),
            "forcedownload": (PARAM_INT, 1),
        },
    ),
    "url": (
        "urls",
        {
            "externalurl": (PARAM_RAW, ""),
            "display": (PARAM_INT, 0),
            "displayoptions": (PARAM_RAW, ""),
            "parameters": (PARAM_RAW, ""),
            "timemodified": (PARAM_INT, 0),
        },
    ),
    "book": (
        "books",
        {
            "numbering": (PARAM_INT, 1),
            "navstyle": (PARAM_INT, 1),
            "customtitles": (PARAM_INT, 0),
            "revision": (PARAM_INT, 1),
            "timecreated": (PARAM_INT, 0),
            "timemodified": (PARAM_INT, 0),
        },
    ),
    "quiz": (
        "quizzes",
        {
            "timeopen": (PARAM_INT, 0),
            "timeclose": (PARAM_INT, 0),
            "timelimit": (PARAM_INT, 0),
            "attempts": (PARAM_INT, 0),
            "grademethod": (PARAM_INT, 1),
            "sumgrades": (PARAM_FLOAT_ := "float", 0.0),
            "grade": (PARAM_FLOAT_, 10.0),
            "hasfeedback": (PARAM_INT, 0),
            "hasquestions": (PARAM_INT, 1),
        },
    ),
    "data": (
        "databases",
        {
            "comments": (PARAM_BOOL, False),
            "timeavailablefrom": (PARAM_INT, 0),
            "timeavailableto": (PARAM_INT, 0),
            "requiredentries": (PARAM_INT, 0),
            "maxentries": (PARAM_INT, 0),
            "approval": (PARAM_BOOL, False),
            "manageapproved": (PARAM_BOOL, True),
        },
    ),
    "workshop": (
        "workshops",
        {
            "phase": (PARAM_INT, 10),
            "grade": (PARAM_FLOAT_, 80.0),
            "gradinggrade": (PARAM_FLOAT_, 20.0),
            "submissionstart": (PARAM_INT, 0),
            "submissionend": (PARAM_INT, 0),
            "assessmentstart": (PARAM_INT, 0),
            "assessmentend": (PARAM_INT, 0),
            "useexamples": (PARAM_BOOL, False),
        },
    ),
    "lesson": (
        "lessons",
        {
            "available": (PARAM_INT, 0),
            "deadline": (PARAM_INT, 0),
            "timelimit": (PARAM_INT, 0),
            "practice": (PARAM_BOOL, False),
            "retake": (PARAM_INT, 0),
            "grade": (PARAM_INT, 100),
            "progressbar": (PARAM_BOOL, False),
        },
    ),
}
EXTRA_FILES = {"page": "content", "resource": "content", "folder": "content"}


async def collect(
    ctx: CallContext, modname: str, courseids: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The caller's visible instances of ``modname`` in ``courseids`` (all their courses when
    empty) and warnings for the courses refused."""
    site = Site(ctx)
    ids = courseids or await site.my_courseids()
    courses, refused = await site.viewable_courses(list(dict.fromkeys(ids)))
    warnings = [
        {
            "item": "course",
            "itemid": cid,
            "warningcode": "1",
            "message": "No access rights in course context",
        }
        for cid in refused
    ]
    extras = MODULES[modname][1]
    out = []
    for course in courses:
        for activity in await site.db.activities(course.id, modname):
            cm = await site.db.get(_CM, activity.cmid)
            if cm is None or not await site.module_visible(cm):
                continue
            context = await site.db.module_context(cm)
            entry = await module_base(ctx, cm, activity, context)
            section = await site.db.get(_Section, cm.section)
            entry["section"] = section.section if section else 0
            for field, (_param, default) in extras.items():
                entry[field] = activity.settings.get(field, default)
            if "timemodified" in extras:
                entry["timemodified"] = activity.timemodified
            if modname == "page":
                entry["content"] = format_text(
                    ctx, str(entry["content"]), FileArea(context.id, "mod_page", "content", 0)
                )
            if modname in EXTRA_FILES:
                entry["contentfiles"] = await area_files(
                    ctx, context, f"mod_{modname}", "content", itemid_in_url=True
                )
            out.append(entry)
    return out, warnings


def by_courses_plugin(modname: str) -> Plugin:
    plural, extras = MODULES[modname]
    plugin = Plugin(f"mod_{modname}", version=MOODLE_VERSION)
    fields: dict[str, Description] = dict(COMMON)
    for field, (param, _default) in extras.items():
        fields[field] = v(param, field, opt=True)
    if modname in EXTRA_FILES:
        fields["contentfiles"] = ExternalFiles("Files in the content", 2)

    async def implementation(ctx: CallContext, courseids: list[int]) -> dict[str, Any]:
        found, warnings = await collect(ctx, modname, courseids)
        return {plural: found, "warnings": warnings}

    plugin.function(
        parameters=ExternalFunctionParameters(
            {"courseids": m(v(PARAM_INT, "Course id"), "Array of course ids", default=[])}
        ),
        returns=s({plural: m(s(fields, modname)), "warnings": ExternalWarnings()}),
        description=f"Returns a list of {plural} in a provided list of courses, if no list is provided all {plural} that the user can view will be returned.",
        name=f"mod_{modname}_get_{plural}_by_courses",
        ajax=True,
        services=[MOBILE_SERVICE],
    )(implementation)
    return plugin


plugins = [by_courses_plugin(name) for name in MODULES]
