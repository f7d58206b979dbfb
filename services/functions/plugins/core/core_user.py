"""``core_user``: finding, creating, updating and deleting users (Moodle 4.5 shapes).

Users are the platform's :class:`shared.records.UserRecord` (the auth service logs them in), so
every change goes through :class:`shared.store.Store`, whose ``save_user`` tells the gateways to
drop what they cached about the user. Lookups by email and idnumber walk the users listing
index (there is no index on those fields); username and id are direct.
"""

# ruff: noqa: E501

from __future__ import annotations

import re
import time
from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.export import user_description
from services.functions.plugins.core.site.seed import passwords
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.errors import InvalidParameterException, MissingRecordException, WSError
from shared.external import (
    PARAM_ALPHA,
    PARAM_BOOL,
    PARAM_EMAIL,
    PARAM_INT,
    PARAM_LANG,
    PARAM_NOTAGS,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_TEXT,
    PARAM_TIMEZONE,
    PARAM_URL,
    PARAM_USERNAME,
    Description,
    ExternalFunctionParameters,
    ExternalWarnings,
)
from shared.records import UserRecord
from shared.store import Conflict

__all__ = ["USER_DESCRIPTION", "plugin"]

plugin = Plugin("core_user", version=MOODLE_VERSION)
MOBILE = [MOBILE_SERVICE]

USER_FIELDS: dict[str, Description] = {
    "id": v(PARAM_INT, "ID of the user"),
    "username": v(PARAM_RAW, "The username", opt=True),
    "firstname": v(PARAM_NOTAGS, "The first name(s) of the user", opt=True),
    "lastname": v(PARAM_NOTAGS, "The family name of the user", opt=True),
    "fullname": v(PARAM_NOTAGS, "The fullname of the user"),
    "email": v(PARAM_TEXT, "An email address - allow email as root@localhost", opt=True),
    "idnumber": v(PARAM_RAW, "An arbitrary ID code number perhaps from the institution", opt=True),
    "firstaccess": v(PARAM_INT, "first access to the site (0 if never)", opt=True),
    "lastaccess": v(PARAM_INT, "last access to the site (0 if never)", opt=True),
    "auth": v(PARAM_PLUGIN, "Auth plugins include manual, ldap, etc", opt=True),
    "suspended": v(
        PARAM_BOOL,
        "Suspend user account, either false to enable user login or true to disable it",
        opt=True,
    ),
    "confirmed": v(PARAM_BOOL, "Active user: 1 if confirmed, 0 otherwise", opt=True),
    "lang": v(PARAM_LANG, 'Language code such as "en", must exist on server', opt=True),
    "theme": v(PARAM_PLUGIN, 'Theme name such as "standard", must exist on server', opt=True),
    "timezone": v(
        PARAM_TIMEZONE, "Timezone code such as Australia/Perth, or 99 for default", opt=True
    ),
    "mailformat": v(PARAM_INT, "Mail format code is 0 for plain text, 1 for HTML etc", opt=True),
    "description": v(PARAM_RAW, "User profile description", opt=True),
    "descriptionformat": v(PARAM_INT, "description format", opt=True),
    "city": v(PARAM_NOTAGS, "Home city of the user", opt=True),
    "country": v(PARAM_ALPHA, "Home country code of the user, such as AU or CZ", opt=True),
    "profileimageurlsmall": v(PARAM_URL, "User image profile URL - small version"),
    "profileimageurl": v(PARAM_URL, "User image profile URL - big version"),
}
USER_DESCRIPTION = s(USER_FIELDS)

BY_FIELD = ("id", "idnumber", "username", "email")
SEARCH_KEYS = ("id", "lastname", "firstname", "idnumber", "username", "email", "auth")
KNOWN_AUTH = ("manual", "nologin", "webservice", "email")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _policy_error(password: str) -> str:
    """Moodle's default password policy; "" when the password passes."""
    problems = []
    if len(password) < 8:
        problems.append("Passwords must be at least 8 characters long.")
    if not re.search(r"[0-9]", password):
        problems.append("Passwords must have at least 1 digit(s).")
    if not re.search(r"[a-z]", password):
        problems.append("Passwords must have at least 1 lower case letter(s).")
    if not re.search(r"[A-Z]", password):
        problems.append("Passwords must have at least 1 upper case letter(s).")
    if not re.search(r"[^a-zA-Z0-9]", password):
        problems.append(
            "The password must have at least 1 special character(s) such as *, -, or #."
        )
    return " ".join(problems)


