"""``tool_mobile``: what the mobile app reads before logging in."""

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.errors import InvalidParameterException
from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_NOTAGS,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_TEXT,
    PARAM_URL,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
    ExternalWarnings,
)

__all__ = ["plugin"]

plugin = Plugin("tool_mobile", version=MOODLE_VERSION)

_OPT = VALUE_OPTIONAL

#: typeoflogin: 1 = log in inside the app (token.php), 2 = browser, 3 = embedded browser.
LOGIN_IN_APP = 1

PUBLIC_CONFIG_RETURNS = ExternalSingleStructure(
    {
        "wwwroot": ExternalValue(PARAM_RAW, "Site URL."),
        "httpswwwroot": ExternalValue(PARAM_RAW, "Site https URL (if httpslogin is enabled)."),
        "sitename": ExternalValue(PARAM_RAW, "Site name."),
        "guestlogin": ExternalValue(PARAM_INT, "Whether guest login is enabled."),
        "rememberusername": ExternalValue(
            PARAM_INT, "Values: 0 for No, 1 for Yes, 2 for optional."
        ),
        "authloginviaemail": ExternalValue(PARAM_INT, "Whether log in via email is enabled."),
        "registerauth": ExternalValue(PARAM_PLUGIN, "Authentication method for user registration."),
        "forgottenpasswordurl": ExternalValue(PARAM_URL, "Forgotten password URL."),
        "authinstructions": ExternalValue(PARAM_RAW, "Authentication instructions."),
        "authnoneenabled": ExternalValue(PARAM_INT, "Whether auth none is enabled."),
        "enablewebservices": ExternalValue(PARAM_INT, "Whether Web Services are enabled."),
        "enablemobilewebservice": ExternalValue(
            PARAM_INT, "Whether the Mobile service is enabled."
        ),
        "maintenanceenabled": ExternalValue(PARAM_INT, "Whether site maintenance is enabled."),
        "maintenancemessage": ExternalValue(PARAM_RAW, "Maintenance message."),
        "logourl": ExternalValue(PARAM_URL, "The site logo URL", _OPT),
        "compactlogourl": ExternalValue(PARAM_URL, "The site compact logo URL", _OPT),
        "typeoflogin": ExternalValue(
            PARAM_INT, "The type of login. 1 for app, 2 for browser, 3 for embedded."
        ),
        "launchurl": ExternalValue(PARAM_URL, "SSO login launch URL.", _OPT),
        "mobilecssurl": ExternalValue(PARAM_URL, "Mobile custom CSS theme", _OPT),
        "tool_mobile_disabledfeatures": ExternalValue(
            PARAM_RAW, "Disabled features in the app", _OPT
        ),
        "identityproviders": ExternalMultipleStructure(
            ExternalSingleStructure(
                {
                    "name": ExternalValue(PARAM_TEXT, "The identity provider name."),
                    "iconurl": ExternalValue(PARAM_URL, "The icon URL for the provider."),
                    "url": ExternalValue(PARAM_URL, "The URL of the provider."),
                }
            ),
            "Identity providers",
            _OPT,
        ),
        "country": ExternalValue(PARAM_NOTAGS, "Default site country", _OPT),
        "agedigitalconsentverification": ExternalValue(
            PARAM_BOOL, "Whether age digital consent verification is enabled.", _OPT
        ),
        "supportname": ExternalValue(PARAM_NOTAGS, "Site support contact name", _OPT),
        "supportemail": ExternalValue(PARAM_RAW, "Site support contact email", _OPT),
        "supportpage": ExternalValue(PARAM_URL, "Site support page link.", _OPT),
        "autolang": ExternalValue(
            PARAM_INT, "Whether to detect default language from browser setting.", _OPT
        ),
        "lang": ExternalValue(PARAM_RAW, "Default language for the site.", _OPT),
        "langmenu": ExternalValue(
            PARAM_INT, "Whether the language menu should be displayed.", _OPT
        ),
        "langlist": ExternalValue(PARAM_RAW, "Languages on language menu.", _OPT),
        "locale": ExternalValue(PARAM_RAW, "Sitewide locale.", _OPT),
        "tool_mobile_minimumversion": ExternalValue(
            PARAM_NOTAGS, "Minimum required version to access.", _OPT
        ),
        "tool_mobile_iosappid": ExternalValue(PARAM_RAW, "iOS app's unique identifier.", _OPT),
        "tool_mobile_androidappid": ExternalValue(
            PARAM_RAW, "Android app's unique identifier.", _OPT
        ),
        "tool_mobile_setuplink": ExternalValue(PARAM_URL, "App download page.", _OPT),
        "tool_mobile_qrcodetype": ExternalValue(PARAM_INT, "QR login configuration.", _OPT),
        "warnings": ExternalWarnings(),
    }
)


