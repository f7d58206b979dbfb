"""The site data layer alone, against real Redis: records, indexes, pagination, atomic writes."""

from __future__ import annotations

import asyncio

import pytest

from services.functions.plugins.core.site.records import (
    Activity,
    Category,
    CompletionState,
    Course,
    Discussion,
    Enrolment,
    Event,
    Post,
    Section,
)
from services.functions.plugins.core.site.store import Conflict, SiteStore
from shared.contexts import CONTEXT_COURSE, CONTEXT_COURSECAT, CONTEXT_MODULE, ContextStore
from shared.store import Store


@pytest.fixture
def db(store: Store) -> SiteStore:
    return SiteStore(store.redis, store.names, ContextStore(store.redis, store.names))


async def _course(db: SiteStore, shortname: str = "C1") -> Course:
    category = await db.add_category(Category(name="Cat"))
    return await db.add_course(Course(category=category.id, fullname="Course", shortname=shortname))


async def test_categories_nest_and_get_contexts(db: SiteStore) -> None:
    top = await db.add_category(Category(name="Top"))
    sub = await db.add_category(Category(name="Sub", parent=top.id))
    assert sub.path == f"/{top.id}/{sub.id}" and sub.depth == 2
    context = await db.category_context(sub)
    assert context.contextlevel == CONTEXT_COURSECAT
    parent = await db.contexts.find(CONTEXT_COURSECAT, top.id)
    assert parent is not None and context.path.startswith(parent.path + "/")
    assert [c.name for c in await db.categories()] == ["Top", "Sub"]
    assert await db.ids("category", "parent", top.id) == [sub.id]


async def test_course_has_section_zero_context_and_unique_shortname(db: SiteStore) -> None:
    course = await _course(db)
    assert [s.section for s in await db.sections(course.id)] == [0]
    assert (await db.course_by_shortname("C1")) == course
    assert (await db.contexts.find(CONTEXT_COURSE, course.id)) is not None
    with pytest.raises(Conflict):
        await db.add_course(Course(category=course.category, fullname="Again", shortname="C1"))
    assert [c.id for c in await db.courses()] == [course.id]


async def test_concurrent_course_creation_claims_a_shortname_once(db: SiteStore) -> None:
    category = await db.add_category(Category(name="Cat"))
    attempts = [
        db.add_course(Course(category=category.id, fullname=str(i), shortname="RACE"))
        for i in range(8)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    assert sum(isinstance(r, Course) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 7


async def test_modules_sections_and_update_moves_indexes(db: SiteStore) -> None:
    course = await _course(db)
    s1 = await db.add_section(Section(course=course.id, section=1))
    s2 = await db.add_section(Section(course=course.id, section=2))
    assert await db.add_section(Section(course=course.id, section=1)) == s1  # idempotent
    cm, page = await db.add_module(s1, Activity(modname="page", course=0, name="P"))
    assert cm.instance == page.id and page.cmid == cm.id and cm.section == s1.id
    assert (await db.contexts.find(CONTEXT_MODULE, cm.id)) is not None
    assert [m.id for m in await db.section_modules(s1)] == [cm.id]
    cm.section = s2.id
    await db.save(cm)
    assert await db.section_modules(s1) == []
    assert [m.id for m in await db.section_modules(s2)] == [cm.id]
    assert [a.name for a in await db.activities(course.id, "page")] == ["P"]
    assert await db.activities(course.id, "quiz") == []
    await db.delete(cm)
    assert await db.course_modules(course.id) == []


async def test_enrolments_both_directions_and_time_window(db: SiteStore) -> None:
    course = await _course(db)
    await db.enrol(Enrolment(courseid=course.id, userid=7, roleid=5))
    await db.enrol(Enrolment(courseid=course.id, userid=8, status=1))
    await db.enrol(Enrolment(courseid=course.id, userid=9, timeend=1))
    assert [e.userid for e in await db.enrolments(course.id)] == [7, 8, 9]
    assert await db.user_courseids(7) == [course.id]
    assert await db.is_enrolled(course.id, 7)
    assert not await db.is_enrolled(course.id, 8)  # suspended
    assert not await db.is_enrolled(course.id, 9)  # ended
    assert await db.is_enrolled(course.id, 9, onlyactive=False)
    assert await db.unenrol(course.id, 7)
    assert await db.user_courseids(7) == [] and not await db.unenrol(course.id, 7)


async def test_discussions_page_newest_first(db: SiteStore) -> None:
    course = await _course(db)
    for i in range(5):
        await db.add_discussion(
            Discussion(forum=3, course=course.id, name=f"d{i}", userid=1, timemodified=100 + i),
            Post(discussion=0, userid=1, subject=f"d{i}", message="m"),
        )
    assert [d.name for d in await db.discussions(3, 0, 1)] == ["d4", "d3"]
    assert [d.name for d in await db.discussions(3, 2, 3)] == ["d2", "d1"]
    first = (await db.discussions(3, 0, 0))[0]
    post = await db.get(Post, first.firstpost)
    assert post is not None and post.discussion == first.id


async def test_events_by_timesort_and_completion(db: SiteStore) -> None:
    course = await _course(db)
    await db.insert(
        Event(name="late", courseid=course.id, timesort=300),
        Event(name="early", courseid=course.id, timesort=100),
        Event(name="mine", eventtype="user", userid=4, timesort=200),
    )
    ids = await db.ids_by_score("event", "course", course.id, low=0, high=250)
    assert [e.name for e in await db.get_many(Event, ids)] == ["early"]
    assert len(await db.ids_by_score("event", "user", 4, low=0, high=1000)) == 1
    assert len(await db.ids_by_score("event", "all", low=0, high=1000, offset=1, count=1)) == 1
    await db.set_completion(course.id, CompletionState(cmid=11, userid=4, state=1))
    assert (await db.completions(course.id, 4))[11].state == 1
    assert await db.completions(course.id, 5) == {}
