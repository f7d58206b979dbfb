"""The site's records: categories, courses, sections, modules, enrolments and activity data.

Stored as JSON under ``{ns}:site:<kind>:<id>``; every field added later gets a default so old
records keep decoding. Users are :class:`shared.records.UserRecord` (the auth service owns them).
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "MODNAMES",
    "Activity",
    "AssignGrade",
    "Category",
    "CompletionState",
    "Course",
    "CourseModule",
    "Discussion",
    "Enrolment",
    "Event",
    "Group",
    "Message",
    "Post",
    "Section",
    "Submission",
]

#: The module types the site knows (Moodle's ``modules`` table), in Moodle's order.
MODNAMES = (
    "assign",
    "book",
    "data",
    "folder",
    "forum",
    "label",
    "lesson",
    "page",
    "quiz",
    "resource",
    "url",
    "workshop",
)


class Category(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    name: str
    idnumber: str = ""
    description: str = ""
    descriptionformat: int = 1
    parent: int = 0
    sortorder: int = 0
    visible: bool = True
    depth: int = 1
    #: Ancestor category ids, Moodle style: "/1/4".
    path: str = ""
    theme: str = ""
    timemodified: int = 0


class Course(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    category: int
    fullname: str
    shortname: str
    idnumber: str = ""
    summary: str = ""
    summaryformat: int = 1
    format: str = "topics"
    startdate: int = 0
    enddate: int = 0
    visible: bool = True
    enablecompletion: bool = True
    showgrades: bool = True
    newsitems: int = 5
    lang: str = ""
    groupmode: int = 0
    groupmodeforce: int = 0
    marker: int = 0
    maxbytes: int = 0
    showreports: bool = False
    sortorder: int = 0
    timecreated: int = 0
    timemodified: int = 0


class Section(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    course: int
    #: The section number (0 = the general section at the top).
    section: int
    name: str = ""
    summary: str = ""
    summaryformat: int = 1
    visible: bool = True
    #: Course module ids in display order.
    sequence: list[int] = []
    timemodified: int = 0


class CourseModule(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    course: int
    modname: str
    instance: int = 0
    section: int = 0
    visible: bool = True
    visibleoncoursepage: bool = True
    idnumber: str = ""
    indent: int = 0
    #: 0 no tracking, 1 manual, 2 automatic.
    completion: int = 1
    groupmode: int = 0
    added: int = 0


class Activity(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A module instance (Moodle's per-module table row); kind-specific fields in ``settings``."""

    id: int = 0
    modname: str
    course: int
    name: str
    intro: str = ""
    introformat: int = 1
    cmid: int = 0
    settings: dict[str, Any] = {}
    timemodified: int = 0


class Enrolment(msgspec.Struct, kw_only=True, omit_defaults=True):
    courseid: int
    userid: int
    roleid: int = 0
    #: 0 active, 1 suspended (ENROL_USER_SUSPENDED).
    status: int = 0
    timestart: int = 0
    timeend: int = 0
    timecreated: int = 0


class Group(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    courseid: int
    name: str
    description: str = ""
    descriptionformat: int = 1
    idnumber: str = ""
    members: list[int] = []


class Discussion(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    forum: int
    course: int
    name: str
    userid: int
    firstpost: int = 0
    groupid: int = -1
    usermodified: int = 0
    timemodified: int = 0
    timestart: int = 0
    timeend: int = 0
    pinned: bool = False
    locked: bool = False
    numreplies: int = 0


class Post(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    discussion: int
    parent: int = 0
    userid: int
    created: int = 0
    modified: int = 0
    subject: str
    message: str
    messageformat: int = 1
    attachment: bool = False


class Submission(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    assignment: int
    userid: int
    #: new, draft, submitted, reopened.
    status: str = "new"
    attemptnumber: int = 0
    onlinetext: str = ""
    timecreated: int = 0
    timemodified: int = 0


class AssignGrade(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    assignment: int
    userid: int
    grade: float = -1.0
    grader: int = 0
    attemptnumber: int = 0
    feedback: str = ""
    feedbackformat: int = 1
    timecreated: int = 0
    timemodified: int = 0


class Event(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    name: str
    description: str = ""
    format: int = 1
    #: site, category, course, group, user, or a module's own type (due, close, open ...).
    eventtype: str = "course"
    courseid: int = 0
    categoryid: int = 0
    groupid: int = 0
    userid: int = 0
    modulename: str = ""
    instance: int = 0
    component: str = ""
    timestart: int = 0
    timeduration: int = 0
    timesort: int = 0
    visible: bool = True
    location: str = ""
    timemodified: int = 0


class CompletionState(msgspec.Struct, kw_only=True, omit_defaults=True):
    cmid: int
    userid: int
    #: 0 incomplete, 1 complete, 2 complete pass, 3 complete fail.
    state: int = 0
    timecompleted: int = 0
    overrideby: int = 0


class Message(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int = 0
    useridfrom: int
    useridto: int
    conversationid: int = 0
    text: str
    textformat: int = 0
    timecreated: int = 0
