"""``core_course``: courses, categories, course creation and the dashboard timeline."""

# Descriptions are Moodle's own texts, kept whole so generated documentation matches.
# ruff: noqa: E501

from __future__ import annotations

import time
from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import format_text
from services.functions.plugins.core.site.records import Category, Course, Section
from services.functions.plugins.core.site.store import Conflict
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.errors import InvalidParameterException, WSError
from shared.external import (
    PARAM_ALPHA,
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_NOTAGS,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_SAFEDIR,
    PARAM_TEXT,
    PARAM_THEME,
    PARAM_URL,
    VALUE_OPTIONAL,
    ExternalFiles,
    ExternalFunctionParameters,
    ExternalWarnings,
)
from shared.fileurls import FileArea

__all__ = ["course_summary", "plugin"]

plugin = Plugin("core_course", version=MOODLE_VERSION)
MOBILE = [MOBILE_SERVICE]

COURSE_FULL = s(
    {
        "id": v(PARAM_INT, "course id"),
        "shortname": v(PARAM_RAW, "course short name"),
        "categoryid": v(PARAM_INT, "category id"),
        "categorysortorder": v(PARAM_INT, "sort order into the category", opt=True),
        "fullname": v(PARAM_RAW, "full name"),
        "displayname": v(PARAM_RAW, "course display name"),
        "idnumber": v(PARAM_RAW, "id number", opt=True),
        "summary": v(PARAM_RAW, "summary"),
        "summaryformat": v(PARAM_INT, "summary format"),
        "format": v(PARAM_PLUGIN, "course format: weeks, topics, social, site,.."),
        "showgrades": v(PARAM_INT, "1 if grades are shown, otherwise 0", opt=True),
        "newsitems": v(PARAM_INT, "number of recent items appearing on the course page", opt=True),
        "startdate": v(PARAM_INT, "timestamp when the course start"),
        "enddate": v(PARAM_INT, "timestamp when the course end"),
        "numsections": v(
            PARAM_INT, "(deprecated, use courseformatoptions) number of weeks/topics", opt=True
        ),
        "maxbytes": v(
            PARAM_INT, "largest size of file that can be uploaded into the course", opt=True
        ),
        "showreports": v(PARAM_INT, "are activity report shown (yes = 1, no =0)", opt=True),
        "visible": v(PARAM_INT, "1: available to student, 0:not available", opt=True),
        "groupmode": v(PARAM_INT, "no group, separate, visible", opt=True),
        "groupmodeforce": v(PARAM_INT, "1: yes, 0: no", opt=True),
        "defaultgroupingid": v(PARAM_INT, "default grouping id", opt=True),
        "timecreated": v(PARAM_INT, "timestamp when the course have been created", opt=True),
        "timemodified": v(PARAM_INT, "timestamp when the course have been modified", opt=True),
        "enablecompletion": v(
            PARAM_INT,
            "Enabled, control via completion and activity settings. Disbaled, not shown in activity settings.",
            opt=True,
        ),
        "completionnotify": v(PARAM_INT, "1: yes 0: no", opt=True),
        "lang": v(PARAM_ALPHANUMEXT, "forced course language", opt=True),
        "forcetheme": v(PARAM_PLUGIN, "name of the force theme", opt=True),
    },
    "course",
)


