"""A plugin for the protocol tests: JSON types through AJAX, login and no-login functions."""

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from shared.external import (
    PARAM_BOOL,
    PARAM_INT,
    PARAM_TEXT,
    VALUE_DEFAULT,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)

__all__ = ["plugin"]

plugin = Plugin("local_ajaxprobe", version="2026112500")

_ECHO_PARAMS = ExternalFunctionParameters(
    {
        "flag": ExternalValue(PARAM_BOOL, "a boolean"),
        "number": ExternalValue(PARAM_INT, "an integer", VALUE_DEFAULT, 7),
        "words": ExternalMultipleStructure(
            ExternalValue(PARAM_TEXT, "a word"), "words", VALUE_DEFAULT, []
        ),
    }
)
_ECHO_RETURNS = ExternalSingleStructure(
    {
        "flag": ExternalValue(PARAM_BOOL, "the boolean"),
        "number": ExternalValue(PARAM_INT, "the integer"),
        "words": ExternalMultipleStructure(ExternalValue(PARAM_TEXT, "a word")),
        "userid": ExternalValue(PARAM_INT, "the caller"),
        "protocol": ExternalValue(PARAM_TEXT, "the protocol"),
        "file": ExternalValue(PARAM_TEXT, "the file URL script"),
    }
)


async def _echo(ctx: CallContext, flag: bool, number: int, words: list[str]) -> dict[str, Any]:
    return {
        "flag": flag,
        "number": number,
        "words": words,
        "userid": ctx.caller.userid,
        "protocol": ctx.caller.protocol,
        "file": ctx.settings.file,
    }


@plugin.function(
    parameters=_ECHO_PARAMS, returns=_ECHO_RETURNS, description="Echo, logged in.", ajax=True
)
async def echo(ctx: CallContext, flag: bool, number: int, words: list[str]) -> dict[str, Any]:
    return await _echo(ctx, flag, number, words)


@plugin.function(
    parameters=_ECHO_PARAMS,
    returns=_ECHO_RETURNS,
    description="Echo, no login needed.",
    ajax=True,
    loginrequired=False,
)
async def public_echo(
    ctx: CallContext, flag: bool, number: int, words: list[str]
) -> dict[str, Any]:
    return await _echo(ctx, flag, number, words)


@plugin.function(
    parameters=_ECHO_PARAMS, returns=_ECHO_RETURNS, description="Not for AJAX (ajax=False)."
)
async def not_ajax(ctx: CallContext, flag: bool, number: int, words: list[str]) -> dict[str, Any]:
    return await _echo(ctx, flag, number, words)


@plugin.function(
    parameters=_ECHO_PARAMS,
    returns=_ECHO_RETURNS,
    description="Echo for site configurators only (a declared capability).",
    ajax=True,
    capabilities=["moodle/site:config"],
)
async def config_echo(
    ctx: CallContext, flag: bool, number: int, words: list[str]
) -> dict[str, Any]:
    return await _echo(ctx, flag, number, words)
