"""``core_course_get_contents`` and the dashboard's timeline classification."""

# Descriptions are Moodle's own texts, kept whole so generated documentation matches.
# ruff: noqa: E501

from __future__ import annotations

import time
from typing import Any

from services.functions.api import CallContext
from services.functions.plugins.core.core_course import course_summary, plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import format_text
from services.functions.plugins.core.site.records import Activity, CourseModule, Section
from shared.constants import MOBILE_SERVICE
from shared.errors import InvalidParameterException, WSError
from shared.external import (
    PARAM_ALPHA,
    PARAM_ALPHANUM,
    PARAM_BOOL,
    PARAM_FLOAT,
    PARAM_INT,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_TEXT,
    PARAM_URL,
    ExternalFunctionParameters,
)
from shared.fileurls import FileArea, file_url

__all__: list[str] = []

#: Modules whose files are listed in ``contents`` (Moodle's <mod>_export_contents).
FILE_MODULES = {"resource": "content", "folder": "content", "page": "content"}
BOOL_OPTIONS = {"excludemodules", "excludecontents", "includestealthmodules"}
INT_OPTIONS = {"sectionid", "sectionnumber", "cmid", "modid"}

CONTENT = s(
    {
        "type": v(PARAM_TEXT, "a file or a folder or external link"),
        "filename": v(PARAM_FILE_ := "file", "filename"),
        "filepath": v("path", "filepath"),
        "filesize": v(PARAM_INT, "filesize"),
        "fileurl": v(PARAM_URL, "downloadable file url", opt=True),
        "content": v(PARAM_RAW, "Raw content, will be used when type is content", opt=True),
        "timecreated": v(PARAM_INT, "Time created"),
        "timemodified": v(PARAM_INT, "Time modified"),
        "sortorder": v(PARAM_INT, "Content sort order"),
        "mimetype": v(PARAM_RAW, "File mime type.", opt=True),
        "isexternalfile": v(PARAM_BOOL, "Whether is an external file.", opt=True),
        "repositorytype": v(PARAM_PLUGIN, "The repository type for external files.", opt=True),
        "userid": v(PARAM_INT, "User who added this content to moodle"),
        "author": v(PARAM_TEXT, "Content owner"),
        "license": v(PARAM_TEXT, "Content license"),
    }
)
MODULE = s(
    {
        "id": v(PARAM_INT, "activity id"),
        "url": v(PARAM_URL, "activity url", opt=True),
        "name": v(PARAM_RAW, "activity module name"),
        "instance": v(PARAM_INT, "instance id", opt=True),
        "contextid": v(PARAM_INT, "Activity context id.", opt=True),
        "description": v(PARAM_RAW, "activity description", opt=True),
        "visible": v(PARAM_INT, "is the module visible", opt=True),
        "uservisible": v(PARAM_BOOL, "Is the module visible for the user?", opt=True),
        "availabilityinfo": v(PARAM_RAW, "Availability information.", opt=True),
        "visibleoncoursepage": v(PARAM_INT, "is the module visible on course page", opt=True),
        "modicon": v(PARAM_URL, "activity icon url"),
        "modname": v(PARAM_PLUGIN, "activity module type"),
        "purpose": v(PARAM_ALPHA, "the module purpose", opt=True),
        "branded": v(PARAM_BOOL, "Whether the module is branded or not", opt=True),
        "modplural": v(PARAM_TEXT, "activity module plural name"),
        "availability": v(PARAM_RAW, "module availability settings", opt=True),
        "indent": v(PARAM_INT, "number of identation in the site"),
        "onclick": v(PARAM_RAW, "Onclick action.", opt=True),
        "afterlink": v(PARAM_RAW, "After link info to be displayed.", opt=True),
        "customdata": v(PARAM_RAW, "Custom data (JSON encoded).", opt=True),
        "noviewlink": v(PARAM_BOOL, "Whether the module has no view page", opt=True),
        "completion": v(
            PARAM_INT, "Type of completion tracking: 0 means none, 1 manual, 2 automatic.", opt=True
        ),
        "completiondata": s(
            {
                "state": v(
                    PARAM_INT,
                    "Completion state value: 0 means incomplete, 1 complete, 2 complete pass, 3 complete fail",
                ),
                "timecompleted": v(PARAM_INT, "Timestamp for completion status."),
                "overrideby": v(PARAM_INT, "The user id who has overriden the status."),
                "valueused": v(
                    PARAM_BOOL,
                    "Whether the completion status affects the availability of another activity.",
                    opt=True,
                ),
                "hascompletion": v(
                    PARAM_BOOL, "Whether this activity has completion rules", opt=True
                ),
                "isautomatic": v(PARAM_BOOL, "Whether the completion is automatic", opt=True),
                "istrackeduser": v(
                    PARAM_BOOL,
                    "Checks whether completion is being tracked for this user.",
                    opt=True,
                ),
                "uservisible": v(
                    PARAM_BOOL, "Whether this activity is visible to the user.", opt=True
                ),
            },
            "Module completion data.",
            opt=True,
        ),
        "downloadcontent": v(PARAM_INT, "The download content value", opt=True),
        "dates": m(
            s(
                {
                    "label": v(PARAM_TEXT, "date label"),
                    "timestamp": v(PARAM_INT, "date timestamp"),
                    "relativeto": v(PARAM_INT, "relative date timestamp", opt=True),
                    "dataid": v(PARAM_NOTAGS_ := "notags", "cm data id", opt=True),
                }
            ),
            "Course dates",
            default=[],
        ),
        "groupmode": v(PARAM_INT, "Group mode value", opt=True),
        "contents": m(CONTENT, "Course contents", opt=True),
        "contentsinfo": s(
            {
                "filescount": v(PARAM_INT, "Total number of files."),
                "filessize": v(PARAM_INT, "Total files size."),
                "lastmodified": v(PARAM_INT, "Last time files were modified."),
                "mimetypes": m(v(PARAM_RAW, "File mime type.")),
                "repositorytype": v(
                    PARAM_PLUGIN, "The repository type for the main file.", opt=True
                ),
            },
            "Contents summary information.",
            opt=True,
        ),
    },
    "list of module",
)
SECTION = s(
    {
        "id": v(PARAM_INT, "Section ID"),
        "name": v(PARAM_RAW, "Section name"),
        "visible": v(PARAM_INT, "is the section visible", opt=True),
        "summary": v(PARAM_RAW, "Section description"),
        "summaryformat": v(PARAM_INT, "summary format"),
        "section": v(PARAM_INT, "Section number inside the course", opt=True),
        "hiddenbynumsections": v(
            PARAM_INT, "Whether is a section hidden in the course format", opt=True
        ),
        "uservisible": v(PARAM_BOOL, "Is the section visible for the user?", opt=True),
        "availabilityinfo": v(PARAM_RAW, "Availability information.", opt=True),
        "component": v(PARAM_RAW, "The delegate component of this section if any.", opt=True),
        "itemid": v(
            PARAM_INT,
            "The optional item id delegate component can use to identify its instance.",
            opt=True,
        ),
        "modules": m(MODULE),
    }
)

