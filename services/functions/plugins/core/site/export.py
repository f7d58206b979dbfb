"""Turning site records into the structures Moodle's functions return."""

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext
from services.functions.plugins.core.site.records import Activity, CourseModule
from shared.contexts import Context
from shared.filestore import FileRecord
from shared.fileurls import FileArea, file_url, rewrite_pluginfile_urls
from shared.records import UserRecord

__all__ = [
    "area_files",
    "external_file",
    "format_text",
    "module_base",
    "user_description",
    "user_picture",
]


def format_text(ctx: CallContext, text: str, area: FileArea | None) -> str:
    """Moodle's external format_text: @@PLUGINFILE@@ becomes a file URL unless fileurl is off."""
    return text if area is None else rewrite_pluginfile_urls(text, ctx.wwwroot, ctx.settings, area)


def user_picture(ctx: CallContext, user: UserRecord, size: str = "f1") -> str:
    return f"{ctx.wwwroot}/theme/image.php/boost/core/1/u/{size}"


def external_file(
    ctx: CallContext, record: FileRecord, *, itemid_in_url: bool = True
) -> dict[str, Any]:
    """An entry of Moodle's ``external_files`` list."""
    area = FileArea(
        record.contextid,
        record.component,
        record.filearea,
        record.itemid if itemid_in_url else None,
    )
    return {
        "filename": record.filename,
        "filepath": record.filepath,
        "filesize": record.filesize,
        "fileurl": file_url(ctx.wwwroot, ctx.settings, area, record.filepath, record.filename),
        "timemodified": record.timemodified,
        "mimetype": record.mimetype,
        "isexternalfile": False,
    }


async def area_files(
    ctx: CallContext,
    context: Context,
    component: str,
    filearea: str,
    itemid: int = 0,
    *,
    itemid_in_url: bool = False,
) -> list[dict[str, Any]]:
    files = await ctx.files.list_area(context.id, component, filearea, itemid)
    return [external_file(ctx, f, itemid_in_url=itemid_in_url) for f in files]


async def module_base(
    ctx: CallContext, cm: CourseModule, activity: Activity, context: Context
) -> dict[str, Any]:
    """Fields every ``mod_*_get_*_by_courses`` entry shares."""
    component = f"mod_{cm.modname}"
    return {
        "id": activity.id,
        "coursemodule": cm.id,
        "course": activity.course,
        "name": activity.name,
        "intro": format_text(ctx, activity.intro, FileArea(context.id, component, "intro", None)),
        "introformat": activity.introformat,
        "introfiles": await area_files(ctx, context, component, "intro"),
        "section": 0,
        "visible": cm.visible,
        "groupmode": cm.groupmode,
        "groupingid": 0,
        "lang": "",
    }


def user_description(ctx: CallContext, user: UserRecord, *, full: bool) -> dict[str, Any]:
    """Moodle's user_get_user_details: public fields for anyone, the rest for who may see them."""
    out: dict[str, Any] = {
        "id": user.id,
        "fullname": user.fullname,
        "profileimageurlsmall": user_picture(ctx, user, "f2"),
        "profileimageurl": user_picture(ctx, user, "f1"),
    }
    if user.city:
        out["city"] = user.city
    if user.country:
        out["country"] = user.country
    if user.description:
        out["description"] = user.description
        out["descriptionformat"] = 1
    if full:
        out.update(
            {
                "username": user.username,
                "firstname": user.firstname,
                "lastname": user.lastname,
                "email": user.email,
                "idnumber": user.idnumber,
                "firstaccess": 0,
                "lastaccess": 0,
                "auth": user.auth,
                "suspended": user.suspended,
                "confirmed": user.confirmed,
                "lang": user.lang,
                "theme": "",
                "timezone": user.timezone,
                "mailformat": 1,
            }
        )
    return out
