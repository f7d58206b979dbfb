"""The demo site: users with roles, courses with a module of every kind, files, forum posts,
an assignment submission with its grade, calendar events and completion.

Run by the core plugin's install hook (once per namespace, when ``WS_SEED`` is on). Users are
looked up by username and created only when missing, so it does not matter whether the auth
service seeded its demo users before or after this runs (same usernames and passwords).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import msgspec

from services.auth.passwords import (
    DEFAULT_MEMORY_COST,
    DEFAULT_PARALLELISM,
    DEFAULT_TIME_COST,
    Passwords,
)
from services.functions.api import InstallContext
from services.functions.plugins.core.site import demo_files
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
    Post,
    Section,
    Submission,
)
from services.functions.plugins.core.site.store import SiteStore
from shared.contexts import CONTEXT_SYSTEM
from shared.filestore import FileRecord, guess_mimetype
from shared.records import UserRecord
from shared.roles import RoleRecord, ensure_default_roles
from shared.settings import load_settings
from shared.store import Conflict

__all__ = ["DEMO_USERS", "HashSettings", "install_site", "passwords", "seed_demo"]

log = logging.getLogger(__name__)

DAY = 86400

#: (username, password, firstname, lastname, system role); student and teacher match the auth
#: service's demo users exactly.
DEMO_USERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("student", "Student-2026!", "Sam", "Student", ""),
    ("teacher", "Teacher-2026!", "Tess", "Teacher", ""),
    ("student2", "Student2-2026!", "Alex", "Learner", ""),
    ("student3", "Student3-2026!", "Robin", "Reader", ""),
    ("manager", "Manager-2026!", "Morgan", "Manager", "manager"),
)


class HashSettings(msgspec.Struct):
    """Password hashing cost, read from the same variables the auth service reads."""

    argon2_time_cost: int = DEFAULT_TIME_COST
    argon2_memory_cost: int = DEFAULT_MEMORY_COST
    argon2_parallelism: int = DEFAULT_PARALLELISM


def passwords() -> Passwords:
    return Passwords(load_settings(HashSettings))


async def install_site(ctx: InstallContext) -> None:
    """Required data (roles, site course, default category), then the demo when seeding."""
    roles = await ensure_default_roles(ctx.roles)
    db = SiteStore(ctx.redis, ctx.names, ctx.contexts)
    if await db.get(Course, 1) is None:
        category = await db.add_category(Category(name="Category 1"))
        site = await db.add_course(
            Course(category=0, fullname="Moodle WS Demo", shortname="wsdemo", format="site")
        )
        log.info("site course %d, default category %d", site.id, category.id)
    if ctx.seed:
        await seed_demo(ctx, db, roles)


async def _ensure_user(ctx: InstallContext, hasher: Passwords, spec: tuple[str, ...]) -> UserRecord:
    username, password, firstname, lastname = spec[:4]
    existing = await ctx.store.get_user_by_username(username)
    if existing is not None:
        return existing
    user = UserRecord(
        id=0,
        username=username,
        password=await hasher.hash(password),
        firstname=firstname,
        lastname=lastname,
        email=f"{username}@example.com",
        city="Perth",
        country="AU",
    )
    try:
        return await ctx.store.create_user(user)
    except Conflict:  # the auth service created it meanwhile
        found = await ctx.store.get_user_by_username(username)
        assert found is not None
        return found


class _Seeder:
    def __init__(self, ctx: InstallContext, db: SiteStore, roles: dict[str, RoleRecord]) -> None:
        self.ctx, self.db, self.roles = ctx, db, roles
        self.now = int(time.time())

    async def file(
        self, cm: CourseModule, area: str, name: str, data: bytes, *, path: str = "/", item: int = 0
    ) -> None:
        contenthash, size = await self.ctx.files.put_bytes(data)
        context = await self.db.module_context(cm)
        await self.ctx.files.add_file(
            FileRecord(
                id=0,
                contextid=context.id,
                component=f"mod_{cm.modname}",
                filearea=area,
                itemid=item,
                filepath=path,
                filename=name,
                contenthash=contenthash,
                filesize=size,
                mimetype=guess_mimetype(name),
                author="Tess Teacher",
                license="allrightsreserved",
            )
        )

    async def module(
        self,
        section: Section,
        modname: str,
        name: str,
        intro: str = "",
        visible: bool = True,
        **settings: Any,
    ) -> tuple[CourseModule, Activity]:
        activity = Activity(
            modname=modname,
            course=section.course,
            name=name,
            intro=intro or f"<p>{name}</p>",
            settings=settings,
        )
        cm = CourseModule(course=section.course, modname=modname, visible=visible, completion=1)
        return await self.db.add_module(section, activity, cm)

    async def enrol(self, course: Course, user: UserRecord, role: str) -> None:
        roleid = self.roles[role].id
        await self.db.enrol(
            Enrolment(
                courseid=course.id, userid=user.id, roleid=roleid, timestart=self.now - 30 * DAY
            )
        )
        context = await self.db.course_context(course)
        await self.ctx.roles.assign(user.id, roleid, context.id)


async def seed_demo(ctx: InstallContext, db: SiteStore, roles: dict[str, RoleRecord]) -> None:
    if await db.course_by_shortname("ASTRO101") is not None:
        return  # an earlier (interrupted) install got this far; the rest is not re-created
    hasher = passwords()
    users = {spec[0]: await _ensure_user(ctx, hasher, spec) for spec in DEMO_USERS}
    system = await ctx.contexts.ensure(CONTEXT_SYSTEM, 0)
    for username, *_rest, sysrole in DEMO_USERS:
        if sysrole:
            await ctx.roles.assign(users[username].id, roles[sysrole].id, system.id)
    seeder = _Seeder(ctx, db, roles)
    now = seeder.now
    sciences = await db.add_category(
        Category(name="Sciences", idnumber="SCI", description="<p>Science courses</p>")
    )
    arts = await db.add_category(Category(name="Arts", idnumber="ART"))
    astro = await db.add_course(
        Course(
            category=sciences.id,
            fullname="Introduction to Astronomy",
            shortname="ASTRO101",
            idnumber="ASTRO-2026",
            summary="<p>Stars, planets and the night sky.</p>",
            startdate=now - 30 * DAY,
            enddate=now + 120 * DAY,
        )
    )
    writing = await db.add_course(
        Course(
            category=arts.id,
            fullname="Creative Writing",
            shortname="WRITE201",
            summary="<p>Write stories and poems.</p>",
            startdate=now - 60 * DAY,
            enddate=now + 60 * DAY,
        )
    )
    archived = await db.add_course(
        Course(
            category=arts.id,
            fullname="Archived Course",
            shortname="OLD100",
            visible=False,
            startdate=now - 400 * DAY,
            enddate=now - 200 * DAY,
        )
    )
    for username in ("student", "student2", "student3"):
        await seeder.enrol(astro, users[username], "student")
    await seeder.enrol(writing, users["student"], "student")
    await seeder.enrol(writing, users["student2"], "student")
    for course in (astro, writing, archived):
        await seeder.enrol(course, users["teacher"], "editingteacher")
    await db.insert(
        Group(
            courseid=astro.id,
            name="Group A",
            description="Stargazers",
            members=[users["student"].id, users["student2"].id],
        )
    )
    await db.insert(Group(courseid=astro.id, name="Group B", members=[users["student3"].id]))

    # --- ASTRO101 -------------------------------------------------------------------------------
    s0 = await db.section_by_number(astro.id, 0)
    assert s0 is not None
    s1 = await db.add_section(
        Section(
            course=astro.id,
            section=1,
            name="The night sky",
            summary="<p>Constellations and planets.</p>",
        )
    )
    s2 = await db.add_section(Section(course=astro.id, section=2, name="Assessment"))
    s3 = await db.add_section(Section(course=astro.id, section=3, name="Research"))
    news, news_forum = await seeder.module(s0, "forum", "Announcements", type="news")
    await seeder.module(s0, "label", "Welcome label", intro="<p>Welcome to <b>Astronomy</b>!</p>")
    general, general_forum = await seeder.module(s1, "forum", "Stargazing forum", type="general")
    resource, _ = await seeder.module(s1, "resource", "Star chart (PDF)", display=0)
    await seeder.file(resource, "content", "star-chart.pdf", demo_files.pdf("Star chart"))
    page, _ = await seeder.module(
        s1,
        "page",
        "Reading: the Moon",
        content='<p>The Moon.</p><img src="@@PLUGINFILE@@/moon.png" alt="moon">',
    )
    await seeder.file(page, "content", "moon.png", demo_files.png(8, 8, (90, 90, 110)))
    await seeder.module(s1, "url", "NASA", externalurl="https://www.nasa.gov/", display=0)
    folder, _ = await seeder.module(s1, "folder", "Observation logs", display=0, showexpanded=1)
    await seeder.file(folder, "content", "log-1.txt", demo_files.text("Clear sky, saw Jupiter.\n"))
    await seeder.file(folder, "content", "log-2.txt", demo_files.text("Cloudy.\n"), path="/week2/")
    await seeder.file(
        folder, "content", "nebula.png", demo_files.png(6, 4, (20, 40, 120)), path="/week2/"
    )
    assign_cm, assign = await seeder.module(
        s2,
        "assign",
        "Essay: our solar system",
        duedate=now + 7 * DAY,
        allowsubmissionsfromdate=now - 7 * DAY,
        grade=100,
        cutoffdate=0,
        gradingduedate=now + 14 * DAY,
        submissiondrafts=0,
        onlinetext=1,
        file=1,
    )
    await seeder.file(
        assign_cm, "introattachment", "essay-guidelines.txt", demo_files.text("Write 500 words.\n")
    )
    quiz_cm, quiz = await seeder.module(
        s2,
        "quiz",
        "Planets quiz",
        timeopen=now - DAY,
        timeclose=now + 10 * DAY,
        timelimit=1800,
        grade=10,
        sumgrades=5,
        attempts=2,
    )
    await seeder.module(
        s2,
        "lesson",
        "Lesson: telescopes",
        available=now - DAY,
        deadline=now + 20 * DAY,
        timelimit=0,
    )
    await seeder.module(
        s3, "data", "Observations database", intro="<p>Share your observations.</p>"
    )
    await seeder.module(s3, "workshop", "Peer review", grade=80, gradinggrade=20, phase=10)
    await seeder.module(
        s3,
        "book",
        "Handbook",
        numbering=1,
        chapters=[{"id": 1, "title": "Getting started", "content": "<p>Look up.</p>"}],
    )
    await seeder.module(
        s3, "page", "Teacher notes (hidden)", visible=False, content="<p>Answers.</p>"
    )

    student, teacher = users["student"], users["teacher"]
    await db.add_discussion(
        Discussion(forum=news_forum.id, course=astro.id, name="Welcome!", userid=teacher.id),
        Post(
            discussion=0,
            userid=teacher.id,
            subject="Welcome!",
            message="<p>Welcome to the course.</p>",
            created=now - 5 * DAY,
        ),
    )
    discussion, first = await db.add_discussion(
        Discussion(
            forum=general_forum.id, course=astro.id, name="Best telescope?", userid=student.id
        ),
        Post(
            discussion=0,
            userid=student.id,
            subject="Best telescope?",
            message="<p>Which one should I buy?</p>",
            created=now - 2 * DAY,
        ),
    )
    await db.insert(
        Post(
            discussion=discussion.id,
            parent=first.id,
            userid=teacher.id,
            subject="Re: Best telescope?",
            message="<p>A small refractor.</p>",
            created=now - DAY,
            modified=now - DAY,
        )
    )
    discussion.numreplies = 1
    await db.save(discussion)
    await db.insert(
        Submission(
            assignment=assign.id,
            userid=student.id,
            status="submitted",
            onlinetext="<p>The Sun is a star.</p>",
            timecreated=now - DAY,
            timemodified=now - DAY,
        ),
        AssignGrade(
            assignment=assign.id,
            userid=student.id,
            grade=85.0,
            grader=teacher.id,
            feedback="<p>Good work.</p>",
            timecreated=now,
            timemodified=now,
        ),
    )
    await db.set_completion(
        astro.id, CompletionState(cmid=page.id, userid=student.id, state=1, timecompleted=now - DAY)
    )
    await db.insert(
        Event(
            name="Essay: our solar system is due",
            eventtype="due",
            courseid=astro.id,
            modulename="assign",
            instance=assign.id,
            component="mod_assign",
            timestart=now + 7 * DAY,
            timesort=now + 7 * DAY,
        ),
        Event(
            name="Planets quiz closes",
            eventtype="close",
            courseid=astro.id,
            modulename="quiz",
            instance=quiz.id,
            component="mod_quiz",
            timestart=now + 10 * DAY,
            timesort=now + 10 * DAY,
        ),
        Event(
            name="Star party",
            description="<p>Bring a blanket.</p>",
            eventtype="course",
            courseid=astro.id,
            timestart=now + 3 * DAY,
            timeduration=3 * 3600,
            timesort=now + 3 * DAY,
            location="Observatory",
        ),
        Event(
            name="Study session",
            eventtype="user",
            userid=student.id,
            timestart=now + DAY,
            timesort=now + DAY,
        ),
        Event(
            name="Site maintenance",
            eventtype="site",
            timestart=now + 14 * DAY,
            timesort=now + 14 * DAY,
        ),
    )
    del news, general, quiz_cm

    # --- WRITE201 --------------------------------------------------------------------------------
    w0 = await db.section_by_number(writing.id, 0)
    assert w0 is not None
    w1 = await db.add_section(Section(course=writing.id, section=1, name="Short stories"))
    await seeder.module(w0, "forum", "Announcements", type="news")
    cover, _ = await seeder.module(w1, "resource", "Cover image", display=0)
    await seeder.file(cover, "content", "cover.png", demo_files.png(12, 6, (200, 120, 40)))
    await seeder.module(w1, "page", "Prompt", content="<p>Write about a door.</p>")
    _cm, story = await seeder.module(
        w1, "assign", "A story", duedate=now + 21 * DAY, grade=50, submissiondrafts=1, onlinetext=1
    )
    await db.insert(
        Event(
            name="A story is due",
            eventtype="due",
            courseid=writing.id,
            modulename="assign",
            instance=story.id,
            component="mod_assign",
            timestart=now + 21 * DAY,
            timesort=now + 21 * DAY,
        )
    )
    log.info("demo site seeded: courses %s", [astro.id, writing.id, archived.id])
