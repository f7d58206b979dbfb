"""Who may do what, until roles exist.

There is no capability model yet: site administrators hold every capability and other users
none. Everything that asks "may this user ..." goes through this module, so the roles work
replaces these functions and nothing else.
"""

from __future__ import annotations

from shared.constants import MOBILE_SERVICE
from shared.records import ServiceRecord, UserRecord

__all__ = ["has_capability", "may_create_token", "may_see_private_token"]


def has_capability(user: UserRecord, capability: str) -> bool:
    """Whether ``user`` holds ``capability`` in the system context."""
    del capability  # every capability is granted to admins alone until roles exist
    return user.siteadmin


def may_create_token(user: UserRecord, service: ServiceRecord) -> bool:
    """Whether token.php may create a token for ``user`` on ``service`` (none to reuse).

    Moodle's rule: the mobile service needs ``moodle/webservice:createmobiletoken`` (every
    authenticated user has it by default); any other service needs
    ``moodle/webservice:createtoken`` *and* the user must not be a site admin, so admin
    credentials typed into a script never mint long-lived admin tokens by themselves.
    """
    if service.shortname == MOBILE_SERVICE:
        return True
    return not user.siteadmin


def may_see_private_token(user: UserRecord) -> bool:
    """Private tokens (autologin, QR login) are never handed to users who can configure the site."""
    return not has_capability(user, "moodle/site:config")
