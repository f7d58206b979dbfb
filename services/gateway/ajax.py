"""``/lib/ajax/service.php`` and ``/lib/ajax/service-nologin.php``: Moodle's AJAX protocol (§4.3).

The body (or ``args`` on a no-login GET) is a JSON array of ``{index, methodname, args}``;
arguments keep their JSON types, so JSON booleans are valid PARAM_BOOL values. Each call goes
through the shared :class:`~services.gateway.dispatch.Dispatcher` as the session's user, with
AJAX's forced settings (``pluginfile.php`` URLs, filters on, never raw).

``service.php`` with a live ``MoodleSession`` cookie stops at the first error; without a
session it serves only functions declared ``loginrequired=False`` (clients call
``tool_mobile_get_public_config`` that way before logging in). ``service-nologin.php``
ignores cookies, continues after errors, and lets caches keep a GET answer that names a
``cachekey``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from services.gateway.access import ACCESS
from services.gateway.files import FILE_SERVICES
from services.gateway.observe import error_rendered
from services.gateway.rest import lenient_bool
from services.gateway.state import GatewayState
from shared.errors import CodingException, MissingRecordException, WSError
from shared.external import PARAM_ALPHANUMEXT, clean_param
from shared.records import UserRecord
from shared.sessions import SessionRecord
from shared.wire import Caller, CallSettings

__all__ = ["AJAX_SETTINGS", "SESSION_COOKIE", "handle_service", "handle_service_nologin"]

SESSION_COOKIE = "MoodleSession"
#: Settings Moodle forces for AJAX calls.
AJAX_SETTINGS = CallSettings(raw=False, fileurl=True, filter=True, file="pluginfile.php")
#: cachekey answers may be cached this long (Moodle: 90 days, immutable).
_CACHE_SECONDS = 90 * 24 * 3600
_DOCS = "https://docs.moodle.org/405/en/error"
#: Error codes whose strings live in Moodle's webservice language file (for moreinfourl).
_WEBSERVICE_CODES = frozenset(
    {"servicenotavailable", "servicerequireslogin", "accessexception", "invalidtoken"}
)
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True, slots=True)
class _Call:
    index: int
    methodname: str
    args: Any


@dataclass(frozen=True, slots=True)
class _Session:
    """Who the request runs as: a logged-in session, or nobody."""

    record: SessionRecord | None
    userid: int = 0
    username: str = ""
    user: UserRecord | None = None


def service_not_available() -> WSError:
    return WSError(
        "servicenotavailable",
        "Web service is not available (it doesn't exist or might be disabled)",
    )


def requires_login() -> WSError:
    return WSError("servicerequireslogin", "Web service function requires login")


def invalid_sesskey() -> WSError:
    return WSError("invalidsesskey", "Incorrect sesskey submitted, form not accepted!")


def error_entry(err: WSError, *, developer: bool) -> dict[str, Any]:
    """The per-call error shape: ``a`` dropped, debuginfo only for developers."""
    module = "webservice" if err.errorcode in _WEBSERVICE_CODES else "moodle"
    suffix = error_rendered(err.errorcode)
    exception: dict[str, Any] = {
        "message": err.message,
        "errorcode": err.errorcode,
        "link": "",
        "moreinfourl": f"{_DOCS}/{module}/{err.errorcode}",
    }
    if developer:
        exception["debuginfo"] = (err.debuginfo or "") + f"\nError code: {err.errorcode}{suffix}"
        exception["backtrace"] = ""
    return {"error": True, "exception": exception}


def fatal_response(err: WSError, *, developer: bool) -> web.Response:
    """A whole-request failure: Moodle's AJAX fatal-error body."""
    suffix = error_rendered(err.errorcode)
    body = {
        "error": err.message,
        "errorcode": err.errorcode,
        "stacktrace": None,
        "debuginfo": (err.debuginfo or "") + suffix if developer else None,
        "reproductionlink": None,
    }
    return web.Response(body=_encode(body), headers=_JSON_HEADERS)


def parse_calls(raw: bytes | str) -> list[_Call]:
    """The JSON array of calls; invalid JSON is a whole-request ``codingerror``."""
    try:
        value = _decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise CodingException(f"Invalid json in request: {exc}") from None
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise CodingException("Invalid json in request: an array of calls is expected")
    calls = []
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            raise CodingException("Invalid json in request: each call must be an object")
        try:
            index = int(item.get("index", position))
        except (TypeError, ValueError):
            index = 0
        methodname = str(clean_param(str(item.get("methodname", "")), PARAM_ALPHANUMEXT))
        calls.append(_Call(index, methodname, item.get("args", {})))
    return calls