PLURALS = {
    "assign": "Assignments",
    "book": "Books",
    "data": "Databases",
    "folder": "Folders",
    "forum": "Forums",
    "label": "Text and media areas",
    "lesson": "Lessons",
    "page": "Pages",
    "quiz": "Quizzes",
    "resource": "Files",
    "url": "URLs",
    "workshop": "Workshops",
}
PURPOSE = {
    "assign": "assessment",
    "quiz": "assessment",
    "workshop": "assessment",
    "lesson": "content",
    "book": "content",
    "page": "content",
    "resource": "content",
    "folder": "content",
    "url": "content",
    "label": "content",
    "forum": "collaboration",
    "data": "collaboration",
}


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "courseid": v(PARAM_INT, "course id"),
            "options": m(
                s(
                    {
                        "name": v(
                            PARAM_ALPHANUM,
                            'The expected keys (value format) are:\n                                excludemodules (bool) Do not return modules, return only the sections structure\n                                excludecontents (bool) Do not return module contents (i.e: files inside a resource)\n                                includestealthmodules (bool) Return stealth modules for students in a special\n                                    section (with id -1)\n                                sectionid (int) Return only this section\n                                sectionnumber (int) Return only this section with number (order)\n                                cmid (int) Return only this module information (among the whole sections structure)\n                                modname (string) Return only modules with this name "label, forum, etc..."\n                                modid (int) Return only the module with this id (to be used with modname',
                        ),
                        "value": v(
                            PARAM_RAW,
                            "the value of the option,\n                                    this param is personaly validated in the external function.",
                        ),
                    }
                ),
                "Options, used since Moodle 2.9",
                default=[],
            ),
        }
    ),
    returns=m(SECTION),
    description="Get course contents",
    ajax=True,
    services=[MOBILE_SERVICE],
)
async def get_contents(
    ctx: CallContext, courseid: int, options: list[dict[str, str]]
) -> list[dict[str, Any]]:
    opts = _options(options)
    site = Site(ctx)
    course = await site.course(courseid)
    try:
        context = await site.require_course(course)
    except WSError as exc:
        raise WSError(
            "errorcoursecontextnotvalid",
            f"You cannot execute functions in the course context (course id:{courseid}). The error message was: {exc.message}",
        ) from None
    completions = await site.db.completions(course.id, site.userid)
    out = []
    for section in await site.db.sections(course.id):
        if "sectionid" in opts and section.id != opts["sectionid"]:
            continue
        if "sectionnumber" in opts and section.section != opts["sectionnumber"]:
            continue
        viewhidden = await site.can("moodle/course:viewhiddensections", context) or await site.can(
            "moodle/course:viewhiddenactivities", context
        )
        if not section.visible and not viewhidden:
            continue
        modules = []
        if not opts.get("excludemodules"):
            for cm in await site.db.section_modules(section):
                if not _wanted(cm, opts) or not await site.module_visible(cm, section):
                    continue
                activity = await site.db.get(Activity, cm.instance)
                if activity is not None:
                    modules.append(
                        await _module(
                            ctx,
                            site,
                            cm=cm,
                            activity=activity,
                            excludecontents=bool(opts.get("excludecontents")),
                            completion=completions.get(cm.id),
                        )
                    )
        out.append(
            {
                "id": section.id,
                "name": section.name
                or ("General" if section.section == 0 else f"Topic {section.section}"),
                "visible": int(section.visible),
                "summary": format_text(
                    ctx, section.summary, FileArea(context.id, "course", "section", section.id)
                ),
                "summaryformat": section.summaryformat,
                "section": section.section,
                "hiddenbynumsections": 0,
                "uservisible": section.visible or viewhidden,
                "modules": modules,
            }
        )
    return out


