"""File functions: browse an area, move draft files to private files, delete draft files.

Uploads land in a draft area through ``webservice/upload.php`` (the gateway); these functions
are how a client then keeps them (``core_user_add_user_private_files``), tidies a draft
(``core_files_delete_draft_files``), or lists what an area holds (``core_files_get_files``).
"""

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.version import MOODLE_VERSION
from services.functions.plugins.core.webservice import DEFAULT_CONFIG
from shared.constants import MOBILE_SERVICE
from shared.contexts import CONTEXT_USER, LEVEL_NAMES, Context
from shared.errors import InvalidParameterException, RequiredCapabilityException, WSError
from shared.external import (
    PARAM_ALPHA,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_PATH,
    PARAM_RAW,
    PARAM_TEXT,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
    ExternalWarnings,
)
from shared.filestore import FileRecord
from shared.fileurls import FileArea, file_url

__all__ = ["core_files", "core_user_files"]

core_files = Plugin("core_files", version=MOODLE_VERSION)
core_user_files = Plugin("core_user", version=MOODLE_VERSION)

_OPT = VALUE_OPTIONAL
_MOBILE = [MOBILE_SERVICE]


async def _user_context(ctx: CallContext, userid: int) -> Context:
    return await ctx.contexts.ensure(CONTEXT_USER, userid)


async def _is_admin(ctx: CallContext) -> bool:
    user = await ctx.store.get_user(ctx.caller.userid)
    return bool(user and user.siteadmin)


async def _require(ctx: CallContext, capability: str, context: Context) -> None:
    if not await ctx.roles.has_capability(
        ctx.caller.userid, capability, context, siteadmin=await _is_admin(ctx)
    ):
        raise RequiredCapabilityException(capability)


# --- core_files_get_files -----------------------------------------------------------------------

_FILE_ID = {
    "contextid": ExternalValue(PARAM_INT, ""),
    "component": ExternalValue(PARAM_TEXT, ""),
    "filearea": ExternalValue(PARAM_TEXT, ""),
    "itemid": ExternalValue(PARAM_INT, ""),
    "filepath": ExternalValue(PARAM_TEXT, ""),
    "filename": ExternalValue(PARAM_TEXT, ""),
}


@core_files.function(
    name="core_files_get_files",
    parameters=ExternalFunctionParameters(
        {
            "contextid": ExternalValue(PARAM_INT, "context id Set to -1 to use contextlevel"),
            "component": ExternalValue(PARAM_TEXT, "component"),
            "filearea": ExternalValue(PARAM_TEXT, "file area"),
            "itemid": ExternalValue(PARAM_INT, "associated id"),
            "filepath": ExternalValue(PARAM_PATH, "file path"),
            "filename": ExternalValue(PARAM_TEXT, "file name"),
            "modified": ExternalValue(
                PARAM_INT, "timestamp to return files changed after this time.", VALUE_DEFAULT, None
            ),
            "contextlevel": ExternalValue(
                PARAM_ALPHA, "The context level for the file location.", VALUE_DEFAULT, None
            ),
            "instanceid": ExternalValue(
                PARAM_INT, "The instance id for where the file is located.", VALUE_DEFAULT, None
            ),
        }
    ),
    returns=ExternalSingleStructure(
        {
            "parents": ExternalMultipleStructure(ExternalSingleStructure(dict(_FILE_ID))),
            "files": ExternalMultipleStructure(
                ExternalSingleStructure(
                    {
                        **_FILE_ID,
                        "isdir": ExternalValue(PARAM_BOOL, ""),
                        "url": ExternalValue(PARAM_TEXT, ""),
                        "timemodified": ExternalValue(PARAM_INT, ""),
                        "timecreated": ExternalValue(PARAM_INT, "Time created", _OPT),
                        "filesize": ExternalValue(PARAM_INT, "File size", _OPT),
                        "author": ExternalValue(PARAM_TEXT, "File owner", _OPT),
                        "license": ExternalValue(PARAM_TEXT, "File license", _OPT),
                    }
                )
            ),
        }
    ),
    description="Browse moodle files",
    services=_MOBILE,
)
async def get_files(  # noqa: PLR0917  (Moodle's parameter list)
    ctx: CallContext,
    contextid: int,
    component: str,
    filearea: str,
    itemid: int,
    filepath: str,
    filename: str,
    modified: int | None,
    contextlevel: str | None,
    instanceid: int | None,
) -> dict[str, Any]:
    context = await _resolve_context(ctx, contextid, contextlevel, instanceid)
    if not await _may_browse(ctx, context, component, filearea):
        raise RequiredCapabilityException("moodle/course:view")
    filepath = filepath or "/"
    files = await ctx.files.list_area(context.id, component, filearea, itemid)
    area = FileArea(context.id, component, filearea, itemid)
    out: list[dict[str, Any]] = []
    subdirs: set[str] = set()
    for record in files:
        if filename and (record.filepath, record.filename) != (filepath, filename):
            continue
        if modified is not None and record.timemodified < modified:
            continue
        if record.filepath != filepath:
            # A file deeper down makes its first path segment below ``filepath`` a folder.
            if record.filepath.startswith(filepath) and not filename:
                subdirs.add(record.filepath[len(filepath) :].split("/", 1)[0])
            continue
        if record.filename == ".":
            continue
        out.append(_file_entry(ctx, area, record))
    dirs = [
        {
            "contextid": context.id,
            "component": component,
            "filearea": filearea,
            "itemid": itemid,
            "filepath": f"{filepath}{name}/",
            "filename": ".",
            "isdir": True,
            "url": "",
            "timemodified": 0,
        }
        for name in sorted(subdirs)
    ]
    parents = [
        {
            "contextid": context.id,
            "component": component,
            "filearea": filearea,
            "itemid": itemid,
            "filepath": path,
            "filename": ".",
        }
        for path in _ancestors(filepath)
    ]
    return {"parents": parents, "files": dirs + out}


