"""Structured logging: one JSON object per line on stderr, the same format in every service.

Every record logged while a request is being served carries its ``request_id``: the gateway
binds it (:func:`bind_request_id`) for the request's task, the worker for the call's task, and
context variables travel with tasks (and, copied per call by
``services.functions.fnloop.FunctionLoop.run``, onto the functions loop), so no log call has to
pass it by hand.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from typing import Any

import msgspec

from shared.settings import DebugLevel

__all__ = [
    "REQUEST_ID",
    "JsonFormatter",
    "bind_request_id",
    "configure_logging",
    "current_request_id",
]

_encode = msgspec.json.Encoder().encode
_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

#: The request being served by the current task ("" outside any request).
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("ws_request_id", default="")


def bind_request_id(request_id: str) -> contextvars.Token[str]:
    """Make ``request_id`` the current task's request id (``REQUEST_ID.reset(token)`` undoes)."""
    return REQUEST_ID.set(request_id)


def current_request_id() -> str:
    return REQUEST_ID.get()


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        # Fields passed with `extra=` (request_id, function ...) join the object and win.
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else repr(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _encode(entry).decode()


def configure_logging(service: str, debug: DebugLevel = "normal") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug == "developer" else logging.INFO)
    # Library chatter (connection retries are logged by us with more context).
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