def _options(options: list[dict[str, str]]) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    for option in options:
        name, value = option["name"].lower(), option["value"]
        if name in BOOL_OPTIONS:
            opts[name] = value.strip().lower() in ("1", "true", "yes", "on")
        elif name in INT_OPTIONS:
            try:
                opts[name] = int(value)
            except ValueError:
                raise InvalidParameterException(f"Invalid value for option {name}") from None
        elif name == "modname":
            opts[name] = value
        else:
            raise WSError("errorinvalidparam", f'The param "{option["name"]}" is invalid.')
    return opts


def _wanted(cm: CourseModule, opts: dict[str, Any]) -> bool:
    if "cmid" in opts and cm.id != opts["cmid"]:
        return False
    if "modname" in opts and cm.modname != opts["modname"]:
        return False
    return not ("modid" in opts and "modname" in opts and cm.instance != opts["modid"])


async def _module(
    ctx: CallContext,
    site: Site,
    *,
    cm: CourseModule,
    activity: Activity,
    excludecontents: bool,
    completion: Any,
) -> dict[str, Any]:
    mcontext = await site.db.module_context(cm)
    component = f"mod_{cm.modname}"
    entry: dict[str, Any] = {
        "id": cm.id,
        "name": activity.name,
        "instance": activity.id,
        "contextid": mcontext.id,
        "visible": int(cm.visible),
        "uservisible": True,
        "visibleoncoursepage": int(cm.visibleoncoursepage),
        "modicon": f"{ctx.wwwroot}/theme/image.php/boost/{component}/1/monologo",
        "modname": cm.modname,
        "purpose": PURPOSE.get(cm.modname, "other"),
        "branded": False,
        "modplural": PLURALS.get(cm.modname, cm.modname),
        "availability": None,
        "indent": cm.indent,
        "onclick": "",
        "afterlink": None,
        "noviewlink": cm.modname == "label",
        "completion": cm.completion,
        "downloadcontent": 1,
        "dates": [],
        "groupmode": cm.groupmode,
    }
    if cm.modname != "label":
        entry["url"] = f"{ctx.wwwroot}/mod/{cm.modname}/view.php?id={cm.id}"
    if cm.modname == "label" or activity.intro:
        entry["description"] = format_text(
            ctx, activity.intro, FileArea(mcontext.id, component, "intro", None)
        )
    if cm.completion:
        entry["completiondata"] = {
            "state": completion.state if completion else 0,
            "timecompleted": completion.timecompleted if completion else 0,
            "overrideby": completion.overrideby if completion else 0,
            "valueused": False,
            "hascompletion": True,
            "isautomatic": cm.completion == 2,
            "istrackeduser": not await site.is_admin(),
            "uservisible": True,
        }
    if cm.modname == "url":
        url = str(activity.settings.get("externalurl", ""))
        entry["contents"] = [
            {
                "type": "url",
                "filename": activity.name,
                "filepath": None,
                "filesize": 0,
                "fileurl": url,
                "timecreated": activity.timemodified,
                "timemodified": activity.timemodified,
                "sortorder": 0,
                "userid": None,
                "author": None,
                "license": None,
            }
        ]
    elif cm.modname in FILE_MODULES:
        files = await ctx.files.list_area(mcontext.id, component, FILE_MODULES[cm.modname], 0)
        contents = []
        if cm.modname == "page":
            html = format_text(
                ctx,
                str(activity.settings.get("content", "")),
                FileArea(mcontext.id, component, "content", 0),
            )
            contents.append(
                {
                    "type": "file",
                    "filename": "index.html",
                    "filepath": "/",
                    "filesize": 0,
                    "fileurl": file_url(
                        ctx.wwwroot,
                        ctx.settings,
                        FileArea(mcontext.id, component, "content", 0),
                        "/",
                        "index.html",
                    ),
                    "content": html,
                    "timecreated": activity.timemodified,
                    "timemodified": activity.timemodified,
                    "sortorder": 1,
                    "userid": None,
                    "author": None,
                    "license": None,
                }
            )
        for record in files:
            contents.append(
                {
                    "type": "file",
                    "filename": record.filename,
                    "filepath": record.filepath,
                    "filesize": record.filesize,
                    "fileurl": file_url(
                        ctx.wwwroot,
                        ctx.settings,
                        FileArea(mcontext.id, component, "content", 0),
                        record.filepath,
                        record.filename,
                    ),
                    "timecreated": record.timecreated,
                    "timemodified": record.timemodified,
                    "sortorder": record.sortorder,
                    "mimetype": record.mimetype,
                    "isexternalfile": False,
                    "userid": record.userid,
                    "author": record.author,
                    "license": record.license,
                }
            )
        if not excludecontents:
            entry["contents"] = contents
        entry["contentsinfo"] = {
            "filescount": len(files),
            "filessize": sum(f.filesize for f in files),
            "lastmodified": max((f.timemodified for f in files), default=0),
            "mimetypes": sorted({f.mimetype for f in files}),
        }
    return entry