def _ancestors(filepath: str) -> list[str]:
    """``/a/b/`` -> ["/", "/a/"]: the folders above ``filepath``."""
    segments = [s for s in filepath.split("/") if s]
    return ["/" + "".join(s + "/" for s in segments[:i]) for i in range(len(segments))]


def _file_entry(ctx: CallContext, area: FileArea, record: FileRecord) -> dict[str, Any]:
    return {
        "contextid": record.contextid,
        "component": record.component,
        "filearea": record.filearea,
        "itemid": record.itemid,
        "filepath": record.filepath,
        "filename": record.filename,
        "isdir": False,
        "url": file_url(ctx.wwwroot, ctx.settings, area, record.filepath, record.filename),
        "timemodified": record.timemodified,
        "timecreated": record.timecreated,
        "filesize": record.filesize,
        "author": record.author,
        "license": record.license,
    }


async def _resolve_context(
    ctx: CallContext, contextid: int, contextlevel: str | None, instanceid: int | None
) -> Context:
    if contextid == -1 or (contextid == 0 and contextlevel):
        level = LEVEL_NAMES.get(contextlevel or "")
        if level is None or instanceid is None:
            raise InvalidParameterException("Missing parameters: contextlevel and instanceid")
        found = await ctx.contexts.find(level, instanceid)
    else:
        found = await ctx.contexts.get(contextid)
    if found is None:
        raise WSError("invalidcontext", "Invalid context")
    return found


async def _may_browse(ctx: CallContext, context: Context, component: str, filearea: str) -> bool:
    """Own user areas; elsewhere a role in the context (enrolment) or course:view."""
    if await _is_admin(ctx):
        return True
    if context.contextlevel == CONTEXT_USER:
        return context.instanceid == ctx.caller.userid or (
            component == "user" and filearea == "icon"
        )
    if await ctx.roles.has_capability(ctx.caller.userid, "moodle/course:view", context):
        return True
    # roles_in_context includes the implicit nothing: only real assignments count here.
    return bool(await ctx.roles.roles_in_context(ctx.caller.userid, context))


# --- private files --------------------------------------------------------------------------------


