"""``core_calendar``: the dashboard's action events (by timesort) and the events listing."""

# ruff: noqa: E501

from __future__ import annotations

import time
from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import format_text
from services.functions.plugins.core.site.records import Activity, Course, Event
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.errors import InvalidParameterException
from shared.external import (
    PARAM_BOOL,
    PARAM_COMPONENT,
    PARAM_INT,
    PARAM_RAW,
    PARAM_TEXT,
    PARAM_URL,
    ExternalFunctionParameters,
    ExternalWarnings,
)

__all__ = ["plugin"]

plugin = Plugin("core_calendar", version=MOODLE_VERSION)
MOBILE = [MOBILE_SERVICE]

ACTION_EVENT = s(
    {
        "id": v(PARAM_INT, "id"),
        "name": v(PARAM_TEXT, "name"),
        "description": v(PARAM_RAW, "description", opt=True),
        "descriptionformat": v(PARAM_INT, "descriptionformat"),
        "location": v(PARAM_RAW, "location", opt=True),
        "categoryid": v(PARAM_INT, "categoryid", opt=True),
        "groupid": v(PARAM_INT, "groupid", opt=True),
        "userid": v(PARAM_INT, "userid", opt=True),
        "component": v(PARAM_COMPONENT, "component", opt=True),
        "modulename": v(PARAM_TEXT, "modulename", opt=True),
        "activityname": v(PARAM_TEXT, "activityname", opt=True),
        "instance": v(PARAM_INT, "instance", opt=True),
        "eventtype": v(PARAM_TEXT, "eventtype"),
        "timestart": v(PARAM_INT, "timestart"),
        "timeduration": v(PARAM_INT, "timeduration"),
        "timesort": v(PARAM_INT, "timesort"),
        "timeusermidnight": v(PARAM_INT, "timeusermidnight"),
        "visible": v(PARAM_INT, "visible"),
        "timemodified": v(PARAM_INT, "timemodified"),
        "overdue": v(PARAM_BOOL, "overdue", opt=True),
        "icon": s(
            {
                "key": v(PARAM_TEXT, "key"),
                "component": v(PARAM_TEXT, "component"),
                "alttext": v(PARAM_TEXT, "alttext"),
                "iconurl": v(PARAM_TEXT, "iconurl"),
                "iconclass": v(PARAM_TEXT, "iconclass"),
            }
        ),
        "course": s(
            {
                "id": v(PARAM_INT, "id"),
                "fullname": v(PARAM_TEXT, "fullname"),
                "shortname": v(PARAM_TEXT, "shortname"),
                "viewurl": v(PARAM_URL, "viewurl"),
            },
            opt=True,
        ),
        "canedit": v(PARAM_BOOL, "canedit"),
        "candelete": v(PARAM_BOOL, "candelete"),
        "deleteurl": v(PARAM_URL, "deleteurl"),
        "editurl": v(PARAM_URL, "editurl"),
        "viewurl": v(PARAM_URL, "viewurl"),
        "formattedtime": v(PARAM_RAW, "formattedtime"),
        "isactionevent": v(PARAM_BOOL, "isactionevent"),
        "iscourseevent": v(PARAM_BOOL, "iscourseevent"),
        "iscategoryevent": v(PARAM_BOOL, "iscategoryevent"),
        "normalisedeventtype": v(PARAM_TEXT, "normalisedeventtype"),
        "normalisedeventtypetext": v(PARAM_TEXT, "normalisedeventtypetext"),
        "action": s(
            {
                "name": v(PARAM_TEXT, "name"),
                "url": v(PARAM_URL, "url"),
                "itemcount": v(PARAM_INT, "itemcount"),
                "actionable": v(PARAM_BOOL, "actionable"),
                "showitemcount": v(PARAM_BOOL, "showitemcount"),
            },
            opt=True,
        ),
        "purpose": v(PARAM_TEXT, "purpose", opt=True),
        "url": v(PARAM_URL, "url"),
    },
    "event",
)

#: What the user is asked to do for a module's events (Moodle's action event names).
ACTIONS = {
    "assign": "Add submission",
    "quiz": "Attempt quiz now",
    "lesson": "Lesson",
    "forum": "View",
    "workshop": "Submit",
}


