"""Typed exceptions for every error a Moodle web service can answer.

The server reports an error as data (``errorcode``, ``message``, optional ``debuginfo``); the
client turns it into an exception chosen by ``errorcode`` from :data:`ERRORCODE_CLASSES`, so
callers catch what they can act on and still see the exact code. Unknown codes raise the base
class.

Exception tree::

    MoodleError             any error; .errorcode .message .debuginfo .exception .status
    ├── InvalidToken        invalidtoken, or an access exception for an expired token: log in again
    ├── InvalidParameter    invalidparameter: the arguments do not match the description
    ├── AccessDenied        accessexception, nopermissions, requireloginerror, ...
    ├── NotFound            invalidrecord (unknown function or record), HTTP 404 on files
    ├── ServerBusy          servicebusy, noworkers, brokerunavailable, sitemaintenance, ratelimited
    │   └── Timeout         calltimeout (server side) or clienttimeout (no answer in time)
    ├── LoginFailed         any error of login/token.php (invalidlogin, servicenotavailable, ...)
    └── TransportError      no Moodle answer at all: connection refused, HTTP error page, bad JSON
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ERRORCODE_CLASSES",
    "AccessDenied",
    "InvalidParameter",
    "InvalidToken",
    "LoginFailed",
    "MoodleError",
    "NotFound",
    "ServerBusy",
    "Timeout",
    "TransportError",
    "error_class",
    "error_from_body",
]


class MoodleError(Exception):
    """An error answered by the site (or met on the way to it).

    ``exception`` is Moodle's PHP class name when the server sent one; ``status`` is the HTTP
    status when it tells something (JSON API, file endpoints), else None.
    """

    def __init__(
        self,
        errorcode: str,
        message: str,
        debuginfo: str | None = None,
        *,
        exception: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(f"{errorcode}: {message}")
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo
        self.exception = exception
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.errorcode!r}, {self.message!r}, {self.debuginfo!r})"


class InvalidToken(MoodleError):
    """The token is unknown, revoked or expired: get a new one with ``login``."""


class InvalidParameter(MoodleError):
    """The arguments failed validation; ``debuginfo`` names the offending key."""


class AccessDenied(MoodleError):
    """The token's user or service may not do this."""


class NotFound(MoodleError):
    """The function, record or file does not exist."""


class ServerBusy(MoodleError):
    """The site cannot serve the call now; trying again later may work."""


class Timeout(ServerBusy):
    """No answer in time: from a worker (``calltimeout``) or from the site (``clienttimeout``)."""


class LoginFailed(MoodleError):
    """``login/token.php`` refused to hand out a token."""


class TransportError(MoodleError):
    """The site could not be reached or did not answer like a Moodle site.

    Its ``errorcode`` is the client's own: ``connectionfailed``, ``httperror`` or
    ``invalidjson``.
    """


#: The exception class raised for each errorcode; codes not listed raise MoodleError.
ERRORCODE_CLASSES: dict[str, type[MoodleError]] = {
    "invalidtoken": InvalidToken,
    "invalidparameter": InvalidParameter,
    "accessexception": AccessDenied,
    "nopermissions": AccessDenied,
    "requireloginerror": AccessDenied,
    "restrictedcontextexception": AccessDenied,
    "servicenotavailable": AccessDenied,
    "usernotallowed": AccessDenied,
    "wsaccessuserunconfirmed": AccessDenied,
    "invalidrecord": NotFound,
    "invalidrecordunknown": NotFound,
    "functionnotfound": NotFound,
    "servicebusy": ServerBusy,
    "noworkers": ServerBusy,
    "brokerunavailable": ServerBusy,
    "sitemaintenance": ServerBusy,
    "ratelimited": ServerBusy,
    "calltimeout": Timeout,
    "clienttimeout": Timeout,
    "invalidlogin": LoginFailed,
}

# Moodle reports an expired token as an access exception; its own mobile app treats that text
# as "log in again", and so does this client.
_EXPIRED_TOKEN = "Invalid token - token expired"  # noqa: S105  (a message, not a secret)


def error_class(
    errorcode: str, message: str = "", debuginfo: str | None = None
) -> type[MoodleError]:
    """The exception class for an error, by errorcode (and the expired-token special case)."""
    if errorcode == "accessexception" and (
        _EXPIRED_TOKEN in message or _EXPIRED_TOKEN in (debuginfo or "")
    ):
        return InvalidToken
    return ERRORCODE_CLASSES.get(errorcode, MoodleError)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def error_from_body(
    body: Mapping[str, Any],
    *,
    status: int | None = None,
    default: type[MoodleError] | None = None,
) -> MoodleError:
    """The exception for a Moodle error object, whichever endpoint's shape it has.

    REST and the JSON API send ``{exception, errorcode, message[, debuginfo]}``; token.php and
    upload.php send ``{error, errorcode, stacktrace, debuginfo, reproductionlink}``; batch
    items send ``{message, errorcode, link, moreinfourl[, debuginfo]}``. ``default``, when
    given, replaces the class the errorcode maps to (token.php errors are all LoginFailed).
    """
    errorcode = _text(body.get("errorcode")) or "unknownerror"
    message = _text(body.get("message")) or _text(body.get("error")) or errorcode
    debuginfo = _text(body.get("debuginfo"))
    cls = default or error_class(errorcode, message, debuginfo)
    return cls(errorcode, message, debuginfo, exception=_text(body.get("exception")), status=status)