def render(responses: dict[int, Any]) -> bytes:
    """An array when the indices are 0..n-1 in order (what PHP's json_encode does), else an
    object keyed by index."""
    if list(responses) == list(range(len(responses))):
        return _encode(list(responses.values()))
    return _encode({str(k): v for k, v in responses.items()})


async def _run_calls(
    request: web.Request,
    calls: list[_Call],
    session: _Session,
    *,
    nologin: bool,
) -> tuple[dict[int, Any], bool]:
    """Execute ``calls`` in order; returns (responses by index, whether any failed)."""
    state = request.app[GatewayState.KEY]
    developer = state.developer
    # An unknown function is a fatal error of the whole request, checked before running any.
    functions = []
    for call in calls:
        function = await state.catalog.get(call.methodname)
        if function is None:
            raise MissingRecordException("external_functions")
        functions.append(function)
    caller = Caller(
        userid=session.userid,
        username=session.username,
        serviceid=0,
        protocol="ajax",
        remoteaddr=request.remote or "",
    )
    responses: dict[int, Any] = {}
    failed = False
    for call, function in zip(calls, functions, strict=True):
        try:
            if not function.info.ajax:
                raise service_not_available()
            if function.info.loginrequired:
                if nologin or session.record is None or session.user is None:
                    raise requires_login()
                sesskey = request.query.get("sesskey", "")
                if not secrets.compare_digest(sesskey.encode(), session.record.sesskey.encode()):
                    raise invalid_sesskey()
                await request.app[ACCESS].authorise_session_call(
                    session.user, function, request.remote or ""
                )
            args = call.args if isinstance(call.args, dict) else {}
            data = await state.dispatcher.execute(
                function, args, caller, AJAX_SETTINGS, request_id=request.get("request_id", "")
            )
            responses[call.index] = {"error": False, "data": data}
        except WSError as err:
            responses[call.index] = error_entry(err, developer=developer)
            failed = True
            if not nologin:
                break  # a session request stops at its first error
    return responses, failed


async def _session(request: web.Request) -> _Session:
    sessions = request.app[FILE_SERVICES].sessions
    record = await sessions.get(request.cookies.get(SESSION_COOKIE, ""))
    if record is None:
        return _Session(None)
    # The cached user: suspending someone reaches every gateway within a second.
    user = await request.app[ACCESS].cache.user(record.userid)
    if user is None or user.deleted or user.suspended or user.auth == "nologin":
        return _Session(None)
    if not lenient_bool(request.query.get("nosessionupdate"), False):
        await sessions.touch(record)
    return _Session(record, user.id, user.username, user)


async def handle_service(request: web.Request) -> web.Response:
    """``POST /lib/ajax/service.php?sesskey=…&info=…[&nosessionupdate=true]``."""
    state = request.app[GatewayState.KEY]
    try:
        calls = parse_calls(await _body(request, state))
        session = await _session(request)
        responses, _failed = await _run_calls(request, calls, session, nologin=False)
    except WSError as err:
        return fatal_response(err, developer=state.developer)
    return web.Response(body=render(responses), headers=_JSON_HEADERS)


async def handle_service_nologin(request: web.Request) -> web.Response:
    """``/lib/ajax/service-nologin.php``: POST a body, or GET ``?args=…&cachekey=…``."""
    state = request.app[GatewayState.KEY]
    cachekey = 0
    try:
        if request.method == "GET":
            raw = request.query.get("args", "")
            try:
                cachekey = int(request.query.get("cachekey", "0"))
            except ValueError:
                cachekey = 0
        else:
            raw = (await _body(request, state)).decode("utf-8", errors="replace")
        calls = parse_calls(raw)
        responses, failed = await _run_calls(request, calls, _Session(None), nologin=True)
    except WSError as err:
        return fatal_response(err, developer=state.developer)
    headers = dict(_JSON_HEADERS)
    if request.method == "GET" and 0 < cachekey <= time.time() and not failed:
        headers["Expires"] = _http_date(time.time() + _CACHE_SECONDS)
        headers["Cache-Control"] = f"public, max-age={_CACHE_SECONDS}, immutable"
        headers["Pragma"] = ""
    else:
        headers["Cache-Control"] = "private, no-cache, no-store, must-revalidate"
    return web.Response(body=render(responses), headers=headers)


async def _body(request: web.Request, state: GatewayState) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise CodingException(
            f"Invalid json in request: body larger than {state.settings.max_body} bytes"
        ) from None


def _http_date(when: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when))
