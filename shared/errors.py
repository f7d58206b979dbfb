"""One error model for every service.

An error is data: the Moodle exception class name, an ``errorcode``, a localized ``message`` and
an optional ``debuginfo``. It crosses the bus as :class:`ErrorInfo` and reaches clients in the
shape of whichever protocol they spoke (Moodle REST JSON/XML, token.php, the JSON API).

Exception tree::

    WSError                          moodle_exception (generic; any errorcode)
    ├── InvalidParameterException    invalid_parameter_exception / invalidparameter
    ├── InvalidResponseException     invalid_response_exception / invalidresponse
    ├── AccessException              webservice_access_exception / accessexception
    ├── MissingRecordException       dml_missing_record_exception / invalidrecord
    ├── RequiredCapabilityException  required_capability_exception / nopermissions
    ├── CodingException              coding_exception / codingerror
    └── PlatformError                errors of this platform, not of Moodle (bus, deadlines)
        ├── CallTimeout              calltimeout (504 on the JSON API)
        └── ServiceUnavailable       servicebusy / noworkers / brokerunavailable (503)

``HTTP_STATUS`` maps errorcodes to statuses for the JSON API; Moodle endpoints always answer 200.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

__all__ = [
    "HTTP_STATUS",
    "AccessException",
    "CallTimeout",
    "CodingException",
    "ErrorInfo",
    "InvalidParameterException",
    "InvalidResponseException",
    "MissingRecordException",
    "PlatformError",
    "RequiredCapabilityException",
    "ServiceUnavailable",
    "WSError",
    "http_status",
]


class ErrorInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    """An error as data: what travels over the bus and what renderers consume."""

    exception: str
    errorcode: str
    message: str
    debuginfo: str | None = None


class WSError(Exception):
    """A Moodle-shaped error. Subclasses fix the class name, code and message."""

    exception_class: ClassVar[str] = "moodle_exception"

    def __init__(self, errorcode: str, message: str, debuginfo: str | None = None) -> None:
        super().__init__(message)
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo

    def info(self) -> ErrorInfo:
        return ErrorInfo(self.exception_class, self.errorcode, self.message, self.debuginfo)

    @classmethod
    def from_info(cls, info: ErrorInfo) -> WSError:
        err = WSError(info.errorcode, info.message, info.debuginfo)
        err.exception_class = info.exception  # type: ignore[misc]  # per-instance override
        return err

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.errorcode!r}, {self.message!r}, {self.debuginfo!r})"


class InvalidParameterException(WSError):
    exception_class = "invalid_parameter_exception"
    MESSAGE: ClassVar[str] = "Invalid parameter value detected"

    def __init__(self, debuginfo: str | None = None, *, developer: bool = False) -> None:
        # Moodle appends the debuginfo to the message only in developer debugging mode.
        message = (
            self.MESSAGE
            if not developer or debuginfo is None
            else (f"{self.MESSAGE} ({debuginfo})")
        )
        super().__init__("invalidparameter", message, debuginfo)


class InvalidResponseException(WSError):
    exception_class = "invalid_response_exception"
    MESSAGE: ClassVar[str] = "Invalid response value detected"

    def __init__(self, debuginfo: str | None = None, *, developer: bool = False) -> None:
        message = (
            self.MESSAGE
            if not developer or debuginfo is None
            else (f"{self.MESSAGE} ({debuginfo})")
        )
        super().__init__("invalidresponse", message, debuginfo)


class AccessException(WSError):
    exception_class = "webservice_access_exception"

    def __init__(self, debuginfo: str | None = None) -> None:
        super().__init__("accessexception", "Access control exception", debuginfo)


class MissingRecordException(WSError):
    exception_class = "dml_missing_record_exception"

    def __init__(self, table: str, debuginfo: str | None = None) -> None:
        super().__init__(
            "invalidrecord", f"Can't find data record in database table {table}.", debuginfo
        )


class RequiredCapabilityException(WSError):
    exception_class = "required_capability_exception"

    def __init__(self, capability: str, debuginfo: str | None = None) -> None:
        super().__init__(
            "nopermissions",
            f"Sorry, but you do not currently have permissions to do that ({capability}).",
            debuginfo,
        )


class CodingException(WSError):
    exception_class = "coding_exception"

    def __init__(self, debuginfo: str | None = None) -> None:
        super().__init__(
            "codingerror", "Coding error detected, it must be fixed by a programmer", debuginfo
        )


class PlatformError(WSError):
    """Failures of the platform itself (bus, deadlines); Moodle has no equivalent class."""


class CallTimeout(PlatformError):
    def __init__(self, function: str, seconds: float) -> None:
        super().__init__(
            "calltimeout",
            "The call timed out",
            f"No reply from a worker for {function}() within {seconds:g} s",
        )


class ServiceUnavailable(PlatformError):
    def __init__(self, errorcode: str, message: str, debuginfo: str | None = None) -> None:
        super().__init__(errorcode, message, debuginfo)


#: JSON API status for each errorcode; anything absent is 400 (a client-side problem).
HTTP_STATUS: dict[str, int] = {
    "invalidtoken": 401,
    "invalidlogin": 401,
    "accessexception": 403,
    "nopermissions": 403,
    "servicenotavailable": 403,
    "usernotallowed": 403,
    "wsaccessuserunconfirmed": 403,
    "requireloginerror": 403,
    "restrictedcontextexception": 403,
    "invalidrecord": 404,
    "functionnotfound": 404,
    "alreadyrunning": 409,
    # A write call interrupted mid-way is not retried by us: the client must decide (409).
    "callinterrupted": 409,
    "ratelimited": 429,
    "sitemaintenance": 503,
    "servicebusy": 503,
    "noworkers": 503,
    "brokerunavailable": 503,
    "storeunavailable": 503,
    "calltimeout": 504,
    "invalidresponse": 502,
    "internalerror": 500,
}


def http_status(errorcode: str) -> int:
    return HTTP_STATUS.get(errorcode, 400)
