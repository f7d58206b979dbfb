"""A small typed client for Moodle-compatible web services (this project's or Moodle's).

:class:`MoodleClient` is async (aiohttp); :class:`SyncMoodleClient` wraps it for blocking
code; ``wscall`` (:mod:`wsclient.cli`) calls a function from a terminal. Errors are the
exceptions of :mod:`wsclient.errors`.
"""

from wsclient.client import DEFAULT_SERVICE, BatchResult, MoodleClient, Protocol
from wsclient.encoding import encode_form
from wsclient.errors import (
    AccessDenied,
    InvalidParameter,
    InvalidToken,
    LoginFailed,
    MoodleError,
    NotFound,
    ServerBusy,
    Timeout,
    TransportError,
)
from wsclient.sync import SyncMoodleClient

__all__ = [
    "DEFAULT_SERVICE",
    "AccessDenied",
    "BatchResult",
    "InvalidParameter",
    "InvalidToken",
    "LoginFailed",
    "MoodleClient",
    "MoodleError",
    "NotFound",
    "Protocol",
    "ServerBusy",
    "SyncMoodleClient",
    "Timeout",
    "TransportError",
    "encode_form",
]
