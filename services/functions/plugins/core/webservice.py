"""``core_webservice``: site information, the first call every client makes."""

from __future__ import annotations

import secrets
from typing import Any

from services.functions.api import CallContext, Plugin, ServiceDef
from services.functions.plugins.core.version import MOODLE_RELEASE, MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.contexts import CONTEXT_SYSTEM
from shared.errors import WSError
from shared.external import (
    PARAM_ALPHANUM,
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_LANG,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_TEXT,
    PARAM_THEME,
    PARAM_URL,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)

__all__ = ["plugin"]

plugin = Plugin("core_webservice", version=MOODLE_VERSION)
plugin.service(
    ServiceDef(
        shortname=MOBILE_SERVICE,
        name="Moodle mobile web service",
        downloadfiles=True,
        uploadfiles=True,
    )
)

#: Site-wide defaults reported to clients; an administrator can override them in the site
#: configuration hash (``wsadmin`` / later the admin console).
DEFAULT_CONFIG = {
    "sitename": "Moodle WS",
    "lang": "en",
    "theme": "boost",
    "calendartype": "gregorian",
    "maxbytes": str(100 * 1024 * 1024),
    "userquota": str(100 * 1024 * 1024),
}

ADVANCED_FEATURES = (
    "usecomments",
    "usetags",
    "enablenotes",
    "messaging",
    "enableblogs",
    "enablecompletion",
    "enablebadges",
    "messagingallusers",
    "enablecustomreports",
    "enablecompetencies",
    "mnet_dispatcher_mode",
    "enableglobalsearch",
)

_OPT = VALUE_OPTIONAL

SITE_INFO_RETURNS = ExternalSingleStructure(
    {
        "sitename": ExternalValue(PARAM_RAW, "site name"),
        "username": ExternalValue(PARAM_RAW, "username"),
        "firstname": ExternalValue(PARAM_TEXT, "first name"),
        "lastname": ExternalValue(PARAM_TEXT, "last name"),
        "fullname": ExternalValue(PARAM_TEXT, "user full name"),
        "lang": ExternalValue(PARAM_LANG, "Current language."),
        "userid": ExternalValue(PARAM_INT, "user id"),
        "siteurl": ExternalValue(PARAM_RAW, "site url"),
        "userpictureurl": ExternalValue(PARAM_URL, "the user profile picture."),
        "functions": ExternalMultipleStructure(
            ExternalSingleStructure(
                {
                    "name": ExternalValue(PARAM_RAW, "function name"),
                    "version": ExternalValue(
                        PARAM_TEXT,
                        "The version number of the component to which the function belongs",
                    ),
                },
                "functions that are available",
            )
        ),
        "downloadfiles": ExternalValue(
            PARAM_INT, "1 if users are allowed to download files, 0 if not", _OPT
        ),
        "uploadfiles": ExternalValue(
            PARAM_INT, "1 if users are allowed to upload files, 0 if not", _OPT
        ),
        "release": ExternalValue(PARAM_TEXT, "Moodle release number", _OPT),
        "version": ExternalValue(PARAM_TEXT, "Moodle version number", _OPT),
        "mobilecssurl": ExternalValue(PARAM_URL, "Mobile custom CSS theme", _OPT),
        "advancedfeatures": ExternalMultipleStructure(
            ExternalSingleStructure(
                {
                    "name": ExternalValue(PARAM_ALPHANUMEXT, "feature name"),
                    "value": ExternalValue(PARAM_INT, "feature value. Usually 1 means enabled."),
                },
                "Advanced features availability",
            ),
            "Advanced features availability",
            _OPT,
        ),
        "usercanmanageownfiles": ExternalValue(
            PARAM_BOOL, "true if the user can manage his own files", _OPT
        ),
        "userquota": ExternalValue(
            PARAM_INT, "user quota (bytes). 0 means user can ignore the quota", _OPT
        ),
        "usermaxuploadfilesize": ExternalValue(
            PARAM_INT,
            "user max upload file size (bytes). -1 means the user can ignore the upload file size",
            _OPT,
        ),
        "userhomepage": ExternalValue(
            PARAM_INT,
            "the default home page for the user: 0 for the site home, 1 for dashboard",
            _OPT,
        ),
        "userprivateaccesskey": ExternalValue(
            PARAM_ALPHANUM, "Private user access key for fetching files.", _OPT
        ),
        "siteid": ExternalValue(PARAM_INT, "Site course ID", _OPT),
        "sitecalendartype": ExternalValue(PARAM_PLUGIN, "Calendar type set in the site.", _OPT),
        "usercalendartype": ExternalValue(PARAM_PLUGIN, "Calendar typed used by the user.", _OPT),
        "userissiteadmin": ExternalValue(
            PARAM_BOOL, "Whether the user is a site admin or not.", _OPT
        ),
        "theme": ExternalValue(PARAM_THEME, "Current theme for the user.", _OPT),
        "limitconcurrentlogins": ExternalValue(
            PARAM_INT, "Number of concurrent sessions allowed", _OPT
        ),
        "usersessionscount": ExternalValue(
            PARAM_INT, "Number of active sessions for current user.", _OPT
        ),
        "policyagreed": ExternalValue(PARAM_INT, "Whether user accepted all the policies.", _OPT),
    }
)