def course_summary(course: Course) -> dict[str, Any]:
    return {
        "id": course.id,
        "shortname": course.shortname,
        "categoryid": course.category,
        "fullname": course.fullname,
        "displayname": course.fullname,
        "idnumber": course.idnumber,
        "summary": course.summary,
        "summaryformat": course.summaryformat,
        "format": course.format,
        "showgrades": int(course.showgrades),
        "newsitems": course.newsitems,
        "startdate": course.startdate,
        "enddate": course.enddate,
        "maxbytes": course.maxbytes,
        "showreports": int(course.showreports),
        "visible": int(course.visible),
        "groupmode": course.groupmode,
        "groupmodeforce": course.groupmodeforce,
        "defaultgroupingid": 0,
        "timecreated": course.timecreated,
        "timemodified": course.timemodified,
        "enablecompletion": int(course.enablecompletion),
        "completionnotify": 0,
        "lang": course.lang,
    }


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "options": s(
                {
                    "ids": m(
                        v(PARAM_INT, "Course id"),
                        "List of course id. If empty return all courses except front page course.",
                        opt=True,
                    )
                },
                "options - operator OR is used",
                default={},
            ),
        }
    ),
    returns=m(COURSE_FULL, "course"),
    description="Return course details",
    ajax=True,
    services=MOBILE,
)
async def get_courses(
    ctx: CallContext, options: dict[str, Any] | list[Any]
) -> list[dict[str, Any]]:
    site = Site(ctx)
    # The default is PHP's array(): an empty list once cleaned.
    ids = (options.get("ids") if isinstance(options, dict) else None) or []
    courses = await site.db.courses(ids or None)
    if ids and len(courses) != len(set(ids)):
        raise WSError("invalidrecord", "Can't find data record in database table course.")
    out = []
    for course in courses:
        if not ids and course.id == 1:
            continue  # Moodle leaves the front page out of "all courses"
        context = await site.db.course_context(course)
        if course.id != 1 and not await site.can_view_course(course):
            if ids:
                raise WSError(
                    "requireloginerror", "Course or activity not accessible. (Not enrolled)"
                )
            continue
        entry = course_summary(course)
        entry["summary"] = format_text(
            ctx, course.summary, FileArea(context.id, "course", "summary", None)
        )
        out.append(entry)
    return out


COURSE_BY_FIELD = s(
    {
        "id": v(PARAM_INT, "course id"),
        "fullname": v(PARAM_RAW, "course full name"),
        "displayname": v(PARAM_RAW, "course display name"),
        "shortname": v(PARAM_RAW, "course short name"),
        "courseimage": v(PARAM_URL, "Course image", opt=True),
        "categoryid": v(PARAM_INT, "category id"),
        "categoryname": v(PARAM_RAW, "category name"),
        "sortorder": v(PARAM_INT, "Sort order in the category", opt=True),
        "summary": v(PARAM_RAW, "summary"),
        "summaryformat": v(PARAM_INT, "summary format"),
        "summaryfiles": ExternalFiles("summary files in the summary field", VALUE_OPTIONAL),
        "overviewfiles": ExternalFiles("additional overview files attached to this course"),
        "showactivitydates": v(
            PARAM_BOOL, "Whether the activity dates are shown or not", null=True
        ),
        "showcompletionconditions": v(
            PARAM_BOOL, "Whether the activity completion conditions are shown or not", null=True
        ),
        "contacts": m(
            s(
                {
                    "id": v(PARAM_INT, "contact user id"),
                    "fullname": v(PARAM_NOTAGS, "contact user fullname"),
                }
            ),
            "contact users",
        ),
        "enrollmentmethods": m(v(PARAM_PLUGIN, "enrollment method"), "enrollment methods list"),
        "idnumber": v(PARAM_RAW, "Id number", opt=True),
        "format": v(PARAM_PLUGIN, "Course format: weeks, topics, social, site", opt=True),
        "showgrades": v(PARAM_INT, "true if grades are shown, otherwise false", opt=True),
        "newsitems": v(PARAM_INT, "Number of recent items appearing on the course page", opt=True),
        "startdate": v(PARAM_INT, "Timestamp when the course start", opt=True),
        "enddate": v(PARAM_INT, "Timestamp when the course end", opt=True),
        "maxbytes": v(PARAM_INT, "Largest size of file that can be uploaded into", opt=True),
        "showreports": v(PARAM_INT, "Are activity report shown (yes = 1, no =0)", opt=True),
        "visible": v(PARAM_INT, "1: available to student, 0:not available", opt=True),
        "groupmode": v(PARAM_INT, "no group, separate, visible", opt=True),
        "groupmodeforce": v(PARAM_INT, "1: yes, 0: no", opt=True),
        "defaultgroupingid": v(PARAM_INT, "default grouping id", opt=True),
        "enablecompletion": v(PARAM_INT, "Completion enabled? 1: yes 0: no", opt=True),
        "completionnotify": v(PARAM_INT, "1: yes 0: no", opt=True),
        "lang": v(PARAM_ALPHANUMEXT, "Forced course language", opt=True),
        "theme": v(PARAM_PLUGIN, "Fame of the forced theme", opt=True),
        "marker": v(PARAM_INT, "Current course marker", opt=True),
        "legacyfiles": v(PARAM_INT, "If legacy files are enabled", opt=True),
        "calendartype": v(PARAM_PLUGIN, "Calendar type", opt=True),
        "timecreated": v(PARAM_INT, "Time when the course was created", opt=True),
        "timemodified": v(PARAM_INT, "Last time  the course was updated", opt=True),
        "requested": v(PARAM_INT, "If is a requested course", opt=True),
        "cacherev": v(PARAM_INT, "Cache revision number", opt=True),
    },
    "Course",
)

