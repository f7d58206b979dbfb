"""``/webservice/rest/server.php``: Moodle's REST protocol, JSON and XML."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.forms import FormError
from services.gateway.render import rest_error, rest_result
from services.gateway.state import GatewayState, request_params
from services.gateway.tokencalls import call_with_token
from shared.errors import InvalidParameterException, WSError
from shared.wire import CallSettings

__all__ = ["handle_rest", "lenient_bool"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def lenient_bool(value: Any, default: bool) -> bool:
    """``moodlewssetting*`` switches are cleaned like PARAM_BOOL in optional_param: lenient."""
    if not isinstance(value, str):
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    # PARAM_BOOL's clean(): any other non-empty string is true.
    return lowered not in _FALSE


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


_DEFAULT_SETTINGS = CallSettings()
_SETTING_KEYS = (
    "moodlewssettingraw",
    "moodlewssettingfileurl",
    "moodlewssettingfilter",
    "moodlewssettinglang",
    "moodlewssettingtimezone",
)


def call_settings(params: dict[str, Any]) -> CallSettings:
    if not any(key in params for key in _SETTING_KEYS):
        return _DEFAULT_SETTINGS  # the common case: no switch sent, nothing to clean
    return CallSettings(
        raw=lenient_bool(params.pop("moodlewssettingraw", None), False),
        fileurl=lenient_bool(params.pop("moodlewssettingfileurl", None), True),
        filter=lenient_bool(params.pop("moodlewssettingfilter", None), False),
        lang=_text(params.pop("moodlewssettinglang", "")),
        timezone=_text(params.pop("moodlewssettingtimezone", "")),
    )


async def handle_rest(request: web.Request) -> web.Response:
    state = request.app[GatewayState.KEY]
    # The format is read first so that every later error honours it.
    fmt = "json" if request.query.get("moodlewsrestformat") == "json" else "xml"
    try:
        params = await request_params(request, state)
        fmt = "json" if params.pop("moodlewsrestformat", None) == "json" else "xml"
        token = _text(params.pop("wstoken", ""))
        name = _text(params.pop("wsfunction", ""))
        settings = call_settings(params)
        for key in [k for k in params if k.startswith("moodlewssetting")]:
            del params[key]

        async def arguments() -> dict[str, Any]:
            return params

        function, result = await call_with_token(
            request, token, name, arguments, settings, protocol="rest"
        )
        return rest_result(result, function.returns, fmt)
    except FormError as exc:
        err: WSError = InvalidParameterException(str(exc), developer=state.developer)
        return rest_error(err.info(), fmt, show_debuginfo=state.show_debuginfo)
    except WSError as exc:
        return rest_error(exc.info(), fmt, show_debuginfo=state.show_debuginfo)