def _feature(config: dict[str, str], name: str, default_on: bool) -> int:
    """An advanced feature's 0/1; mnet_dispatcher_mode is a word (1 when ``strict``)."""
    value = config.get(name, "1" if default_on else "0")
    if name == "mnet_dispatcher_mode":
        return int(value == "strict")
    return int(value) if value.lstrip("-").isdigit() else 0


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "serviceshortnames": ExternalMultipleStructure(
                ExternalValue(PARAM_ALPHANUMEXT, "service shortname"),
                "DEPRECATED PARAMETER - it was a design error in the original implementation. "
                "It is ignored now. (parameter kept for backward compatibility)",
                VALUE_DEFAULT,
                [],
            ),
        }
    ),
    returns=SITE_INFO_RETURNS,
    description="Return some site info / user info / list web service functions",
    # Not AJAX-enabled in Moodle: browser code gets servicenotavailable for it and clients
    # (the app's "is this a web-service session" probe) rely on that.
    ajax=False,
    services=[MOBILE_SERVICE],
)
async def get_site_info(ctx: CallContext, serviceshortnames: list[str]) -> dict[str, Any]:
    del serviceshortnames  # ignored since Moodle 2.x, kept for clients that still send it
    store = ctx.store
    user = await store.get_user(ctx.caller.userid)
    if user is None:
        raise WSError("invaliduser", "Invalid user")
    config = DEFAULT_CONFIG | await store.get_config()
    info: dict[str, Any] = {
        "sitename": config["sitename"],
        "username": user.username,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "fullname": user.fullname,
        "lang": user.lang or config["lang"],
        "userid": user.id,
        "siteurl": ctx.wwwroot,
        "userpictureurl": f"{ctx.wwwroot}/theme/image.php/{config['theme']}/core/1/u/f1",
        "functions": [],
    }
    if ctx.caller.serviceid:
        # Only WS calls know their service (AJAX has none): functions, flags and versions.
        service = await store.get_service(ctx.caller.serviceid)
        names = await store.service_functions(ctx.caller.serviceid)
        catalog = await store.get_catalog()
        info["functions"] = [
            {"name": name, "version": catalog[name].version or MOODLE_VERSION}
            for name in sorted(names)
            if name in catalog  # functions of missing plugins are skipped, as in Moodle
        ]
        info["downloadfiles"] = int(bool(service and service.downloadfiles))
        info["uploadfiles"] = int(bool(service and service.uploadfiles))
        info["release"] = MOODLE_RELEASE
        info["version"] = MOODLE_VERSION
    enabled = {"usetags", "messaging", "enablecompletion", "enablebadges", "usecomments"}
    key = await store.user_private_key(user.id, secrets.token_hex(16))
    system = await ctx.contexts.ensure(CONTEXT_SYSTEM, 0)
    canmanagefiles = await ctx.roles.has_capability(
        user.id, "moodle/user:manageownfiles", system, siteadmin=user.siteadmin
    )
    homepage = int(config.get("defaulthomepage", "1"))
    info.update(
        {
            "mobilecssurl": config.get("mobilecssurl", ""),
            "advancedfeatures": [
                {"name": name, "value": _feature(config, name, name in enabled)}
                for name in ADVANCED_FEATURES
            ],
            "usercanmanageownfiles": canmanagefiles,
            "userquota": 0 if user.siteadmin else int(config["userquota"]),
            # -1: no limit for those who may ignore it (Moodle: site administrators).
            "usermaxuploadfilesize": -1 if user.siteadmin else int(config["maxbytes"]),
            "userhomepage": homepage,
            "userprivateaccesskey": key,
            "siteid": 1,
            "sitecalendartype": config["calendartype"],
            "usercalendartype": config["calendartype"],
            "userissiteadmin": user.siteadmin,
            "theme": config["theme"],
            "limitconcurrentlogins": int(config.get("limitconcurrentlogins", "0")),
            "policyagreed": 1,
        }
    )
    return info