@plugin.function(
    parameters=ExternalFunctionParameters({}),
    returns=PUBLIC_CONFIG_RETURNS,
    description="Returns a list of the site public settings, those not requiring authentication.",
    ajax=True,
    loginrequired=False,
    services=["moodle_mobile_app"],
)
async def get_public_config(ctx: CallContext) -> dict[str, Any]:
    config = await ctx.store.get_config()
    wwwroot = ctx.wwwroot
    return {
        "wwwroot": wwwroot,
        "httpswwwroot": wwwroot,
        "sitename": config.get("sitename", "Moodle WS"),
        "guestlogin": 0,
        "rememberusername": 1,
        "authloginviaemail": 0,
        "registerauth": "",
        "forgottenpasswordurl": "",
        "authinstructions": "",
        "authnoneenabled": 0,
        "enablewebservices": int(config.get("enablewebservices", "1")),
        "enablemobilewebservice": int(config.get("enablemobilewebservice", "1")),
        "maintenanceenabled": int(config.get("maintenance_enabled", "0")),
        "maintenancemessage": config.get("maintenance_message", ""),
        "typeoflogin": LOGIN_IN_APP,
        "mobilecssurl": "",
        "tool_mobile_disabledfeatures": "",
        "identityproviders": [],
        "country": "",
        "agedigitalconsentverification": False,
        "supportname": "Admin User",
        "supportemail": "",
        "autolang": 1,
        "lang": config.get("lang", "en"),
        "langmenu": 1,
        "langlist": "",
        "locale": "en_AU.UTF-8",
        "tool_mobile_minimumversion": "",
        "tool_mobile_qrcodetype": 0,
        "warnings": [],
    }


#: Settings the app reads after login, by section (a subset of Moodle's list, same names).
CONFIG_SECTIONS: dict[str, tuple[str, ...]] = {
    "frontpagesettings": ("numsections", "newsitems"),
    "sitepolicies": ("sitepolicy", "sitepolicyguest"),
    "gradessettings": ("mygradesurl",),
    "mobileapp": (
        "tool_mobile_forcelogout",
        "tool_mobile_customlangstrings",
        "tool_mobile_disabledfeatures",
        "tool_mobile_custommenuitems",
        "tool_mobile_filetypeexclusionlist",
        "tool_mobile_autologinmintimebetweenreq",
    ),
    "calendar": (
        "calendartype",
        "calendar_site_timeformat",
        "calendar_startwday",
        "calendar_adminseesall",
        "calendar_lookahead",
        "calendar_maxevents",
    ),
    "coursecolors": ("core_admin_coursecolor1", "core_admin_coursecolor2"),
    "supportcontact": ("supportname", "supportemail", "supportpage"),
    "messaging": ("messaging", "messagingallusers", "messagingdefaultpressenter"),
}
CONFIG_DEFAULTS = {
    "sitename": "Moodle WS",
    "numsections": "1",
    "newsitems": "3",
    "sitepolicy": "",
    "sitepolicyguest": "",
    "mygradesurl": "/grade/report/mygrades.php",
    "tool_mobile_forcelogout": "0",
    "tool_mobile_customlangstrings": "",
    "tool_mobile_disabledfeatures": "",
    "tool_mobile_custommenuitems": "",
    "tool_mobile_filetypeexclusionlist": "",
    "tool_mobile_autologinmintimebetweenreq": "360",
    "calendartype": "gregorian",
    "calendar_site_timeformat": "0",
    "calendar_startwday": "1",
    "calendar_adminseesall": "0",
    "calendar_lookahead": "21",
    "calendar_maxevents": "10",
    "core_admin_coursecolor1": "#81ecec",
    "core_admin_coursecolor2": "#74b9ff",
    "supportname": "Admin User",
    "supportemail": "",
    "supportpage": "",
    "messaging": "1",
    "messagingallusers": "0",
    "messagingdefaultpressenter": "1",
}


@plugin.function(
    parameters=ExternalFunctionParameters(
        {"section": ExternalValue(PARAM_ALPHANUMEXT, "Settings section name.", VALUE_DEFAULT, "")}
    ),
    returns=ExternalSingleStructure(
        {
            "settings": ExternalMultipleStructure(
                ExternalSingleStructure(
                    {
                        "name": ExternalValue(PARAM_RAW, "The name of the setting"),
                        "value": ExternalValue(PARAM_RAW, "The value of the setting"),
                    }
                ),
                "Settings",
            ),
            "warnings": ExternalWarnings(),
        }
    ),
    description="Returns a list of site settings, filtering by section.",
    ajax=True,
    services=["moodle_mobile_app"],
)
async def get_config(ctx: CallContext, section: str) -> dict[str, Any]:
    if section and section not in CONFIG_SECTIONS:
        raise InvalidParameterException("Invalid section: " + section)
    config = CONFIG_DEFAULTS | await ctx.store.get_config()
    names = (
        CONFIG_SECTIONS[section]
        if section
        else ("sitename", *[n for ns in CONFIG_SECTIONS.values() for n in ns])
    )
    return {"settings": [{"name": n, "value": config.get(n, "")} for n in names], "warnings": []}