async def _action_event(
    ctx: CallContext, site: Site, event: Event, course: Course, now: int
) -> dict[str, Any]:
    activity = await site.db.get(Activity, event.instance)
    view = f"{ctx.wwwroot}/mod/{event.modulename}/view.php?id={activity.cmid if activity else 0}"
    return {
        "id": event.id,
        "name": event.name,
        "description": format_text(ctx, event.description, None),
        "descriptionformat": event.format,
        "location": event.location,
        "categoryid": event.categoryid,
        "groupid": event.groupid,
        "userid": event.userid,
        "component": event.component,
        "modulename": event.modulename,
        "activityname": activity.name if activity else "",
        "instance": event.instance,
        "eventtype": event.eventtype,
        "timestart": event.timestart,
        "timeduration": event.timeduration,
        "timesort": event.timesort,
        "timeusermidnight": event.timesort - event.timesort % 86400,
        "visible": int(event.visible),
        "timemodified": event.timemodified,
        "overdue": event.timesort < now,
        "icon": {
            "key": "monologo",
            "component": event.modulename,
            "alttext": event.modulename,
            "iconurl": f"{ctx.wwwroot}/theme/image.php/boost/{event.modulename}/1/monologo",
            "iconclass": "",
        },
        "course": {
            "id": course.id,
            "fullname": course.fullname,
            "shortname": course.shortname,
            "viewurl": f"{ctx.wwwroot}/course/view.php?id={course.id}",
        },
        "canedit": False,
        "candelete": False,
        "deleteurl": f"{ctx.wwwroot}/calendar/delete.php?id={event.id}",
        "editurl": f"{ctx.wwwroot}/course/mod.php?update={activity.cmid if activity else 0}",
        "viewurl": f"{ctx.wwwroot}/calendar/view.php?view=day&time={event.timestart}",
        "formattedtime": str(event.timestart),
        "isactionevent": True,
        "iscourseevent": False,
        "iscategoryevent": False,
        "normalisedeventtype": "course",
        "normalisedeventtypetext": "Course event",
        "action": {
            "name": ACTIONS.get(event.modulename, "View"),
            "url": view,
            "itemcount": 1,
            "actionable": True,
            "showitemcount": False,
        },
        "purpose": "assessment",
        "url": view,
    }


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "timesortfrom": v(PARAM_INT, "Time sort from", default=0),
            "timesortto": v(PARAM_INT, "Time sort to", default=None),
            "aftereventid": v(PARAM_INT, "The last seen event id", default=0),
            "limitnum": v(PARAM_INT, "Limit number", default=20),
            "limittononsuspendedevents": v(
                PARAM_BOOL,
                "Limit the events to courses the user is not suspended in",
                default=False,
            ),
            "userid": v(PARAM_INT, "The user id", default=None),
            "searchvalue": v(PARAM_RAW, "The value a user wishes to search against", default=None),
        }
    ),
    returns=s(
        {
            "events": m(ACTION_EVENT),
            "firstid": v(PARAM_INT, "Id of the first event"),
            "lastid": v(PARAM_INT, "Id of the last event"),
        }
    ),
    description="Get calendar action events by tiemsort",
    ajax=True,
    services=MOBILE,
)
async def get_action_events_by_timesort(
    ctx: CallContext,
    *,
    timesortfrom: int,
    timesortto: int | None,
    aftereventid: int,
    limitnum: int,
    limittononsuspendedevents: bool,
    userid: int | None,
    searchvalue: str | None,
) -> dict[str, Any]:
    del limittononsuspendedevents  # only active enrolments are listed either way
    if limitnum < 1 or limitnum > 50:
        raise InvalidParameterException("Limit must be between 1 and 50 (inclusive)")
    site = Site(ctx)
    if userid and userid != site.userid:
        await site.require("moodle/calendar:manageentries", await site.system())
    who = userid or site.userid
    courses = [
        c
        for c in await site.db.courses(await site.db.user_courseids(who))
        if await site.db.is_enrolled(c.id, who) and c.visible
    ]
    # One ZRANGEBYSCORE per course on the timesort index; merged by (timesort, id).
    found: list[tuple[Event, Course]] = []
    high = float("inf") if timesortto is None else timesortto
    for course in courses:
        for event in await site.db.get_many(
            Event,
            await site.db.ids_by_score("event", "course", course.id, low=timesortfrom, high=high),
        ):
            if event.modulename and event.visible:
                found.append((event, course))
    found.sort(key=lambda pair: (pair[0].timesort, pair[0].id))
    if aftereventid:
        ids = [e.id for e, _c in found]
        found = found[ids.index(aftereventid) + 1 :] if aftereventid in ids else found
    now = int(time.time())
    events = []
    for event, course in found:
        activity = await site.db.get(Activity, event.instance)
        if (
            searchvalue
            and searchvalue.lower()
            not in (event.name + (activity.name if activity else "")).lower()
        ):
            continue
        events.append(await _action_event(ctx, site, event, course, now))
        if len(events) == limitnum:
            break
    return {
        "events": events,
        "firstid": events[0]["id"] if events else 0,
        "lastid": events[-1]["id"] if events else 0,
    }