@core_user_files.function(
    name="core_user_add_user_private_files",
    parameters=ExternalFunctionParameters({"draftid": ExternalValue(PARAM_INT, "draft area id")}),
    returns=None,
    description="Copy files from a draft area to users private files area.",
    type="write",
    ajax=True,
    capabilities=["moodle/user:manageownfiles"],
    services=_MOBILE,
)
async def add_user_private_files(ctx: CallContext, draftid: int) -> None:
    userid = ctx.caller.userid
    context = await _user_context(ctx, userid)
    await _require(ctx, "moodle/user:manageownfiles", context)
    draft = await ctx.files.list_area(context.id, "user", "draft", draftid)
    private = await ctx.files.list_area(context.id, "user", "private", 0)
    if not await _is_admin(ctx):
        config = await ctx.store.get_config()
        quota = int(config.get("userquota", DEFAULT_CONFIG["userquota"]))
        replaced = {(f.filepath, f.filename) for f in draft}
        kept = sum(f.filesize for f in private if (f.filepath, f.filename) not in replaced)
        if quota > 0 and kept + sum(f.filesize for f in draft) > quota:
            raise WSError("userquotalimit", "You have reached your quota limit.")
    for record in draft:
        copy = FileRecord(
            id=0,
            contextid=context.id,
            component="user",
            filearea="private",
            itemid=0,
            filepath=record.filepath,
            filename=record.filename,
            contenthash=record.contenthash,
            filesize=record.filesize,
            mimetype=record.mimetype,
            userid=record.userid,
            author=record.author,
            license=record.license,
            source=record.source,
            timecreated=record.timecreated,
        )
        await ctx.files.add_file(copy)


@core_user_files.function(
    name="core_user_get_private_files_info",
    parameters=ExternalFunctionParameters(
        {
            "userid": ExternalValue(
                PARAM_INT, "Id of the user, default to current user.", VALUE_DEFAULT, 0
            )
        }
    ),
    returns=ExternalSingleStructure(
        {
            "filecount": ExternalValue(PARAM_INT, "Number of files in the area."),
            "foldercount": ExternalValue(PARAM_INT, "Number of folders in the area."),
            "filesize": ExternalValue(PARAM_INT, "Total size of the files in the area."),
            "filesizewithoutreferences": ExternalValue(
                PARAM_INT, "Total size of the area excluding file references"
            ),
            "warnings": ExternalWarnings(),
        }
    ),
    description="Returns general information about files in the user private files area.",
    ajax=True,
    capabilities=["moodle/user:manageownfiles"],
    services=_MOBILE,
)
async def get_private_files_info(ctx: CallContext, userid: int) -> dict[str, Any]:
    userid = userid or ctx.caller.userid
    if userid != ctx.caller.userid and not await _is_admin(ctx):
        raise RequiredCapabilityException("moodle/user:manageownfiles")
    if await ctx.store.get_user(userid) is None:
        raise WSError("invaliduser", "Invalid user")
    context = await _user_context(ctx, userid)
    files = await ctx.files.list_area(context.id, "user", "private", 0)
    real = [f for f in files if f.filename != "."]
    folders = {f.filepath for f in files if f.filepath != "/"}
    size = sum(f.filesize for f in real)
    return {
        "filecount": len(real),
        "foldercount": len(folders),
        "filesize": size,
        "filesizewithoutreferences": size,
        "warnings": [],
    }


@core_files.function(
    name="core_files_delete_draft_files",
    parameters=ExternalFunctionParameters(
        {
            "draftitemid": ExternalValue(PARAM_INT, "Item id of the draft file area"),
            "files": ExternalMultipleStructure(
                ExternalSingleStructure(
                    {
                        "filepath": ExternalValue(PARAM_PATH, "Path to the file or directory."),
                        # PARAM_FILE would refuse ".", which names a directory here.
                        "filename": ExternalValue(PARAM_RAW, "The file name or . for dirs."),
                    }
                ),
                "Files or directories to be deleted.",
            ),
        }
    ),
    returns=ExternalSingleStructure(
        {
            "parentpaths": ExternalMultipleStructure(
                ExternalValue(PARAM_PATH, "Path to parent directory of the deleted files.")
            ),
            "warnings": ExternalWarnings(),
        }
    ),
    description="Delete the indicated files (or directories) from a user draft file area.",
    type="write",
    ajax=True,
    services=_MOBILE,
)
async def delete_draft_files(
    ctx: CallContext, draftitemid: int, files: list[dict[str, str]]
) -> dict[str, Any]:
    context = await _user_context(ctx, ctx.caller.userid)
    stored = await ctx.files.list_area(context.id, "user", "draft", draftitemid)
    parents: list[str] = []
    for wanted in files:
        path, name = wanted["filepath"] or "/", wanted["filename"]
        for record in stored:
            whole_dir = name == "." and record.filepath.startswith(path)
            if whole_dir or (record.filepath, record.filename) == (path, name):
                await ctx.files.delete_file(record)
        parent = (
            path
            if name != "."
            else "/" + "".join(s + "/" for s in [s for s in path.split("/") if s][:-1])
        )
        if parent not in parents:
            parents.append(parent)
    return {"parentpaths": parents, "warnings": []}
