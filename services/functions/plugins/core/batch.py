"""``tool_mobile_call_external_functions``: several calls in one request (reference §6.1).

Declared here so the function is in the catalog, the mobile service and the docs. The gateway
runs it (``services/gateway/batch.py``): each sub-call needs the gateway's access checks and its
dispatcher, so a worker never receives this function; if one does, it refuses.
"""

from __future__ import annotations

from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.errors import CodingException
from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_LANG,
    PARAM_RAW,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)

__all__ = ["BATCH_FUNCTION", "plugin"]

BATCH_FUNCTION = "tool_mobile_call_external_functions"

plugin = Plugin("tool_mobile", version=MOODLE_VERSION)


@plugin.function(
    name=BATCH_FUNCTION,
    parameters=ExternalFunctionParameters(
        {
            "requests": ExternalMultipleStructure(
                ExternalSingleStructure(
                    {
                        "function": ExternalValue(PARAM_ALPHANUMEXT, "Function name"),
                        "arguments": ExternalValue(
                            PARAM_RAW,
                            "JSON-encoded object with named arguments",
                            VALUE_DEFAULT,
                            "{}",
                        ),
                        "settingraw": ExternalValue(
                            PARAM_BOOL, "Return raw text", VALUE_DEFAULT, False
                        ),
                        "settingfilter": ExternalValue(
                            PARAM_BOOL, "Filter text", VALUE_DEFAULT, False
                        ),
                        "settingfileurl": ExternalValue(
                            PARAM_BOOL, "Rewrite plugin file URLs", VALUE_DEFAULT, True
                        ),
                        "settinglang": ExternalValue(
                            PARAM_LANG, "Session language", VALUE_DEFAULT, ""
                        ),
                    }
                )
            )
        }
    ),
    returns=ExternalSingleStructure(
        {
            "responses": ExternalMultipleStructure(
                ExternalSingleStructure(
                    {
                        "error": ExternalValue(PARAM_BOOL, "Whether an exception was thrown."),
                        "data": ExternalValue(
                            PARAM_RAW, "JSON-encoded response data", VALUE_OPTIONAL
                        ),
                        "exception": ExternalValue(
                            PARAM_RAW, "JSON-encoed exception info", VALUE_OPTIONAL
                        ),
                    }
                )
            )
        }
    ),
    description="Call multiple external functions and return all responses.",
    services=[MOBILE_SERVICE],
)
async def call_external_functions(ctx: CallContext, requests: list[dict[str, Any]]) -> None:
    del ctx, requests
    raise CodingException("tool_mobile_call_external_functions is executed by the gateway")