async def visible_description(site: Site, user: UserRecord) -> dict[str, Any] | None:
    """What the caller may see of ``user`` (Moodle's user_get_user_details_courses), or None.

    Yourself: everything. Holders of moodle/user:viewdetails in the system context: everything.
    People sharing a course in which the caller may view participants: the public fields.
    """
    if user.deleted:
        return None
    if user.id == site.userid or await site.can("moodle/user:viewdetails", await site.system()):
        return user_description(site.ctx, user, full=True)
    mine = set(await site.my_courseids())
    for courseid in await site.db.user_courseids(user.id):
        if courseid not in mine:
            continue
        course = await site.db.courses([courseid])
        if not course:
            continue
        context = await site.db.course_context(course[0])
        if await site.can("moodle/course:viewparticipants", context):
            return user_description(site.ctx, user, full=False)
    return None


async def _find(ctx: CallContext, field: str, value: str) -> list[UserRecord]:
    if field == "id":
        found = await ctx.store.get_user(int(value)) if value.isdigit() else None
        return [found] if found else []
    if field == "username":
        found = await ctx.store.get_user_by_username(value.strip().lower())
        return [found] if found else []
    return [u for u in await ctx.store.list_users() if getattr(u, field) == value]


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "field": v(
                PARAM_ALPHA, "the search field can be 'id' or 'idnumber' or 'username' or 'email'"
            ),
            "values": m(v(PARAM_RAW, "the value to match")),
        }
    ),
    returns=m(USER_DESCRIPTION),
    description="Retrieve users' information for a specified unique field - If you want to do a user search, use core_user_get_users() or core_user_search_identity().",
    ajax=True,
    services=MOBILE,
)
async def get_users_by_field(
    ctx: CallContext, field: str, values: list[str]
) -> list[dict[str, Any]]:
    if field not in BY_FIELD:
        raise InvalidParameterException(
            "The search field '"
            + field
            + "' is not supported, look at the web service documentation"
        )
    site = Site(ctx)
    out, seen = [], set()
    for value in values:
        for user in await _find(ctx, field, value):
            if user.id in seen:
                continue
            seen.add(user.id)
            if (entry := await visible_description(site, user)) is not None:
                out.append(entry)
    return out


def _matches(user: UserRecord, key: str, value: str) -> bool:
    if key == "id":
        return str(user.id) == value
    actual = str(getattr(user, key))
    if key in ("firstname", "lastname", "email") and "%" in value:
        # Moodle searches these with SQL LIKE: % is a wildcard, case-insensitive.
        pattern = "^" + ".*".join(re.escape(p) for p in value.split("%")) + "$"
        return re.match(pattern, actual, re.IGNORECASE) is not None
    return (
        actual.lower() == value.lower()
        if key in ("firstname", "lastname", "email")
        else actual == value
    )


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "criteria": m(
                s(
                    {
                        "key": v(
                            PARAM_ALPHA,
                            'the user column to search, expected keys (value format) are: "id" (int) matching user id, "lastname" (string) user last name (Note: you can use % for searching but it may be considerably slower!), "firstname" (string) user first name (Note: you can use % for searching but it may be considerably slower!), "idnumber" (string) matching user idnumber, "username" (string) matching user username, "email" (string) user email (Note: you can use % for searching but it may be considerably slower!), "auth" (string) matching user auth plugin',
                        ),
                        "value": v(PARAM_RAW, "the value to search"),
                    }
                ),
                "the key/value pairs to be considered in user search. Values can not be empty. Specify different keys only once (fullname => 'user1', auth => 'manual', ...) - key occurences are forbidden. The search is executed with AND operator on the criterias. Invalid criterias (keys) are ignored, the search is still executed but the function returns a warning. Some criterias (like idnumber, email) are limited to users with specific capabilities.",
            )
        }
    ),
    returns=s(
        {
            "users": m(USER_DESCRIPTION),
            "warnings": ExternalWarnings("always set to 'key'", "faulty key name"),
        }
    ),
    description="search for users matching the parameters",
    ajax=True,
)
async def get_users(ctx: CallContext, criteria: list[dict[str, str]]) -> dict[str, Any]:
    site = Site(ctx)
    warnings, valid, keys = [], [], set()
    for criterion in criteria:
        key, value = criterion["key"], criterion["value"].strip()
        if key not in SEARCH_KEYS or not value:
            warnings.append(
                {
                    "item": key,
                    "warningcode": "invalidfieldparameter",
                    "message": "The search key '"
                    + key
                    + "' is not supported, look at the web service documentation",
                }
            )
            continue
        if key in keys:
            raise InvalidParameterException("The key '" + key + "' can only be sent once")
        keys.add(key)
        valid.append((key, value))
    users: list[dict[str, Any]] = []
    if valid:
        for user in await ctx.store.list_users():
            if not all(_matches(user, k, val) for k, val in valid):
                continue
            if (entry := await visible_description(site, user)) is not None:
                users.append(entry)
    return {"users": users, "warnings": warnings}


