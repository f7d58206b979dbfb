"""Moodle REST responses: JSON and XML bodies, error shapes and the headers Moodle sends."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from services.gateway.observe import with_request_id
from shared.errors import ErrorInfo
from shared.external import Description, render_xml, render_xml_error

__all__ = ["RestFormat", "rest_error", "rest_result"]

_json = msgspec.json.Encoder()

RestFormat = str  # "json" | "xml"

#: Headers Moodle's REST server sends with every response (reference §4.1).
_COMMON_HEADERS = {
    "Cache-Control": "private, must-revalidate, pre-check=0, post-check=0, max-age=0",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
    "Pragma": "no-cache",
    "Accept-Ranges": "none",
    "Access-Control-Allow-Origin": "*",
}
_XML_HEADERS = _COMMON_HEADERS | {
    "Content-Type": "application/xml; charset=utf-8",
    "Content-Disposition": 'inline; filename="response.xml"',
}
_JSON_HEADERS = _COMMON_HEADERS | {"Content-Type": "application/json"}


def error_body(info: ErrorInfo, *, show_debuginfo: bool) -> dict[str, Any]:
    """Moodle's exception object: exactly exception, errorcode, message[, debuginfo]."""
    info = with_request_id(info)
    body: dict[str, Any] = {
        "exception": info.exception,
        "errorcode": info.errorcode,
        "message": info.message,
    }
    if show_debuginfo and info.debuginfo:
        body["debuginfo"] = info.debuginfo
    return body


def rest_result(value: Any, returns: Description | None, fmt: RestFormat) -> web.Response:
    if fmt == "json":
        # msgspec keeps floats as floats (2.0 stays 2.0) and emits `null` for void functions.
        return web.Response(body=_json.encode(value), headers=_JSON_HEADERS)
    return web.Response(body=render_xml(value, returns).encode(), headers=_XML_HEADERS)


def rest_error(info: ErrorInfo, fmt: RestFormat, *, show_debuginfo: bool) -> web.Response:
    """Errors are HTTP 200 on Moodle endpoints: clients parse the body."""
    if fmt == "json":
        return web.Response(
            body=_json.encode(error_body(info, show_debuginfo=show_debuginfo)),
            headers=_JSON_HEADERS,
        )
    info = with_request_id(info)
    return web.Response(
        body=render_xml_error(info, debuginfo=show_debuginfo).encode(), headers=_XML_HEADERS
    )
