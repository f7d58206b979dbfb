"""``mod_forum``: forums by course, discussions (paginated), and starting a discussion."""

# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import area_files, format_text, user_picture
from services.functions.plugins.core.site.records import Activity, CourseModule, Discussion, Post
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.errors import (
    InvalidParameterException,
    MissingRecordException,
    RequiredCapabilityException,
    WSError,
)
from shared.external import (
    PARAM_ALPHANUM,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_RAW,
    PARAM_TEXT,
    ExternalFiles,
    ExternalFunctionParameters,
    ExternalWarnings,
)
from shared.fileurls import FileArea

__all__ = ["plugin"]

plugin = Plugin("mod_forum", version=MOODLE_VERSION)
MOBILE = [MOBILE_SERVICE]

#: Integer columns of Moodle's forum table and their defaults.
FORUM_INTS = {
    "duedate": 0,
    "cutoffdate": 0,
    "assessed": 0,
    "assesstimestart": 0,
    "assesstimefinish": 0,
    "scale": 0,
    "grade_forum": 0,
    "grade_forum_notify": 0,
    "maxbytes": 0,
    "maxattachments": 9,
    "forcesubscribe": 0,
    "trackingtype": 1,
    "rsstype": 0,
    "rssarticles": 0,
    "warnafter": 0,
    "blockafter": 0,
    "blockperiod": 0,
    "completiondiscussions": 0,
    "completionreplies": 0,
    "completionposts": 0,
    "lockdiscussionafter": 0,
}

FORUM = s(
    {
        "id": v(PARAM_INT, "Forum id"),
        "course": v(PARAM_INT, "Course id"),
        "type": v(PARAM_TEXT, "The forum type"),
        "name": v(PARAM_RAW, "Forum name"),
        "intro": v(PARAM_RAW, "The forum intro"),
        "introformat": v(
            PARAM_INT, "intro format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)"
        ),
        "introfiles": ExternalFiles("Files in the introduction", 2),
        **{
            name: v(PARAM_INT, name, opt=name in ("duedate", "cutoffdate", "lockdiscussionafter"))
            for name in FORUM_INTS
        },
        "timemodified": v(PARAM_INT, "Time modified"),
        "cmid": v(PARAM_INT, "Course module id"),
        "numdiscussions": v(PARAM_INT, "Number of discussions in the forum", opt=True),
        "cancreatediscussions": v(PARAM_BOOL, "If the user can create discussions", opt=True),
        "istracked": v(PARAM_BOOL, "If the user is tracking the forum", opt=True),
        "unreadpostscount": v(PARAM_INT, "The number of unread posts for tracked forums", opt=True),
    },
    "forum",
)


async def _can_start(site: Site, forum: Activity, cm: CourseModule) -> bool:
    """Moodle's forum_user_can_post_discussion: news forums need mod/forum:addnews, Q and A
    and the rest mod/forum:startdiscussion; single discussion forums take no new ones."""
    context = await site.db.module_context(cm)
    kind = forum.settings.get("type", "general")
    if kind == "single":
        return False
    capability = "mod/forum:addnews" if kind == "news" else "mod/forum:startdiscussion"
    return await site.can(capability, context)


@plugin.function(
    parameters=ExternalFunctionParameters(
        {"courseids": m(v(PARAM_INT, "course ID"), "Array of Course IDs", default=[])}
    ),
    returns=m(FORUM),
    description="Returns a list of forum instances in a provided set of courses, if no courses are provided then all the forum instances the user has access to will be returned.",
    ajax=True,
    services=MOBILE,
)
async def get_forums_by_courses(ctx: CallContext, courseids: list[int]) -> list[dict[str, Any]]:
    site = Site(ctx)
    # Courses the caller cannot see are skipped silently: this function has no warnings.
    courses, _refused = await site.viewable_courses(
        list(dict.fromkeys(courseids)) or await site.my_courseids()
    )
    out = []
    for course in courses:
        for forum in await site.db.activities(course.id, "forum"):
            cm = await site.db.get(CourseModule, forum.cmid)
            if cm is None or not await site.module_visible(cm):
                continue
            context = await site.db.module_context(cm)
            entry: dict[str, Any] = {
                "id": forum.id,
                "course": forum.course,
                "type": forum.settings.get("type", "general"),
                "name": forum.name,
                "intro": format_text(
                    ctx, forum.intro, FileArea(context.id, "mod_forum", "intro", None)
                ),
                "introformat": forum.introformat,
                "introfiles": await area_files(ctx, context, "mod_forum", "intro"),
                **{
                    name: int(forum.settings.get(name, default))
                    for name, default in FORUM_INTS.items()
                },
                "timemodified": forum.timemodified,
                "cmid": cm.id,
                "numdiscussions": await site.db.count("discussion", "forum", forum.id),
                "cancreatediscussions": await _can_start(site, forum, cm),
                "istracked": False,
            }
            out.append(entry)
    return out