CREATE_USER = s(
    {
        "createpassword": v(
            PARAM_BOOL, "True if password should be created and mailed to user.", opt=True
        ),
        "username": v(PARAM_USERNAME, "Username policy is defined in Moodle security config."),
        "auth": v(PARAM_PLUGIN, "Auth plugins include manual, ldap, etc", default="manual"),
        "password": v(PARAM_RAW, "Plain text password consisting of any characters", opt=True),
        "firstname": v(PARAM_NOTAGS, "The first name(s) of the user"),
        "lastname": v(PARAM_NOTAGS, "The family name of the user"),
        "email": v(PARAM_EMAIL, "A valid and unique email address"),
        "city": v(PARAM_NOTAGS, "Home city of the user", opt=True),
        "country": v(PARAM_ALPHA, "Home country code of the user, such as AU or CZ", opt=True),
        "timezone": v(
            PARAM_TIMEZONE, "Timezone code such as Australia/Perth, or 99 for default", opt=True
        ),
        "description": v(PARAM_RAW, "User profile description, no HTML", opt=True),
        "idnumber": v(
            PARAM_RAW, "An arbitrary ID code number perhaps from the institution", default=""
        ),
        "lang": v(PARAM_LANG, 'Language code such as "en", must exist on server', default="en"),
    }
)


async def _check_email(ctx: CallContext, email: str, exclude: int = 0) -> str:
    """ "" when the address is usable, else Moodle's reason."""
    if not _EMAIL.match(email):
        return "Email address is invalid: " + email
    lowered = email.lower()
    if any(
        u.email.lower() == lowered and u.id != exclude and not u.deleted
        for u in await ctx.store.list_users()
    ):
        return "Email address already exists: " + email
    return ""