EVENT = s(
    {
        "id": v(PARAM_INT, "event id"),
        "name": v(PARAM_RAW, "event name"),
        "description": v(PARAM_RAW, "Description", opt=True),
        "format": v(PARAM_INT, "description format"),
        "courseid": v(PARAM_INT, "course id"),
        "categoryid": v(PARAM_INT, "Category id (only for category events).", opt=True),
        "groupid": v(PARAM_INT, "group id"),
        "userid": v(PARAM_INT, "user id"),
        "repeatid": v(PARAM_INT, "repeat id"),
        "modulename": v(PARAM_TEXT, "module name", opt=True),
        "instance": v(PARAM_INT, "instance id"),
        "eventtype": v(PARAM_TEXT, "Event type"),
        "timestart": v(PARAM_INT, "timestart"),
        "timeduration": v(PARAM_INT, "time duration"),
        "visible": v(PARAM_INT, "visible"),
        "uuid": v(PARAM_TEXT, "unique id of ical events", opt=True),
        "sequence": v(PARAM_INT, "sequence"),
        "timemodified": v(PARAM_INT, "time modified"),
        "subscriptionid": v(PARAM_INT, "Subscription id", opt=True),
    },
    "event",
)


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "events": s(
                {
                    "eventids": m(v(PARAM_INT, "event ids"), "List of event ids", default=[]),
                    "courseids": m(
                        v(PARAM_INT, "course ids"),
                        "List of course ids for which events will be returned",
                        default=[],
                    ),
                    "groupids": m(
                        v(PARAM_INT, "group ids"),
                        "List of group ids for which events should be returned",
                        default=[],
                    ),
                    "categoryids": m(
                        v(PARAM_INT, "Category ids"),
                        "List of category ids for which events will be returned",
                        default=[],
                    ),
                },
                "Event details",
                default={},
            ),
            "options": s(
                {
                    "userevents": v(
                        PARAM_BOOL, "Set to true to return current user's user events", default=True
                    ),
                    "siteevents": v(PARAM_BOOL, "Set to true to return site events", default=True),
                    "timestart": v(
                        PARAM_INT, "Time from which events should be returned", default=0
                    ),
                    "timeend": v(
                        PARAM_INT,
                        "Time to which the events should be returned. We treat 0 and null as no end",
                        default=0,
                    ),
                    "ignorehidden": v(PARAM_BOOL, "Ignore hidden events or not", default=True),
                },
                "Options",
                default={},
            ),
        }
    ),
    returns=s({"events": m(EVENT, "event"), "warnings": ExternalWarnings()}),
    description="Get calendar events",
    ajax=True,
    services=MOBILE,
)
async def get_calendar_events(
    ctx: CallContext, events: dict[str, Any] | list[Any], options: dict[str, Any] | list[Any]
) -> dict[str, Any]:
    # A default of PHP's array() arrives as an empty list once cleaned.
    ev = events if isinstance(events, dict) else {}
    opts = {
        "userevents": True,
        "siteevents": True,
        "timestart": 0,
        "timeend": 0,
        "ignorehidden": True,
    } | (options if isinstance(options, dict) else {})
    site = Site(ctx)
    mine = await site.my_courseids()
    courseids = list(dict.fromkeys(ev.get("courseids") or mine))
    warnings = []
    allowed, refused = await site.viewable_courses(courseids)
    for cid in refused:
        warnings.append(
            {
                "item": "course",
                "itemid": cid,
                "warningcode": "nopermissions",
                "message": "you do not have permissions to access this course",
            }
        )
    high = float("inf") if not opts["timeend"] else opts["timeend"]
    low = opts["timestart"]
    candidates: dict[int, Event] = {}
    for course in allowed:
        for event in await site.db.get_many(
            Event, await site.db.ids_by_score("event", "course", course.id, low=low, high=high)
        ):
            candidates[event.id] = event
    if opts["userevents"]:
        for event in await site.db.get_many(
            Event, await site.db.ids_by_score("event", "user", site.userid, low=low, high=high)
        ):
            candidates[event.id] = event
    if opts["siteevents"]:
        for event in await site.db.get_many(
            Event, await site.db.ids_by_score("event", "all", low=low, high=high)
        ):
            if event.eventtype == "site":
                candidates[event.id] = event
    groups = set(ev.get("groupids") or [])
    if ev.get("eventids"):
        for event in await site.db.get_many(Event, ev["eventids"]):
            if (
                event.courseid in {c.id for c in allowed}
                or event.userid == site.userid
                or event.eventtype == "site"
            ):
                candidates[event.id] = event
    out = []
    for event in sorted(candidates.values(), key=lambda e: (e.timestart, e.id)):
        if opts["ignorehidden"] and not event.visible:
            continue
        if event.groupid and groups and event.groupid not in groups:
            continue
        out.append(
            {
                "id": event.id,
                "name": event.name,
                "description": format_text(ctx, event.description, None),
                "format": event.format,
                "courseid": event.courseid,
                "categoryid": event.categoryid,
                "groupid": event.groupid,
                "userid": event.userid,
                "repeatid": 0,
                "modulename": event.modulename,
                "instance": event.instance,
                "eventtype": event.eventtype,
                "timestart": event.timestart,
                "timeduration": event.timeduration,
                "visible": int(event.visible),
                "uuid": "",
                "sequence": 1,
                "timemodified": event.timemodified,
                "subscriptionid": None,
            }
        )
    return {"events": out, "warnings": warnings}
