"""Who may do what at login: capabilities from roles (shared.roles), Moodle's token rules.

Everything token.php asks ("may this user ...") goes through this module. Capabilities are
checked in the system context, as Moodle does for login: a role assigned there, or the
authenticated-user role every user holds; site administrators hold every capability.
"""

from __future__ import annotations

from shared.constants import MOBILE_SERVICE
from shared.contexts import SYSTEM
from shared.records import ServiceRecord, UserRecord
from shared.roles import RoleStore

__all__ = ["Policy"]


class Policy:
    def __init__(self, roles: RoleStore) -> None:
        self.roles = roles

    async def has_capability(self, user: UserRecord, capability: str) -> bool:
        """Whether ``user`` holds ``capability`` in the system context."""
        return await self.roles.has_capability(
            user.id, capability, SYSTEM, siteadmin=user.siteadmin
        )

    async def may_create_token(self, user: UserRecord, service: ServiceRecord) -> bool:
        """Whether token.php may create a token for ``user`` on ``service`` (none to reuse).

        Moodle's rule: the mobile service needs ``moodle/webservice:createmobiletoken``; any
        other service needs ``moodle/webservice:createtoken`` *and* the user must not be a site
        admin, so admin credentials typed into a script never mint long-lived admin tokens.
        """
        if service.shortname == MOBILE_SERVICE and await self.has_capability(
            user, "moodle/webservice:createmobiletoken"
        ):
            return True
        return not user.siteadmin and await self.has_capability(
            user, "moodle/webservice:createtoken"
        )

    async def may_see_private_token(self, user: UserRecord) -> bool:
        """Private tokens (autologin, QR login) never go to users who can configure the site."""
        return not await self.has_capability(user, "moodle/site:config")