@plugin.function(
    parameters=ExternalFunctionParameters({"users": m(CREATE_USER)}),
    returns=m(s({"id": v(PARAM_INT, "user id"), "username": v(PARAM_RAW, "user name")})),
    description="Create users.",
    type="write",
)
async def create_users(ctx: CallContext, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    site = Site(ctx)
    await site.require("moodle/user:create", await site.system())
    # Everything is checked before anything is created: Moodle creates all users or none.
    names: set[str] = set()
    for spec in users:
        username = spec["username"]
        if username in names or await ctx.store.get_user_by_username(username) is not None:
            raise InvalidParameterException("Username already exists: " + username)
        names.add(username)
        if spec["auth"] not in KNOWN_AUTH:
            raise InvalidParameterException("Invalid authentication type: " + spec["auth"])
        if reason := await _check_email(ctx, spec["email"]):
            raise InvalidParameterException(reason)
        if not spec.get("createpassword") and "password" not in spec:
            raise InvalidParameterException(
                "Invalid password: you must provide a password, or set createpassword."
            )
        if (
            "password" in spec
            and not spec.get("createpassword")
            and (problem := _policy_error(spec["password"]))
        ):
            raise WSError(problem, problem)
    hasher = passwords()
    created = []
    for spec in users:
        user = UserRecord(
            id=0,
            username=spec["username"],
            # createpassword mails a generated password in Moodle; without mail the account
            # gets no usable password until an administrator sets one.
            password="" if spec.get("createpassword") else await hasher.hash(spec["password"]),
            firstname=spec["firstname"],
            lastname=spec["lastname"],
            email=spec["email"],
            auth=spec["auth"],
            city=spec.get("city", ""),
            country=spec.get("country", ""),
            timezone=spec.get("timezone", "99"),
            description=spec.get("description", ""),
            idnumber=spec["idnumber"],
            lang=spec["lang"],
        )
        try:
            user = await ctx.store.create_user(user)
        except Conflict:
            raise InvalidParameterException("Username already exists: " + user.username) from None
        created.append({"id": user.id, "username": user.username})
    return created


UPDATE_USER = s(
    {
        "id": v(PARAM_INT, "ID of the user"),
        "username": v(
            PARAM_USERNAME, "Username policy is defined in Moodle security config.", opt=True
        ),
        "auth": v(PARAM_PLUGIN, "Auth plugins include manual, ldap, etc", opt=True),
        "suspended": v(
            PARAM_BOOL,
            "Suspend user account, either false to enable user login or true to disable it",
            opt=True,
        ),
        "password": v(PARAM_RAW, "Plain text password consisting of any characters", opt=True),
        "firstname": v(PARAM_NOTAGS, "The first name(s) of the user", opt=True),
        "lastname": v(PARAM_NOTAGS, "The family name of the user", opt=True),
        "email": v(PARAM_EMAIL, "A valid and unique email address", opt=True),
        "city": v(PARAM_NOTAGS, "Home city of the user", opt=True),
        "country": v(PARAM_ALPHA, "Home country code of the user, such as AU or CZ", opt=True),
        "timezone": v(
            PARAM_TIMEZONE, "Timezone code such as Australia/Perth, or 99 for default", opt=True
        ),
        "description": v(PARAM_RAW, "User profile description, no HTML", opt=True),
        "idnumber": v(
            PARAM_RAW, "An arbitrary ID code number perhaps from the institution", opt=True
        ),
        "lang": v(PARAM_LANG, 'Language code such as "en", must exist on server', opt=True),
    }
)
_PLAIN_UPDATES = (
    "firstname",
    "lastname",
    "city",
    "country",
    "timezone",
    "description",
    "idnumber",
    "lang",
    "auth",
    "suspended",
)


def _warning(userid: int, code: str, message: str) -> dict[str, Any]:
    return {"item": "user", "itemid": userid, "warningcode": code, "message": message}


@plugin.function(
    parameters=ExternalFunctionParameters({"users": m(UPDATE_USER)}),
    returns=s({"warnings": ExternalWarnings()}),
    description="Update users.",
    type="write",
    ajax=True,
)
async def update_users(ctx: CallContext, users: list[dict[str, Any]]) -> dict[str, Any]:
    site = Site(ctx)
    await site.require("moodle/user:update", await site.system())
    hasher = passwords()
    warnings = []
    for spec in users:
        user = await ctx.store.get_user(spec["id"])
        if user is None:
            warnings.append(_warning(spec["id"], "invaliduserid", "Invalid user ID"))
            continue
        if user.deleted:
            warnings.append(_warning(user.id, "usernotupdateddeleted", "User is a deleted user"))
            continue
        if user.siteadmin and not await site.is_admin():
            warnings.append(
                _warning(user.id, "usernotupdatedadmin", "Cannot update a site administrator")
            )
            continue
        if "username" in spec and spec["username"] != user.username:
            warnings.append(
                _warning(
                    user.id,
                    "usernamenotupdated",
                    "The username cannot be changed through this function",
                )
            )
            continue
        if "email" in spec and spec["email"] != user.email:
            if reason := await _check_email(ctx, spec["email"], exclude=user.id):
                code = "useremailinvalid" if "invalid" in reason else "useremailduplicate"
                warnings.append(_warning(user.id, code, reason))
                continue
            user.email = spec["email"]
        if "password" in spec:
            if problem := _policy_error(spec["password"]):
                warnings.append(_warning(user.id, "invalidpassword", problem))
                continue
            user.password = await hasher.hash(spec["password"])
        if "auth" in spec and spec["auth"] not in KNOWN_AUTH:
            warnings.append(
                _warning(user.id, "invalidauth", "Invalid authentication type: " + spec["auth"])
            )
            continue
        for name in _PLAIN_UPDATES:
            if name in spec:
                setattr(user, name, spec[name])
        await ctx.store.save_user(user)  # publishes user:<id> so gateways re-read the record
        if user.suspended or "password" in spec:
            await _drop_tokens(ctx, user.id)
    return {"warnings": warnings}


async def _drop_tokens(ctx: CallContext, userid: int) -> None:
    """A suspended, re-passworded or deleted user's tokens stop working (Moodle deletes them)."""
    for token, _lastaccess in await ctx.store.user_tokens(userid):
        if token.id != ctx.caller.tokenid:
            await ctx.store.delete_token(token)


@plugin.function(
    parameters=ExternalFunctionParameters({"userids": m(v(PARAM_INT, "user ID"))}),
    returns=None,
    description="Delete users.",
    type="write",
)
async def delete_users(ctx: CallContext, userids: list[int]) -> None:
    site = Site(ctx)
    await site.require("moodle/user:delete", await site.system())
    targets = []
    for userid in userids:
        user = await ctx.store.get_user(userid)
        if user is None or user.deleted:
            raise MissingRecordException("user")
        if user.siteadmin:
            raise WSError("useradminodelete", "Administrator accounts cannot be deleted")
        if user.id == site.userid:
            raise WSError("usernotdeletederror", "You can not delete your own account")
        targets.append(user)
    for user in targets:
        for courseid in await site.db.user_courseids(user.id):
            await site.db.unenrol(courseid, user.id)
        for assignment in await ctx.roles.assignments(user.id):
            await ctx.roles.unassign(user.id, assignment.roleid, assignment.contextid)
        # Moodle keeps the row, marks it deleted and frees the username and email.
        stamp = int(time.time())
        await ctx.redis.hdel(ctx.names.usernames, user.username)
        user.username = f"{user.email}.{stamp}"
        user.email = ""
        user.password = ""
        user.deleted = True
        await ctx.redis.hset(ctx.names.usernames, user.username, user.id)
        await ctx.store.save_user(user)
        await _drop_tokens(ctx, user.id)