BY_FIELD_NAMES = ("id", "ids", "shortname", "idnumber", "category", "sectionid")


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "field": v(
                PARAM_ALPHA,
                "The field to search can be left empty for all courses or:\n    id: course id\n    ids: comma separated course ids\n    shortname: course short name\n    idnumber: course id number\n    category: category id the course belongs to\n    sectionid: section id that belongs to a course\n",
                default="",
            ),
            "value": v(PARAM_RAW, "The value to match", default=""),
        }
    ),
    returns=s({"courses": m(COURSE_BY_FIELD, "Course"), "warnings": ExternalWarnings()}),
    description="Get courses matching a specific field (id/s, shortname, idnumber, category)",
    ajax=True,
    services=MOBILE,
)
async def get_courses_by_field(ctx: CallContext, field: str, value: str) -> dict[str, Any]:
    if field and field not in BY_FIELD_NAMES:
        raise InvalidParameterException("Invalid field name")
    if field and value == "":
        raise InvalidParameterException("When specifying a field you must specify a value")
    site = Site(ctx)
    db = site.db
    courses: list[Course]
    if not field:
        courses = await db.courses()
    elif field in ("id", "ids"):
        try:
            ids = [int(x) for x in value.split(",") if x.strip()]
        except ValueError:
            raise InvalidParameterException("Invalid value") from None
        courses = await db.courses(ids)
    elif field == "shortname":
        found = await db.course_by_shortname(value)
        courses = [found] if found else []
    elif field == "idnumber":
        courses = [c for c in await db.courses() if c.idnumber == value]
    elif field == "category":
        courses = await db.listing(
            Course, "course", "category", int(value) if value.isdigit() else -1
        )
    else:
        section = await db.get(Section, int(value) if value.isdigit() else 0)
        courses = await db.courses([section.course]) if section else []
    out = []
    for course in courses:
        if course.id == 1 or not await site.can_view_course(course):
            continue
        out.append(await _course_by_field(ctx, site, course))
    return {"courses": out, "warnings": []}


async def _course_by_field(ctx: CallContext, site: Site, course: Course) -> dict[str, Any]:
    context = await site.db.course_context(course)
    category = await site.db.get(Category, course.category)
    contacts = []
    for enrolment in await site.db.enrolments(course.id):
        if (
            enrolment.roleid
            and (role := await ctx.roles.get_role(enrolment.roleid))
            and role.shortname == "editingteacher"
        ):
            user = await ctx.store.get_user(enrolment.userid)
            if user is not None:
                contacts.append({"id": user.id, "fullname": user.fullname})
    return course_summary(course) | {
        "categoryname": category.name if category else "",
        "sortorder": course.sortorder,
        "summary": format_text(
            ctx, course.summary, FileArea(context.id, "course", "summary", None)
        ),
        "summaryfiles": [],
        "overviewfiles": [],
        "showactivitydates": True,
        "showcompletionconditions": True,
        "contacts": contacts,
        "enrollmentmethods": ["manual"],
        "theme": "",
        "marker": course.marker,
        "legacyfiles": 0,
        "calendartype": "",
        "requested": 0,
        "cacherev": course.timemodified,
    }


