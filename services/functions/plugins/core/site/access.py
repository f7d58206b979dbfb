"""Per-call access to the site: who is calling, and what they may see (Moodle's require_login).

Functions build one :class:`Site` per call from their :class:`CallContext`; it caches the
caller's record and answers course and module visibility the way Moodle does: site admins see
everything, enrolled users (active enrolment) and holders of ``moodle/course:view`` see a
course, hidden courses need ``moodle/course:viewhiddencourses``, hidden modules
``moodle/course:viewhiddenactivities``.
"""

from __future__ import annotations

from services.functions.api import CallContext
from services.functions.plugins.core.site.records import Course, CourseModule, Section
from services.functions.plugins.core.site.store import SiteStore
from shared.contexts import CONTEXT_SYSTEM, Context
from shared.errors import MissingRecordException, RequiredCapabilityException, WSError
from shared.records import UserRecord

__all__ = ["RequireLoginException", "Site"]


class RequireLoginException(WSError):
    exception_class = "require_login_exception"

    def __init__(self, reason: str = "Not enrolled") -> None:
        super().__init__("requireloginerror", f"Course or activity not accessible. ({reason})")


class Site:
    def __init__(self, ctx: CallContext) -> None:
        self.ctx = ctx
        self.db = SiteStore(ctx.redis, ctx.names, ctx.contexts)
        self._me: UserRecord | None = None

    @property
    def userid(self) -> int:
        return self.ctx.caller.userid

    async def me(self) -> UserRecord:
        if self._me is None:
            user = await self.ctx.store.get_user(self.userid)
            if user is None:
                raise WSError("invaliduser", "Invalid user")
            self._me = user
        return self._me

    async def is_admin(self) -> bool:
        return (await self.me()).siteadmin

    async def can(self, capability: str, context: Context, userid: int | None = None) -> bool:
        if userid is None or userid == self.userid:
            return await self.ctx.roles.has_capability(
                self.userid, capability, context, siteadmin=await self.is_admin()
            )
        other = await self.ctx.store.get_user(userid)
        return other is not None and await self.ctx.roles.has_capability(
            userid, capability, context, siteadmin=other.siteadmin
        )

    async def require(self, capability: str, context: Context) -> None:
        if not await self.can(capability, context):
            raise RequiredCapabilityException(capability)

    async def course(self, courseid: int) -> Course:
        course = await self.db.get(Course, courseid)
        if course is None:
            raise MissingRecordException("course")
        return course

    async def can_view_course(self, course: Course, userid: int | None = None) -> bool:
        uid = self.userid if userid is None else userid
        context = await self.db.course_context(course)
        if not course.visible and not await self.can(
            "moodle/course:viewhiddencourses", context, uid
        ):
            return False
        if uid == self.userid and await self.is_admin():
            return True
        return await self.db.is_enrolled(course.id, uid) or await self.can(
            "moodle/course:view", context, uid
        )

    async def require_course(self, course: Course) -> Context:
        """The course context, or require_login_exception when the caller cannot enter it."""
        if not await self.can_view_course(course):
            raise RequireLoginException("Not enrolled" if course.visible else "Course is hidden")
        return await self.db.course_context(course)

    async def module_visible(self, cm: CourseModule, section: Section | None = None) -> bool:
        if cm.visible and (section is None or section.visible):
            return True
        context = await self.db.course_context(await self.course(cm.course))
        return await self.can("moodle/course:viewhiddenactivities", context)

    async def viewable_courses(self, courseids: list[int]) -> tuple[list[Course], list[int]]:
        """The courses among ``courseids`` the caller can see, and the ids refused."""
        found = {c.id: c for c in await self.db.courses(courseids)}
        ok, refused = [], []
        for cid in courseids:
            course = found.get(cid)
            if course is not None and await self.can_view_course(course):
                ok.append(course)
            else:
                refused.append(cid)
        return ok, refused

    async def my_courseids(self) -> list[int]:
        return await self.db.user_courseids(self.userid)

    async def enter_course(self, courseid: int) -> tuple[Course, Context]:
        """The course and its context, refused the way ``validate_context`` refuses in a
        course (Moodle's ``errorcoursecontextnotvalid``)."""
        course = await self.course(courseid)
        try:
            context = await self.require_course(course)
        except WSError as exc:
            raise WSError(
                "errorcoursecontextnotvalid",
                "You cannot execute functions in the course context (course id:"
                f"{courseid}). The error message was: {exc.message}",
            ) from None
        return course, context

    async def system(self) -> Context:
        return await self.ctx.contexts.ensure(CONTEXT_SYSTEM, 0)
