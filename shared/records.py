"""Records kept in Redis: users, services, authorised users and tokens.

Stored as JSON (readable with ``redis-cli``), decoded with decoders built once. New fields get
defaults so old records keep decoding.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "AuthorisedUser",
    "ServiceRecord",
    "TokenRecord",
    "UserRecord",
]

TOKEN_PERMANENT = 0
TOKEN_EMBEDDED = 1


class UserRecord(msgspec.Struct, omit_defaults=True):
    id: int
    username: str
    #: argon2id hash ("" for accounts that cannot log in with a password).
    password: str = ""
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    #: Moodle auth plugin: ``manual``, ``nologin``, ``webservice`` ...
    auth: str = "manual"
    confirmed: bool = True
    suspended: bool = False
    deleted: bool = False
    siteadmin: bool = False
    lang: str = "en"
    timezone: str = "99"
    city: str = ""
    country: str = ""
    description: str = ""
    idnumber: str = ""
    timecreated: int = 0
    timemodified: int = 0

    @property
    def fullname(self) -> str:
        return f"{self.firstname} {self.lastname}".strip() or self.username


class ServiceRecord(msgspec.Struct, omit_defaults=True):
    id: int
    name: str
    shortname: str
    enabled: bool = True
    #: Only users listed as authorised users may use a restricted service.
    restrictedusers: bool = False
    requiredcapability: str = ""
    #: Component that declared it ("" = created by an administrator; plugins cannot add
    #: functions to those).
    component: str = ""
    downloadfiles: bool = False
    uploadfiles: bool = False
    timecreated: int = 0
    timemodified: int = 0


class AuthorisedUser(msgspec.Struct, omit_defaults=True):
    """A user allowed to use a restricted service (Moodle's external_services_users)."""

    userid: int
    iprestriction: str = ""
    validuntil: int = 0
    timecreated: int = 0


class TokenRecord(msgspec.Struct, omit_defaults=True):
    """A token. Its value is never stored: ``hash`` finds it, ``nonce`` lets auth (which holds
    the site secret) re-derive the value to hand it out again."""

    id: int
    hash: str
    nonce: str
    userid: int
    serviceid: int
    tokentype: int = TOKEN_PERMANENT
    #: Browser session an embedded token belongs to.
    sid: str = ""
    contextid: int = 1
    creatorid: int = 0
    iprestriction: str = ""
    #: UNIX time; 0 = never expires.
    validuntil: int = 0
    timecreated: int = 0
    name: str = ""
    has_private: bool = True