async def _forum(site: Site, forumid: int, capability: str) -> tuple[Activity, CourseModule]:
    forum = await site.db.get(Activity, forumid)
    if forum is None or forum.modname != "forum":
        raise MissingRecordException("forum")
    cm = await site.db.get(CourseModule, forum.cmid)
    if cm is None:
        raise MissingRecordException("course_modules")
    await site.enter_course(forum.course)
    if not await site.module_visible(cm):
        raise WSError(
            "requireloginerror", "Course or activity not accessible. (Activity is hidden)"
        )
    if capability and not await site.can(capability, await site.db.module_context(cm)):
        raise RequiredCapabilityException(capability)
    return forum, cm


DISCUSSION = s(
    {
        "id": v(PARAM_INT, "Post id"),
        "name": v(PARAM_RAW, "Discussion name"),
        "groupid": v(PARAM_INT, "Group id"),
        "timemodified": v(PARAM_INT, "Time modified"),
        "usermodified": v(PARAM_INT, "The id of the user who last modified"),
        "timestart": v(PARAM_INT, "Time discussion can start"),
        "timeend": v(PARAM_INT, "Time discussion ends"),
        "discussion": v(PARAM_INT, "Discussion id"),
        "parent": v(PARAM_INT, "Parent id"),
        "userid": v(PARAM_INT, "User who started the discussion id"),
        "created": v(PARAM_INT, "Creation time"),
        "modified": v(PARAM_INT, "Time modified"),
        "mailed": v(PARAM_INT, "Mailed?"),
        "subject": v(PARAM_RAW, "The post subject"),
        "message": v(PARAM_RAW, "The post message"),
        "messageformat": v(
            PARAM_INT, "message format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)"
        ),
        "messagetrust": v(PARAM_INT, "Can we trust?"),
        "messageinlinefiles": ExternalFiles("post message inline files", 2),
        "attachment": v(PARAM_RAW, "Has attachments?"),
        "attachments": ExternalFiles("attachments", 2),
        "totalscore": v(PARAM_INT, "The post message total score"),
        "mailnow": v(PARAM_INT, "Mail now?"),
        "userfullname": v(PARAM_TEXT, "Post author full name"),
        "usermodifiedfullname": v(PARAM_TEXT, "Post modifier full name"),
        "userpictureurl": v(PARAM_RAW, "Post author picture."),
        "usermodifiedpictureurl": v(PARAM_RAW, "Post modifier picture."),
        "numreplies": v(PARAM_INT, "The number of replies in the discussion"),
        "numunread": v(PARAM_INT, "The number of unread discussions."),
        "pinned": v(PARAM_BOOL, "Is the discussion pinned"),
        "locked": v(PARAM_BOOL, "Is the discussion locked"),
        "starred": v(PARAM_BOOL, "Is the discussion starred"),
        "canreply": v(PARAM_BOOL, "Can the user reply to the discussion"),
        "canlock": v(PARAM_BOOL, "Can the user lock the discussion"),
        "canfavourite": v(PARAM_BOOL, "Can the user star the discussion"),
    },
    "post",
)


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "forumid": v(PARAM_INT, "forum instance id"),
            "sortorder": v(
                PARAM_INT, "sort by this element: numreplies, , created or timemodified", default=-1
            ),
            "page": v(PARAM_INT, "current page", default=-1),
            "perpage": v(PARAM_INT, "items per page", default=0),
            "groupid": v(PARAM_INT, "group id", default=0),
        }
    ),
    returns=s(
        {"discussions": m(DISCUSSION, "List of discussions"), "warnings": ExternalWarnings()}
    ),
    description="Returns a list of forum discussions optionally sorted and paginated.",
    ajax=True,
    services=MOBILE,
)
async def get_forum_discussions(
    ctx: CallContext, *, forumid: int, sortorder: int, page: int, perpage: int, groupid: int
) -> dict[str, Any]:
    if sortorder not in (-1, 1, 2, 3, 4, 5, 6):
        raise InvalidParameterException(
            "Invalid value for sortorder parameter (value: " + str(sortorder) + ")"
        )
    site = Site(ctx)
    forum, cm = await _forum(site, forumid, "mod/forum:viewdiscussion")
    context = await site.db.module_context(cm)
    # The index is ordered by last modification: one ZRANGE per page, newest first.
    start, stop = (
        (page * perpage, page * perpage + perpage - 1) if page >= 0 and perpage > 0 else (0, -1)
    )
    discussions = await site.db.discussions(forum.id, start, stop)
    if groupid > 0:
        discussions = [d for d in discussions if d.groupid in (groupid, -1)]
    pinned_first = sorted(discussions, key=lambda d: not d.pinned)
    canreply = await site.can("mod/forum:replypost", context)
    out = []
    for discussion in pinned_first:
        post = await site.db.get(Post, discussion.firstpost)
        if post is None:
            continue
        author = await ctx.store.get_user(discussion.userid)
        modifier = (
            await ctx.store.get_user(discussion.usermodified) if discussion.usermodified else author
        )
        out.append(
            {
                "id": post.id,
                "name": discussion.name,
                "groupid": discussion.groupid,
                "timemodified": discussion.timemodified,
                "usermodified": discussion.usermodified,
                "timestart": discussion.timestart,
                "timeend": discussion.timeend,
                "discussion": discussion.id,
                "parent": post.parent,
                "userid": post.userid,
                "created": post.created,
                "modified": post.modified,
                "mailed": 0,
                "subject": post.subject,
                "message": format_text(
                    ctx, post.message, FileArea(context.id, "mod_forum", "post", post.id)
                ),
                "messageformat": post.messageformat,
                "messagetrust": 0,
                "messageinlinefiles": await area_files(
                    ctx, context, "mod_forum", "post", post.id, itemid_in_url=True
                ),
                "attachment": "1" if post.attachment else "0",
                "attachments": await area_files(
                    ctx, context, "mod_forum", "attachment", post.id, itemid_in_url=True
                ),
                "totalscore": 0,
                "mailnow": 0,
                "userfullname": author.fullname if author else "",
                "usermodifiedfullname": modifier.fullname if modifier else "",
                "userpictureurl": user_picture(ctx, author) if author else "",
                "usermodifiedpictureurl": user_picture(ctx, modifier) if modifier else "",
                "numreplies": discussion.numreplies,
                "numunread": 0,
                "pinned": discussion.pinned,
                "locked": discussion.locked,
                "starred": False,
                "canreply": canreply and not discussion.locked,
                "canlock": await site.can("moodle/course:manageactivities", context),
                "canfavourite": True,
            }
        )
    return {"discussions": out, "warnings": []}


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "forumid": v(PARAM_INT, "Forum instance ID"),
            "subject": v(PARAM_TEXT, "New Discussion subject"),
            "message": v(PARAM_RAW, "New Discussion message (only html format allowed)"),
            "groupid": v(PARAM_INT, "The group, default to 0", default=0),
            "options": m(
                s(
                    {
                        "name": v(
                            PARAM_ALPHANUM,
                            "The allowed keys (value format) are:\n                                        discussionsubscribe (bool); subscribe to the discussion?, default to true\n                                        discussionpinned    (bool); is the discussion pinned, default to false\n                                        inlineattachmentsid              (int); the draft file area id for inline attachments\n                                        attachmentsid       (int); the draft file area id for attachments\n                            ",
                        ),
                        "value": v(
                            PARAM_RAW,
                            "The value of the option,\n                                                            This param is validated in the external function.",
                        ),
                    }
                ),
                "Options",
                default=[],
            ),
        }
    ),
    returns=s({"discussionid": v(PARAM_INT, "New Discussion ID"), "warnings": ExternalWarnings()}),
    description="Add a new discussion into an existing forum.",
    type="write",
    ajax=True,
    services=MOBILE,
)
async def add_discussion(
    ctx: CallContext,
    *,
    forumid: int,
    subject: str,
    message: str,
    groupid: int,
    options: list[dict[str, str]],
) -> dict[str, Any]:
    pinned = False
    for option in options:
        name, value = option["name"], option["value"]
        if name == "discussionpinned":
            pinned = value.strip().lower() in ("1", "true")
        elif name not in ("discussionsubscribe", "inlineattachmentsid", "attachmentsid"):
            raise InvalidParameterException("Invalid option name: " + name)
    site = Site(ctx)
    forum, cm = await _forum(site, forumid, "")
    if not await _can_start(site, forum, cm):
        raise WSError("cannotcreatediscussion", "Could not create new discussion")
    if pinned and not await site.can("mod/forum:pindiscussions", await site.db.module_context(cm)):
        pinned = False
    discussion, _post = await site.db.add_discussion(
        Discussion(
            forum=forum.id,
            course=forum.course,
            name=subject,
            userid=site.userid,
            groupid=groupid or -1,
            pinned=pinned,
        ),
        Post(discussion=0, userid=site.userid, subject=subject, message=message),
    )
    return {"discussionid": discussion.id, "warnings": []}
