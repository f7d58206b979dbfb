"""``local_greetings``: the worked example of the plugin author guide (docs/plugin-guide.md).

Load it into a worker with ``WS_PLUGINS=services.functions.plugins.core,examples.local_greetings``.
"""

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin, ServiceDef
from shared.errors import WSError
from shared.external import (
    PARAM_ALPHA,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_TEXT,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
    ExternalWarnings,
)

__all__ = ["plugin"]

plugin = Plugin("local_greetings", version="2026112500")

# A built-in service of the plugin's own: installing the plugin creates it, and each function
# below that names it in `services=` joins it.
plugin.service(ServiceDef(shortname="local_greetings", name="Greetings service"))

GREETINGS = {"en": "Hello", "fr": "Bonjour", "de": "Hallo", "es": "Hola"}


@plugin.function(
    description="Greets each person in the language asked for.",
    parameters=ExternalFunctionParameters(
        {
            "people": ExternalMultipleStructure(
                ExternalSingleStructure(
                    {
                        "firstname": ExternalValue(PARAM_TEXT, "First name"),
                        "lastname": ExternalValue(PARAM_TEXT, "Last name", VALUE_OPTIONAL),
                    }
                ),
                "People to greet",
            ),
            "lang": ExternalValue(PARAM_ALPHA, "Language code", VALUE_DEFAULT, "en"),
            "shout": ExternalValue(PARAM_BOOL, "Upper-case the greeting", VALUE_DEFAULT, False),
        }
    ),
    returns=ExternalSingleStructure(
        {
            "greetings": ExternalMultipleStructure(
                ExternalSingleStructure(
                    {
                        "name": ExternalValue(PARAM_TEXT, "Full name"),
                        "message": ExternalValue(PARAM_TEXT, "The greeting"),
                    }
                )
            ),
            "count": ExternalValue(PARAM_INT, "How many people were greeted"),
            "warnings": ExternalWarnings(),
        }
    ),
    ajax=True,
    services=["local_greetings"],
)
async def say_hello(
    ctx: CallContext, people: list[dict[str, Any]], lang: str, shout: bool
) -> dict[str, Any]:
    del ctx  # this function needs nothing about its caller
    warnings = []
    word = GREETINGS.get(lang)
    if word is None:
        warnings.append(
            {"item": "lang", "warningcode": "unknownlang", "message": f"No greeting for {lang}"}
        )
        word = GREETINGS["en"]
    greetings = []
    for person in people:
        name = " ".join(filter(None, [person["firstname"], person.get("lastname")]))
        message = f"{word}, {name}!"
        greetings.append({"name": name, "message": message.upper() if shout else message})
    return {"greetings": greetings, "count": len(greetings), "warnings": warnings}


@plugin.function(
    description="Greets the calling user by their full name.",
    parameters=ExternalFunctionParameters({}),
    returns=ExternalSingleStructure({"message": ExternalValue(PARAM_TEXT, "The greeting")}),
    services=["local_greetings"],
)
async def greet_me(ctx: CallContext) -> dict[str, str]:
    user = await ctx.store.get_user(ctx.caller.userid)
    if user is None:
        raise WSError("invaliduser", "Invalid user")
    return {"message": f"Hello, {user.fullname}!"}