COURSE_SUMMARY = s(
    {
        "id": v(PARAM_INT, "id"),
        "fullname": v(PARAM_TEXT, "fullname"),
        "shortname": v(PARAM_TEXT, "shortname"),
        "idnumber": v(PARAM_RAW, "idnumber"),
        "summary": v(PARAM_RAW, "summary"),
        "summaryformat": v(PARAM_INT, "summary format"),
        "startdate": v(PARAM_INT, "startdate"),
        "enddate": v(PARAM_INT, "enddate"),
        "visible": v(PARAM_BOOL, "visible"),
        "showactivitydates": v(PARAM_BOOL, "showactivitydates"),
        "showcompletionconditions": v(PARAM_BOOL, "showcompletionconditions"),
        "fullnamedisplay": v(PARAM_TEXT, "fullnamedisplay"),
        "viewurl": v(PARAM_URL, "viewurl"),
        "courseimage": v(PARAM_RAW, "courseimage"),
        "progress": v(PARAM_INT, "progress", opt=True),
        "hasprogress": v(PARAM_BOOL, "hasprogress"),
        "isfavourite": v(PARAM_BOOL, "isfavourite"),
        "hidden": v(PARAM_BOOL, "hidden"),
        "timeaccess": v(PARAM_INT, "timeaccess", opt=True),
        "showshortname": v(PARAM_BOOL, "showshortname"),
        "coursecategory": v(PARAM_TEXT, "coursecategory"),
    }
)
CLASSIFICATIONS = (
    "all",
    "inprogress",
    "future",
    "past",
    "favourites",
    "hidden",
    "allincludinghidden",
    "search",
    "customfield",
)


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "classification": v(PARAM_ALPHA, "future, inprogress, or past"),
            "limit": v(PARAM_INT, "Result set limit", default=0),
            "offset": v(PARAM_INT, "Result set offset", default=0),
            "sort": v(PARAM_TEXT, "Sort string", default=None),
            "customfieldname": v(
                PARAM_ALPHANUMEXT_ := "alphanumext",
                "Used when classification = customfield",
                default=None,
            ),
            "customfieldvalue": v(
                PARAM_RAW, "Used when classification = customfield", default=None
            ),
            "searchvalue": v(PARAM_RAW, "The value a user wishes to search against", default=None),
            "requiredfields": m(
                v(PARAM_ALPHANUMEXT_, "Field name to be included from the results"),
                "Array of the only field names that need to be returned. If empty, all fields will be returned.",
                default=[],
            ),
        }
    ),
    returns=s(
        {
            "courses": m(COURSE_SUMMARY, "Course"),
            "nextoffset": v(PARAM_INT, "Offset for the next request"),
        }
    ),
    description="List of enrolled courses for the given timeline classification (past, inprogress, or future).",
    ajax=True,
    services=[MOBILE_SERVICE],
)
async def get_enrolled_courses_by_timeline_classification(
    ctx: CallContext,
    *,
    classification: str,
    limit: int,
    offset: int,
    sort: str | None,
    customfieldname: str | None,
    customfieldvalue: str | None,
    searchvalue: str | None,
    requiredfields: list[str],
) -> dict[str, Any]:
    if classification not in CLASSIFICATIONS:
        raise InvalidParameterException("Invalid classification")
    site = Site(ctx)
    now = int(time.time())
    picked = []
    for course in await site.db.courses(await site.my_courseids()):
        if not await site.can_view_course(course):
            continue
        past = bool(course.enddate) and course.enddate < now
        future = course.startdate > now
        keep = {
            "past": past,
            "future": future,
            "inprogress": not past and not future,
            "hidden": False,
            "favourites": False,
            "search": bool(searchvalue) and (searchvalue or "").lower() in course.fullname.lower(),
        }.get(classification, True)
        if keep:
            picked.append(course)
    page = picked[offset : offset + limit] if limit else picked[offset:]
    courses = []
    for course in page:
        summary = course_summary(course)
        courses.append(
            {
                k: summary[k]
                for k in (
                    "id",
                    "fullname",
                    "shortname",
                    "idnumber",
                    "summary",
                    "summaryformat",
                    "startdate",
                    "enddate",
                )
            }
            | {
                "visible": course.visible,
                "showactivitydates": True,
                "showcompletionconditions": True,
                "fullnamedisplay": course.fullname,
                "viewurl": f"{ctx.wwwroot}/course/view.php?id={course.id}",
                "courseimage": "",
                "hasprogress": False,
                "isfavourite": False,
                "hidden": False,
                "showshortname": False,
                "coursecategory": "",
            }
        )
    return {"courses": courses, "nextoffset": offset + len(page)}


del PARAM_FLOAT, Section
