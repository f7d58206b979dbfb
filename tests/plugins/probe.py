"""``local_probe``: functions that exist only to test the platform's own behaviour.

Loaded by the end-to-end stacks (WS_PLUGINS) next to the core plugin; never in production.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from services.functions.api import CallContext, Plugin, ServiceDef
from shared.external import (
    PARAM_BOOL,
    PARAM_FLOAT,
    PARAM_INT,
    PARAM_RAW,
    PARAM_TEXT,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)

__all__ = ["plugin"]

plugin = Plugin("local_probe", version="2026112500")
plugin.service(ServiceDef(shortname="local_probe", name="Probe service"))

_NONE = ExternalFunctionParameters({})


@plugin.function(
    parameters=_NONE,
    returns=ExternalSingleStructure(
        {
            "raw": ExternalValue(PARAM_BOOL, "raw"),
            "fileurl": ExternalValue(PARAM_BOOL, "fileurl"),
            "filter": ExternalValue(PARAM_BOOL, "filter"),
            "lang": ExternalValue(PARAM_TEXT, "lang"),
            "timezone": ExternalValue(PARAM_RAW, "timezone"),
            "protocol": ExternalValue(PARAM_TEXT, "protocol"),
            "userid": ExternalValue(PARAM_INT, "caller"),
        }
    ),
    services=["local_probe"],
)
async def echo_settings(ctx: CallContext) -> dict[str, Any]:
    s = ctx.settings
    return {
        "raw": s.raw,
        "fileurl": s.fileurl,
        "filter": s.filter,
        "lang": s.lang,
        "timezone": s.timezone,
        "protocol": ctx.caller.protocol,
        "userid": ctx.caller.userid,
    }


@plugin.function(
    parameters=_NONE,
    returns=ExternalSingleStructure({"id": ExternalValue(PARAM_INT, "an int")}),
    services=["local_probe"],
)
async def bad_return(ctx: CallContext) -> dict[str, Any]:
    del ctx
    return {"id": "not a number"}


@plugin.function(parameters=_NONE, returns=None, services=["local_probe"])
async def void(ctx: CallContext) -> None:
    del ctx


@plugin.function(
    parameters=_NONE,
    returns=ExternalSingleStructure(
        {
            "optional": ExternalValue(PARAM_INT, "absent", VALUE_OPTIONAL),
            "list": ExternalMultipleStructure(
                ExternalValue(PARAM_INT, "n"), "absent", VALUE_OPTIONAL
            ),
        }
    ),
    services=["local_probe"],
)
async def empty_structure(ctx: CallContext) -> dict[str, Any]:
    del ctx
    return {"unexpected": 1}


@plugin.function(
    parameters=_NONE,
    returns=ExternalSingleStructure({"x": ExternalValue(PARAM_FLOAT, "a float")}),
    services=["local_probe"],
)
async def floats(ctx: CallContext) -> dict[str, Any]:
    del ctx
    return {"x": 2}


@plugin.function(parameters=_NONE, returns=None, services=["local_probe"])
async def fail(ctx: CallContext) -> None:
    del ctx
    raise RuntimeError("secret internal detail")


@plugin.function(
    parameters=ExternalFunctionParameters(
        {"seconds": ExternalValue(PARAM_FLOAT, "how long", VALUE_DEFAULT, 1.0)}
    ),
    returns=ExternalSingleStructure({"slept": ExternalValue(PARAM_FLOAT, "seconds")}),
    services=["local_probe"],
)
async def sleep(ctx: CallContext, seconds: float) -> dict[str, float]:
    del ctx
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "key": ExternalValue(PARAM_TEXT, "counter name"),
            "seconds": ExternalValue(PARAM_FLOAT, "sleep before counting", VALUE_DEFAULT, 0.0),
        }
    ),
    returns=ExternalSingleStructure({"count": ExternalValue(PARAM_INT, "executions so far")}),
    type="write",
    services=["local_probe"],
)
async def count(ctx: CallContext, key: str, seconds: float) -> dict[str, int]:
    """A write function: counts its own executions (to prove writes never run twice)."""
    if seconds:
        await asyncio.sleep(seconds)
    value = await ctx.redis.incr(ctx.names.key("probe", "count", key))
    return {"count": int(value)}


@plugin.function(
    parameters=ExternalFunctionParameters(
        {"seconds": ExternalValue(PARAM_FLOAT, "how long to block", VALUE_DEFAULT, 1.0)}
    ),
    returns=ExternalSingleStructure({"blocked": ExternalValue(PARAM_FLOAT, "seconds")}),
    services=["local_probe"],
)
async def block(ctx: CallContext, seconds: float) -> dict[str, float]:
    """Misbehaving plugin code: blocks its event loop (what ``run_blocking`` is for)."""
    del ctx
    time.sleep(seconds)  # noqa: ASYNC251  (deliberately blocking)
    return {"blocked": seconds}