CATEGORY = s(
    {
        "id": v(PARAM_INT, "category id"),
        "name": v(PARAM_RAW, "category name"),
        "idnumber": v(PARAM_RAW, "category id number", opt=True),
        "description": v(PARAM_RAW, "category description"),
        "descriptionformat": v(PARAM_INT, "description format"),
        "parent": v(PARAM_INT, "parent category id"),
        "sortorder": v(PARAM_INT, "category sorting order"),
        "coursecount": v(PARAM_INT, "number of courses in this category"),
        "visible": v(PARAM_INT, "1: available, 0:not available", opt=True),
        "visibleold": v(PARAM_INT, "1: available, 0:not available", opt=True),
        "timemodified": v(PARAM_INT, "timestamp", opt=True),
        "depth": v(PARAM_INT, "category depth"),
        "path": v(PARAM_TEXT, "category path"),
        "theme": v(PARAM_THEME, "category theme", opt=True),
    },
    "List of categories",
)
CATEGORY_KEYS = ("id", "ids", "name", "parent", "idnumber", "visible", "theme")


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "criteria": m(
                s(
                    {
                        "key": v(
                            PARAM_ALPHA,
                            'The category column to search, expected keys (value format) are:"id" (int) the category id,"ids" (string) category ids separated by commas,"name" (string) the category name,"parent" (int) the parent category id,"idnumber" (string) category idnumber - user must have \'moodle/category:manage\' to search on idnumber,"visible" (int) whether the returned categories must be visible or hidden. If the key is not passed, then the function return all categories that the user can see. - user must have \'moodle/category:manage\' or \'moodle/category:viewhiddencategories\' to search on visible,"theme" (string) only return the categories having this theme - user must have \'moodle/category:manage\' to search on theme',
                        ),
                        "value": v(PARAM_RAW, "the value to match"),
                    }
                ),
                "criteria",
                default=[],
            ),
            "addsubcategories": v(
                PARAM_BOOL,
                "return the sub categories infos (1 - default) otherwise only the category info (0)",
                default=True,
            ),
        }
    ),
    returns=m(CATEGORY, "List of categories"),
    description="Return category details",
    ajax=True,
    services=MOBILE,
)
async def get_categories(
    ctx: CallContext, criteria: list[dict[str, str]], addsubcategories: bool
) -> list[dict[str, Any]]:
    site = Site(ctx)
    categories = await site.db.categories()
    for criterion in criteria:
        key, value = criterion["key"], criterion["value"]
        if key not in CATEGORY_KEYS:
            raise InvalidParameterException(f"The category column to search '{key}' is invalid")
        if key == "ids":
            wanted = {x.strip() for x in value.split(",")}
            matched = [c for c in categories if str(c.id) in wanted]
        elif key == "visible":
            matched = [c for c in categories if str(int(c.visible)) == value]
        else:
            matched = [c for c in categories if str(getattr(c, key)) == value]
        if addsubcategories and key in ("id", "ids"):
            roots = {c.id for c in matched}
            matched += [
                c
                for c in categories
                if c.id not in roots
                and any(f"/{r}/" in c.path + "/" and c.path != f"/{r}" for r in roots)
            ]
        categories = matched
    admin = await site.is_admin()
    out = []
    for category in categories:
        if not category.visible and not admin:
            continue
        count = await site.db.count("course", "category", category.id)
        out.append(
            {
                "id": category.id,
                "name": category.name,
                "idnumber": category.idnumber,
                "description": category.description,
                "descriptionformat": category.descriptionformat,
                "parent": category.parent,
                "sortorder": category.sortorder,
                "coursecount": count,
                "visible": int(category.visible),
                "visibleold": int(category.visible),
                "timemodified": category.timemodified,
                "depth": category.depth,
                "path": category.path,
                "theme": category.theme,
            }
        )
    return out


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "courses": m(
                s(
                    {
                        "fullname": v(PARAM_TEXT, "full name"),
                        "shortname": v(PARAM_TEXT, "course short name"),
                        "categoryid": v(PARAM_INT, "category id"),
                        "idnumber": v(PARAM_RAW, "id number", opt=True),
                        "summary": v(PARAM_RAW, "summary", opt=True),
                        "summaryformat": v(PARAM_INT, "summary format", default=1),
                        "format": v(
                            PARAM_PLUGIN,
                            "course format: weeks, topics, social, site,..",
                            default="topics",
                        ),
                        "showgrades": v(PARAM_INT, "1 if grades are shown, otherwise 0", opt=True),
                        "newsitems": v(
                            PARAM_INT,
                            "number of recent items appearing on the course page",
                            opt=True,
                        ),
                        "startdate": v(PARAM_INT, "timestamp when the course start", opt=True),
                        "enddate": v(PARAM_INT, "timestamp when the course end", opt=True),
                        "numsections": v(
                            PARAM_INT,
                            "(deprecated, use courseformatoptions) number of weeks/topics",
                            opt=True,
                        ),
                        "maxbytes": v(
                            PARAM_INT,
                            "largest size of file that can be uploaded into the course",
                            opt=True,
                        ),
                        "visible": v(
                            PARAM_INT, "1: available to student, 0:not available", opt=True
                        ),
                        "groupmode": v(PARAM_INT, "no group, separate, visible", opt=True),
                        "enablecompletion": v(
                            PARAM_INT,
                            "Enabled, control via completion and activity settings. Disabled, not shown in activity settings.",
                            opt=True,
                        ),
                        "lang": v(PARAM_SAFEDIR, "forced course language", opt=True),
                    }
                ),
                "courses to create",
            )
        }
    ),
    returns=m(s({"id": v(PARAM_INT, "course id"), "shortname": v(PARAM_RAW, "short name")})),
    description="Create new courses",
    type="write",
)
async def create_courses(ctx: CallContext, courses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    site = Site(ctx)
    created = []
    for spec in courses:
        category = await site.db.get(Category, spec["categoryid"])
        if category is None:
            raise WSError(
                "invalidrecord", "Can't find data record in database table course_categories."
            )
        await site.require("moodle/course:create", await site.db.category_context(category))
        if await site.db.course_by_shortname(spec["shortname"]) is not None:
            raise WSError(
                "shortnametaken",
                f"Short name is already used for another course ({spec['shortname']})",
            )
        course = Course(
            category=category.id,
            fullname=spec["fullname"],
            shortname=spec["shortname"],
            idnumber=spec.get("idnumber", ""),
            summary=spec.get("summary", ""),
            summaryformat=spec["summaryformat"],
            format=spec["format"],
            startdate=spec.get("startdate", int(time.time())),
            enddate=spec.get("enddate", 0),
            visible=bool(spec.get("visible", 1)),
            lang=spec.get("lang", ""),
            enablecompletion=bool(spec.get("enablecompletion", 1)),
            groupmode=spec.get("groupmode", 0),
        )
        try:
            course = await site.db.add_course(course)
        except Conflict:
            raise WSError(
                "shortnametaken",
                f"Short name is already used for another course ({spec['shortname']})",
            ) from None
        for number in range(1, spec.get("numsections", 4) + 1):
            await site.db.add_section(Section(course=course.id, section=number))
        created.append({"id": course.id, "shortname": course.shortname})
    return created


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "courseid": v(PARAM_INT, "id of the course"),
            "sectionnumber": v(PARAM_INT, "section number", default=0),
        }
    ),
    returns=s({"status": v(PARAM_BOOL, "status: true if success"), "warnings": ExternalWarnings()}),
    description="Log that the course was viewed",
    type="write",
    ajax=True,
    services=MOBILE,
)
async def view_course(ctx: CallContext, courseid: int, sectionnumber: int) -> dict[str, Any]:
    site = Site(ctx)
    course = await site.course(courseid)
    await site.require_course(course)
    if sectionnumber and await site.db.section_by_number(courseid, sectionnumber) is None:
        raise WSError("Invalid section number", f"Invalid section number {sectionnumber}")
    await ctx.redis.zadd(site.db.key("lastaccess", site.userid), {str(courseid): int(time.time())})
    return {"status": True, "warnings": []}
