"""Roles, capabilities and role assignments: who may do what, where.

A role is a named set of capabilities (``moodle/course:view`` → allow). Users get roles in
contexts (system, course …); a user holds a capability in a context when a role assigned to
them in that context or any ancestor allows it. Site administrators hold every capability,
as in Moodle. Every authenticated user implicitly has the ``user`` role in the system context
(Moodle's "Authenticated user" default role).

Keys: ``{ns}:role:<id>`` (JSON), ``{ns}:roleshortnames`` (shortname -> id),
``{ns}:roles`` (listing), ``{ns}:ra:<userid>`` (hash ``<contextid>:<roleid>`` -> time).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import cast

import msgspec
import redis.asyncio as aioredis

from shared.constants import Names
from shared.contexts import SYSTEM_CONTEXT_ID, Context

__all__ = ["AUTHENTICATED_ROLE", "RoleAssignment", "RoleRecord", "RoleStore"]

#: Shortname of the role every logged-in user holds in the system context.
AUTHENTICATED_ROLE = "user"


class RoleRecord(msgspec.Struct, omit_defaults=True):
    id: int
    shortname: str
    name: str = ""
    description: str = ""
    capabilities: list[str] = []
    sortorder: int = 0


class RoleAssignment(msgspec.Struct, frozen=True):
    roleid: int
    contextid: int
    timemodified: int = 0


_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(RoleRecord)
_list_dec = msgspec.json.Decoder(list[str])


class RoleStore:
    def __init__(self, redis: aioredis.Redis, names: Names) -> None:
        self.redis = redis
        self.names = names

    def _role(self, roleid: int) -> str:
        return self.names.key("role", roleid)

    @property
    def _shortnames(self) -> str:
        return self.names.key("roleshortnames")

    def _assignments(self, userid: int) -> str:
        return self.names.key("ra", userid)

    # --- roles ---------------------------------------------------------------------------------
    async def create_role(
        self,
        shortname: str,
        name: str = "",
        capabilities: Iterable[str] = (),
        description: str = "",
    ) -> RoleRecord:
        roleid = int(await self.redis.hincrby(self.names.ids, "role", 1))
        role = RoleRecord(
            roleid, shortname, name or shortname, description, sorted(set(capabilities)), roleid
        )
        if not await self.redis.hsetnx(self._shortnames, shortname, roleid):
            raise ValueError(f"role {shortname!r} already exists")
        await self.redis.set(self._role(roleid), _enc.encode(role))
        await self.redis.zadd(self.names.key("roles"), {str(roleid): roleid})
        await self.redis.publish(self.names.invalidations, f"role:{roleid}")
        return role

    async def ensure_role(
        self, shortname: str, name: str = "", capabilities: Iterable[str] = ()
    ) -> RoleRecord:
        existing = await self.get_role_by_shortname(shortname)
        if existing is not None:
            return existing
        try:
            return await self.create_role(shortname, name, capabilities)
        except ValueError:
            found = await self.get_role_by_shortname(shortname)
            if found is None:
                raise
            return found

    async def get_role(self, roleid: int) -> RoleRecord | None:
        raw = await self.redis.get(self._role(roleid))
        return None if raw is None else _dec.decode(raw)

    async def get_role_by_shortname(self, shortname: str) -> RoleRecord | None:
        roleid = await self.redis.hget(self._shortnames, shortname)
        return None if roleid is None else await self.get_role(int(roleid))

    async def list_roles(self) -> list[RoleRecord]:
        ids = await self.redis.zrange(self.names.key("roles"), 0, -1)
        roles = [await self.get_role(int(cast(bytes, i))) for i in ids]
        return [r for r in roles if r is not None]

    async def set_capabilities(self, role: RoleRecord, capabilities: Iterable[str]) -> None:
        role.capabilities = sorted(set(capabilities))
        await self.redis.set(self._role(role.id), _enc.encode(role))
        await self.redis.publish(self.names.invalidations, f"role:{role.id}")

    # --- assignments ---------------------------------------------------------------------------
    async def assign(self, userid: int, roleid: int, contextid: int = SYSTEM_CONTEXT_ID) -> None:
        await self.redis.hset(self._assignments(userid), f"{contextid}:{roleid}", int(time.time()))
        await self.redis.publish(self.names.invalidations, f"user:{userid}")

    async def unassign(self, userid: int, roleid: int, contextid: int = SYSTEM_CONTEXT_ID) -> bool:
        removed = int(await self.redis.hdel(self._assignments(userid), f"{contextid}:{roleid}"))
        await self.redis.publish(self.names.invalidations, f"user:{userid}")
        return removed > 0

    async def assignments(self, userid: int) -> list[RoleAssignment]:
        raw = await self.redis.hgetall(self._assignments(userid))
        out = []
        for key, when in raw.items():
            text = key.decode() if isinstance(key, bytes) else str(key)
            contextid, _, roleid = text.partition(":")
            out.append(RoleAssignment(int(roleid), int(contextid), int(when)))
        return sorted(out, key=lambda a: (a.contextid, a.roleid))

    async def roles_in_context(self, userid: int, context: Context) -> list[RoleRecord]:
        """Roles the user holds in ``context`` or any of its ancestors."""
        path = set(context.ancestor_ids)
        found = []
        for assignment in await self.assignments(userid):
            if assignment.contextid in path:
                role = await self.get_role(assignment.roleid)
                if role is not None:
                    found.append(role)
        return found

    async def has_capability(
        self, userid: int, capability: str, context: Context, *, siteadmin: bool = False
    ) -> bool:
        """Whether the user holds ``capability`` in ``context`` (admins hold everything)."""
        if siteadmin:
            return True
        roles = await self.roles_in_context(userid, context)
        default = await self.get_role_by_shortname(AUTHENTICATED_ROLE)
        if default is not None:
            roles.append(default)
        return any(capability in role.capabilities for role in roles)


#: Moodle's standard roles (archetypes) with the capabilities this platform knows about.
#: Extend the lists as functions start checking more capabilities; seeding re-applies them.
DEFAULT_ROLES: dict[str, tuple[str, list[str]]] = {
    "manager": (
        "Manager",
        [
            "moodle/site:accessallgroups",
            "mod/forum:addnews",
            "mod/forum:pindiscussions",
            "report/progress:view",
            "moodle/calendar:manageentries",
            "moodle/site:config",
            "moodle/site:maintenanceaccess",
            "moodle/course:view",
            "moodle/course:create",
            "moodle/course:update",
            "moodle/course:viewhiddencourses",
            "moodle/course:viewhiddenactivities",
            "moodle/course:viewparticipants",
            "moodle/course:enrolreview",
            "enrol/manual:enrol",
            "enrol/manual:unenrol",
            "moodle/user:create",
            "moodle/user:update",
            "moodle/user:delete",
            "moodle/user:viewdetails",
            "moodle/user:viewalldetails",
            "moodle/webservice:createtoken",
            "moodle/webservice:managealltokens",
            "mod/assign:grade",
            "mod/assign:view",
            "mod/forum:viewdiscussion",
            "mod/forum:startdiscussion",
            "moodle/grade:viewall",
        ],
    ),
    "editingteacher": (
        "Teacher",
        [
            "moodle/site:accessallgroups",
            "mod/forum:addnews",
            "mod/forum:pindiscussions",
            "report/progress:view",
            "moodle/calendar:manageentries",
            "moodle/course:view",
            "moodle/course:update",
            "moodle/course:viewhiddenactivities",
            "moodle/course:viewparticipants",
            "moodle/course:enrolreview",
            "enrol/manual:enrol",
            "enrol/manual:unenrol",
            "moodle/user:viewdetails",
            "mod/assign:grade",
            "mod/assign:view",
            "mod/forum:viewdiscussion",
            "mod/forum:startdiscussion",
            "moodle/grade:viewall",
        ],
    ),
    "teacher": (
        "Non-editing teacher",
        [
            "moodle/course:viewparticipants",
            "moodle/course:viewhiddenactivities",
            "moodle/user:viewdetails",
            "mod/assign:grade",
            "mod/assign:view",
            "mod/forum:viewdiscussion",
            "moodle/grade:viewall",
        ],
    ),
    "student": (
        "Student",
        [
            "moodle/course:viewparticipants",
            "mod/assign:view",
            "mod/assign:submit",
            "mod/forum:viewdiscussion",
            "mod/forum:startdiscussion",
            "mod/forum:replypost",
        ],
    ),
    "guest": ("Guest", []),
    AUTHENTICATED_ROLE: (
        "Authenticated user",
        [
            "moodle/webservice:createmobiletoken",
            "moodle/webservice:createtoken",
            "webservice/rest:use",
            "moodle/user:manageownfiles",
            "moodle/site:sendmessage",
        ],
    ),
}


async def ensure_default_roles(roles: RoleStore) -> dict[str, RoleRecord]:
    """Create the standard roles when missing and bring their capabilities up to date.

    Like a Moodle upgrade, only what changed in :data:`DEFAULT_ROLES` since the last run is
    applied (capabilities added to or removed from the code's lists), so an administrator's
    own grants and revocations on the standard roles survive restarts. Idempotent.
    """
    applied_key = roles.names.key("roledefaults")
    created: dict[str, RoleRecord] = {}
    for shortname, (name, capabilities) in DEFAULT_ROLES.items():
        role = await roles.ensure_role(shortname, name, capabilities)
        wanted = set(capabilities)
        raw = await roles.redis.hget(applied_key, shortname)
        # First run on a site seeded before this bookkeeping existed: treat the role's
        # current capabilities as what was applied last.
        before = set(_list_dec.decode(raw)) if raw is not None else set(role.capabilities)
        current = set(role.capabilities)
        updated = (current | (wanted - before)) - (before - wanted)
        if updated != current:
            await roles.set_capabilities(role, updated)
        if raw is None or before != wanted:
            await roles.redis.hset(applied_key, shortname, _enc.encode(sorted(wanted)))
        created[shortname] = role
    return created
