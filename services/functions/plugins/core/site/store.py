"""The site data layer: typed records in Redis with index sorted sets, no keyspace scans.

Every record lives at ``{ns}:site:<kind>:<id>`` (JSON). Listings come from index sorted sets
``{ns}:site:idx:<kind>:<field>:<value>`` whose scores give the order (section number, time,
id ...), so a page of a listing is one ``ZRANGE``. A record and all its index entries are written
in one ``MULTI``; an update removes the index entries its old version had. Ids come from
``HINCRBY`` on the namespace's id hash, so several workers can write at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast

import msgspec
import redis.asyncio as aioredis

from services.functions.plugins.core.site.records import (
    Activity,
    AssignGrade,
    Category,
    CompletionState,
    Course,
    CourseModule,
    Discussion,
    Enrolment,
    Event,
    Group,
    Message,
    Post,
    Section,
    Submission,
)
from shared.constants import Names
from shared.contexts import CONTEXT_COURSE, CONTEXT_COURSECAT, CONTEXT_MODULE, Context, ContextStore

__all__ = ["Conflict", "SiteStore"]

R = TypeVar("R", bound=msgspec.Struct)
Index = tuple[tuple[str | int, ...], float]

_enc = msgspec.json.Encoder()
_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


class Conflict(Exception):
    """A unique value (course shortname) is already taken."""


def _decoder(cls: type[R]) -> msgspec.json.Decoder[R]:
    dec = _decoders.get(cls)
    if dec is None:
        dec = _decoders[cls] = msgspec.json.Decoder(cls)
    return cast("msgspec.json.Decoder[R]", dec)


def _kind(cls: type[Any]) -> str:
    return cls.__name__.lower()


def _indexes(rec: Any) -> list[Index]:
    """The index entries of a record: (key parts under ``site:idx``, score)."""
    match rec:
        case Category():
            return [
                (("category", "all"), rec.sortorder),
                (("category", "parent", rec.parent), rec.sortorder),
            ]
        case Course():
            return [(("course", "all"), rec.id), (("course", "category", rec.category), rec.id)]
        case Section():
            return [(("section", "course", rec.course), rec.section)]
        case CourseModule():
            return [
                (("cm", "course", rec.course), rec.id),
                (("cm", "section", rec.section), rec.id),
            ]
        case Activity():
            return [(("activity", "course", rec.course, rec.modname), rec.id)]
        case Discussion():
            return [(("discussion", "forum", rec.forum), rec.timemodified)]
        case Post():
            return [(("post", "discussion", rec.discussion), rec.id)]
        case Submission():
            return [(("submission", "assign", rec.assignment), rec.userid)]
        case AssignGrade():
            return [(("assigngrade", "assign", rec.assignment), rec.userid)]
        case Event():
            out: list[Index] = [(("event", "all"), rec.timesort)]
            if rec.courseid:
                out.append((("event", "course", rec.courseid), rec.timesort))
            if rec.userid and rec.eventtype == "user":
                out.append((("event", "user", rec.userid), rec.timesort))
            return out
        case Group():
            return [(("group", "course", rec.courseid), rec.id)]
        case Message():
            return [
                (("message", "to", rec.useridto), rec.id),
                (("message", "from", rec.useridfrom), rec.id),
            ]
    raise TypeError(f"not a site record: {type(rec).__name__}")


def _int(value: Any) -> int:
    return int(value.decode() if isinstance(value, bytes) else value)


class SiteStore:
    """Typed access to the site's course data; cheap to build (one per call is fine)."""

    def __init__(self, redis: aioredis.Redis, names: Names, contexts: ContextStore) -> None:
        self.redis = redis
        self.names = names
        self.contexts = contexts

    def key(self, *parts: str | int) -> str:
        return self.names.key("site", *parts)

    def _idx(self, parts: Sequence[str | int]) -> str:
        return self.key("idx", *parts)

    # --- generic records -----------------------------------------------------------------------
    async def reserve_id(self, cls: type[Any]) -> int:
        return int(await self.redis.hincrby(self.names.ids, f"site_{_kind(cls)}", 1))

    async def insert(self, *records: Any) -> None:
        """Give each record without an id its id, then write them all in one transaction."""
        for rec in records:
            if not rec.id:
                rec.id = await self.reserve_id(type(rec))
        await self._write(records, ())

    async def save(self, rec: Any) -> None:
        """Write an existing record; index entries of its previous version are replaced."""
        old = await self.get(type(rec), rec.id)
        await self._write([rec], [old] if old is not None else [])

    async def _write(self, records: Iterable[Any], previous: Iterable[Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for old in previous:
                for parts, _score in _indexes(old):
                    pipe.zrem(self._idx(parts), old.id)
            for rec in records:
                pipe.set(self.key(_kind(type(rec)), rec.id), _enc.encode(rec))
                for parts, score in _indexes(rec):
                    pipe.zadd(self._idx(parts), {str(rec.id): score})
            await pipe.execute()

    async def delete(self, rec: Any) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.key(_kind(type(rec)), rec.id))
            for parts, _score in _indexes(rec):
                pipe.zrem(self._idx(parts), rec.id)
            await pipe.execute()

    async def get(self, cls: type[R], recid: int) -> R | None:
        raw = await self.redis.get(self.key(_kind(cls), recid))
        return None if raw is None else _decoder(cls).decode(raw)

    async def get_many(self, cls: type[R], ids: Iterable[int]) -> list[R]:
        """Records in the order of ``ids``; missing ones are skipped."""
        keys = [self.key(_kind(cls), i) for i in ids]
        if not keys:
            return []
        dec = _decoder(cls)
        return [dec.decode(raw) for raw in await self.redis.mget(keys) if raw is not None]

    async def ids(
        self,
        *parts: str | int,
        start: int = 0,
        stop: int = -1,
        reverse: bool = False,
    ) -> list[int]:
        found = await self.redis.zrange(self._idx(parts), start, stop, desc=reverse)
        return [_int(i) for i in found]

    async def ids_by_score(
        self, *parts: str | int, low: float, high: float, offset: int = 0, count: int = -1
    ) -> list[int]:
        key = self._idx(parts)
        if count < 0 and not offset:
            found = await self.redis.zrangebyscore(key, low, high)
        else:
            found = await self.redis.zrangebyscore(key, low, high, start=offset, num=count)
        return [_int(i) for i in found]

    async def count(self, *parts: str | int) -> int:
        return int(await self.redis.zcard(self._idx(parts)))

    async def listing(
        self, cls: type[R], *parts: str | int, start: int = 0, stop: int = -1, reverse: bool = False
    ) -> list[R]:
        return await self.get_many(
            cls, await self.ids(*parts, start=start, stop=stop, reverse=reverse)
        )

    # --- categories and courses ----------------------------------------------------------------
    async def add_category(self, category: Category) -> Category:
        category.id = category.id or await self.reserve_id(Category)
        parent = await self.get(Category, category.parent) if category.parent else None
        category.path = f"{parent.path if parent else ''}/{category.id}"
        category.depth = category.path.count("/")
        category.sortorder = category.sortorder or category.id * 10000
        category.timemodified = category.timemodified or int(time.time())
        await self.insert(category)
        await self.category_context(category)
        return category

    async def add_course(self, course: Course) -> Course:
        """Create a course with its section 0; :class:`Conflict` on a taken shortname."""
        course.id = await self.reserve_id(Course)
        if not await self.redis.hsetnx(self.key("courseshortnames"), course.shortname, course.id):
            raise Conflict(f"shortname {course.shortname!r} is already used")
        now = int(time.time())
        course.timecreated = course.timecreated or now
        course.timemodified = now
        course.sortorder = course.sortorder or course.id
        await self.insert(course, Section(course=course.id, section=0, timemodified=now))
        await self.course_context(course)
        return course

    async def course_by_shortname(self, shortname: str) -> Course | None:
        found = await self.redis.hget(self.key("courseshortnames"), shortname)
        return None if found is None else await self.get(Course, _int(found))

    async def courses(self, ids: Iterable[int] | None = None) -> list[Course]:
        return await self.get_many(Course, await self.ids("course", "all") if ids is None else ids)

    async def categories(self) -> list[Category]:
        return await self.listing(Category, "category", "all")

    async def category_context(self, category: Category) -> Context:
        parent = None
        for ancestor in (int(p) for p in category.path.strip("/").split("/")):
            parent = await self.contexts.ensure(CONTEXT_COURSECAT, ancestor, parent)
        assert parent is not None
        return parent

    async def course_context(self, course: Course) -> Context:
        found = await self.contexts.find(CONTEXT_COURSE, course.id)
        if found is not None:
            return found
        category = await self.get(Category, course.category)
        parent = await self.category_context(category) if category else None
        return await self.contexts.ensure(CONTEXT_COURSE, course.id, parent)

    async def module_context(self, cm: CourseModule) -> Context:
        found = await self.contexts.find(CONTEXT_MODULE, cm.id)
        if found is not None:
            return found
        course = await self.get(Course, cm.course)
        parent = await self.course_context(course) if course else None
        return await self.contexts.ensure(CONTEXT_MODULE, cm.id, parent)

    # --- sections and modules ------------------------------------------------------------------
    async def sections(self, courseid: int) -> list[Section]:
        return await self.listing(Section, "section", "course", courseid)

    async def section_by_number(self, courseid: int, number: int) -> Section | None:
        ids = await self.ids_by_score("section", "course", courseid, low=number, high=number)
        return await self.get(Section, ids[0]) if ids else None

    async def add_section(self, section: Section) -> Section:
        existing = await self.section_by_number(section.course, section.section)
        if existing is not None:
            return existing
        section.timemodified = section.timemodified or int(time.time())
        await self.insert(section)
        return section

    async def add_module(
        self, section: Section, activity: Activity, cm: CourseModule | None = None
    ) -> tuple[CourseModule, Activity]:
        """Add an activity to a section: instance, course module and indexes in one write."""
        cm = cm or CourseModule(course=section.course, modname=activity.modname)
        cm.id = await self.reserve_id(CourseModule)
        activity.id = await self.reserve_id(Activity)
        cm.course = activity.course = section.course
        cm.modname = activity.modname
        cm.instance, activity.cmid, cm.section = activity.id, cm.id, section.id
        cm.added = cm.added or int(time.time())
        activity.timemodified = activity.timemodified or cm.added
        await self.insert(activity, cm)
        await self.module_context(cm)
        return cm, activity

    async def section_modules(self, section: Section) -> list[CourseModule]:
        return await self.listing(CourseModule, "cm", "section", section.id)

    async def course_modules(self, courseid: int) -> list[CourseModule]:
        return await self.listing(CourseModule, "cm", "course", courseid)

    async def activities(self, courseid: int, modname: str) -> list[Activity]:
        return await self.listing(Activity, "activity", "course", courseid, modname)

    # --- enrolments ----------------------------------------------------------------------------
    async def enrol(self, enrolment: Enrolment) -> None:
        """Enrol (or update the enrolment of) a user; both directions are written at once."""
        enrolment.timecreated = enrolment.timecreated or int(time.time())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self.key("enrol", enrolment.courseid), str(enrolment.userid), _enc.encode(enrolment)
            )
            pipe.zadd(
                self.key("usercourses", enrolment.userid),
                {str(enrolment.courseid): enrolment.courseid},
            )
            await pipe.execute()

    async def unenrol(self, courseid: int, userid: int) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key("enrol", courseid), str(userid))
            pipe.zrem(self.key("usercourses", userid), str(courseid))
            removed, _ = await pipe.execute()
        return bool(removed)

    async def enrolment(self, courseid: int, userid: int) -> Enrolment | None:
        raw = await self.redis.hget(self.key("enrol", courseid), str(userid))
        return None if raw is None else _decoder(Enrolment).decode(raw)

    async def enrolments(self, courseid: int) -> list[Enrolment]:
        raw = await self.redis.hvals(self.key("enrol", courseid))
        dec = _decoder(Enrolment)
        return sorted((dec.decode(r) for r in raw), key=lambda e: e.userid)

    async def user_courseids(self, userid: int) -> list[int]:
        return [_int(i) for i in await self.redis.zrange(self.key("usercourses", userid), 0, -1)]

    async def is_enrolled(self, courseid: int, userid: int, *, onlyactive: bool = True) -> bool:
        enrolment = await self.enrolment(courseid, userid)
        if enrolment is None:
            return False
        if not onlyactive:
            return True
        now = int(time.time())
        return (
            enrolment.status == 0
            and enrolment.timestart <= now
            and (not enrolment.timeend or enrolment.timeend > now)
        )

    # --- groups, completion, forums, assignments -----------------------------------------------
    async def groups(self, courseid: int) -> list[Group]:
        return await self.listing(Group, "group", "course", courseid)

    async def set_completion(self, courseid: int, state: CompletionState) -> None:
        await self.redis.hset(
            self.key("completion", courseid, state.userid), str(state.cmid), _enc.encode(state)
        )

    async def completions(self, courseid: int, userid: int) -> dict[int, CompletionState]:
        raw = await self.redis.hgetall(self.key("completion", courseid, userid))
        dec = _decoder(CompletionState)
        return {_int(k): dec.decode(v) for k, v in raw.items()}

    async def add_discussion(self, discussion: Discussion, post: Post) -> tuple[Discussion, Post]:
        """A discussion and its first post, written together."""
        now = int(time.time())
        discussion.id = await self.reserve_id(Discussion)
        post.id = await self.reserve_id(Post)
        post.discussion, discussion.firstpost = discussion.id, post.id
        post.created = post.created or now
        post.modified = post.modified or post.created
        discussion.timemodified = discussion.timemodified or post.modified
        discussion.usermodified = discussion.usermodified or post.userid
        await self.insert(discussion, post)
        return discussion, post

    async def discussions(self, forumid: int, start: int = 0, stop: int = -1) -> list[Discussion]:
        return await self.listing(
            Discussion, "discussion", "forum", forumid, start=start, stop=stop, reverse=True
        )

    async def user_record_for(self, cls: type[R], assignment: int, userid: int) -> R | None:
        """A user's submission or grade in an assignment (indexed by user id)."""
        ids = await self.ids_by_score(_kind(cls), "assign", assignment, low=userid, high=userid)
        return await self.get(cls, ids[-1]) if ids else None
