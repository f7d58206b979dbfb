"""The OpenAPI 3.1 document of a site: Moodle REST, token.php and the JSON API.

Decisions where PHP's behaviour does not fit a schema language (see also ``schema.py``):

* Moodle REST answers errors with HTTP 200 and an ``exception`` object, so the REST 200 response
  is a union of every function's return schema and the exception schema. The union is ``anyOf``,
  not ``oneOf``: return schemas allow extra keys and often overlap (two functions returning lists
  of objects), so a valid body would match several branches and fail ``oneOf``.
* REST arguments are form fields in PHP bracket syntax (``options[0][name]=x``); a schema cannot
  name them per function, so they are a free-form map of strings next to the reserved fields,
  and the encoding is explained in the operation description. Booleans travel as ``0``/``1``.
* The reserved REST fields may come in the query string or the form body (PHP merges both, the
  body winning), so neither place marks them required; the description says they are.
* A function without a return description answers JSON ``null`` on every protocol.
* JSON API error statuses and their errorcodes come from :data:`shared.errors.HTTP_STATUS`, so
  this document cannot drift from the table the gateway uses.
* Descriptions written by plugin authors are copied as plain text (not escaped): the document is
  data, and a viewer that renders its Markdown must treat it as untrusted.

Per-function schemas live in ``components.schemas`` as ``<function>.parameters`` and
``<function>.returns`` (the name made safe for a component key, and unique); both REST and the
JSON API reference them. JSON API paths are ``/api/v1/functions/<function>``, percent-encoded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from services.gateway.apidocs.schema import description_schema
from services.gateway.apidocs.structure import VALUE_REQUIRED, keys_of, required_mode
from shared.errors import HTTP_STATUS
from shared.wire import FunctionInfo

__all__ = ["build_openapi"]

REST_PATH = "/webservice/rest/server.php"
LOGIN_PATH = "/login/token.php"
API_PREFIX = "/api/v1/functions/"

_EXCEPTION = "MoodleException"
_LOGIN_OK = "TokenResponse"
_LOGIN_ERROR = "TokenError"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")

_REST_DESCRIPTION = """\
Moodle's REST protocol. Reserved fields (`wstoken`, `wsfunction`, `moodlewsrestformat`,
`moodlewssetting*`) may be sent in the query string or the form body; `wstoken` and
`wsfunction` are required. Every other field is a function argument in PHP bracket syntax:
`courseid=2`, lists `courseids[0]=1&courseids[1]=2`, structures
`options[0][name]=excludemodules&options[0][value]=1`, deeper levels
`users[0][customfields][0][type]=x`. All values are strings: booleans are `0`/`1`; null and
empty lists cannot be expressed (leave the field out to get the default); unknown fields are
rejected. A JSON request body is ignored.

Errors are answered with HTTP **200** and an exception object
(`{"exception", "errorcode", "message", "debuginfo"?}`; in XML an `<EXCEPTION>` document):
clients must inspect the body. HTTP 403 with an empty body means web services or the REST
protocol are disabled."""

_SETTINGS = (
    ("moodlewssettingraw", "boolean", False, "Return text and strings unformatted."),
    (
        "moodlewssettingfileurl",
        "boolean",
        True,
        "Rewrite `@@PLUGINFILE@@` placeholders to webservice/pluginfile.php URLs.",
    ),
    ("moodlewssettingfilter", "boolean", False, "Apply text filters."),
    ("moodlewssettinglang", "string", "", "Language of this call."),
    ("moodlewssettingtimezone", "string", "", "Timezone of this call."),
)


def build_openapi(
    functions: Sequence[FunctionInfo], *, site_name: str, wwwroot: str, version: str
) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document describing ``functions`` as served at ``wwwroot``."""
    ordered = sorted(functions, key=lambda f: f.name)
    bases = _schema_bases(ordered)
    schemas: dict[str, Any] = _shared_schemas()
    for fn in ordered:
        schemas[bases[fn.name] + ".parameters"] = description_schema(fn.parameters, "request")
        schemas[bases[fn.name] + ".returns"] = (
            description_schema(fn.returns, "response")
            if fn.returns is not None
            else {"type": "null", "description": "This function returns nothing."}
        )
    paths: dict[str, Any] = {
        REST_PATH: _rest_path(ordered, [bases[fn.name] + ".returns" for fn in ordered]),
        LOGIN_PATH: _token_path(),
    }
    errors = _error_responses()
    for fn in ordered:
        # Quoted so that odd names cannot form path templates ({x}) or extra segments.
        paths[API_PREFIX + quote(fn.name, safe="")] = {
            "post": _api_operation(fn, bases[fn.name], list(errors))
        }
    components: dict[str, Any] = {
        "schemas": schemas,
        "responses": errors,
        "securitySchemes": {
            "bearerToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A web service token from /login/token.php.",
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{site_name} web services",
            "version": version,
            "description": (
                "Moodle-compatible external functions. The Moodle endpoints keep Moodle's "
                "formats (errors with HTTP 200); the JSON API under /api/v1 uses HTTP statuses."
            ),
        },
        "servers": [{"url": wwwroot.rstrip("/") or "/"}],
        "tags": [{"name": c} for c in sorted({fn.component for fn in ordered})],
        "paths": paths,
        "components": components,
    }


def _ref(name: str, section: str = "schemas") -> dict[str, str]:
    return {"$ref": f"#/components/{section}/{name}"}


def _schema_bases(functions: Sequence[FunctionInfo]) -> dict[str, str]:
    """Component-name prefix per function: its name, made safe and unique."""
    bases: dict[str, str] = {}
    used: set[str] = set()
    for fn in functions:
        base = candidate = _SAFE_NAME.sub("_", fn.name)
        n = 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        bases[fn.name] = candidate
    return bases


def _shared_schemas() -> dict[str, Any]:
    return {
        _EXCEPTION: {
            "type": "object",
            "description": "A Moodle exception, as the REST JSON format and the JSON API send it.",
            "properties": {
                "exception": {"type": "string", "description": "Moodle exception class."},
                "errorcode": {"type": "string"},
                "message": {"type": "string", "description": "Localized message."},
                "debuginfo": {"type": "string", "description": "Only with site debugging on."},
            },
            "required": ["exception", "errorcode", "message"],
        },
        _LOGIN_OK: {
            "type": "object",
            "properties": {
                "token": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "privatetoken": {
                    "type": ["string", "null"],
                    "description": "Only over HTTPS and for users who are not site admins.",
                },
            },
            "required": ["token"],
        },
        _LOGIN_ERROR: {
            "type": "object",
            "description": "login/token.php failure (sent with HTTP 200).",
            "properties": {
                "error": {"type": "string", "description": "Localized message."},
                "errorcode": {"type": "string"},
                "stacktrace": {"type": ["string", "null"]},
                "debuginfo": {"type": ["string", "null"]},
                "reproductionlink": {"type": ["string", "null"]},
            },
            "required": ["error", "errorcode"],
        },
    }


def _query(
    name: str, schema: dict[str, Any], description: str, *, required: bool = False
) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name,
        "in": "query",
        "schema": schema,
        "description": description,
    }
    if required:
        param["required"] = True
    return param


def _rest_fields(functions: Sequence[FunctionInfo]) -> dict[str, dict[str, Any]]:
    wsfunction: dict[str, Any] = {"type": "string"}
    if functions:
        wsfunction["enum"] = [fn.name for fn in functions]
    fields: dict[str, dict[str, Any]] = {
        "wstoken": {"type": "string", "description": "Web service token."},
        "wsfunction": {**wsfunction, "description": "Function to call."},
        "moodlewsrestformat": {
            "type": "string",
            "enum": ["xml", "json"],
            "default": "xml",
            "description": "Response format; any other value means xml.",
        },
    }
    for name, json_type, default, text in _SETTINGS:
        fields[name] = {"type": json_type, "default": default, "description": text}
    return fields


def _rest_path(functions: Sequence[FunctionInfo], returns: list[str]) -> dict[str, Any]:
    fields = _rest_fields(functions)
    query = [
        _query(name, {k: v for k, v in schema.items() if k != "description"}, schema["description"])
        for name, schema in fields.items()
    ]
    arguments = {
        "name": "arguments",
        "in": "query",
        "description": "Function arguments in PHP bracket syntax, one field per scalar.",
        "schema": {"type": "object", "additionalProperties": {"type": "string"}},
        "style": "form",
        "explode": True,
    }
    results = [_ref(name) for name in returns]
    responses = {
        "200": {
            "description": "The function's result, or a Moodle exception (errors are HTTP 200).",
            "content": {
                "application/json": {"schema": {"anyOf": [*results, _ref(_EXCEPTION)]}},
                "application/xml": {
                    "schema": {
                        "type": "string",
                        "description": "<RESPONSE> document, or <EXCEPTION> on error.",
                    }
                },
            },
        },
        "403": {"description": "Web services or the REST protocol are disabled (empty body)."},
    }
    form = {
        "type": "object",
        "properties": fields,
        "additionalProperties": {"type": "string"},
    }
    common = {"tags": ["Moodle REST"], "description": _REST_DESCRIPTION, "responses": responses}
    return {
        "get": {
            **common,
            "operationId": "rest_get",
            "summary": "Call a function (Moodle REST, GET)",
            "parameters": [*query, arguments],
        },
        "post": {
            **common,
            "operationId": "rest_post",
            "summary": "Call a function (Moodle REST, form POST)",
            "parameters": query,
            "requestBody": {
                "content": {
                    "application/x-www-form-urlencoded": {"schema": form},
                    "multipart/form-data": {"schema": form},
                }
            },
        },
    }


def _token_path() -> dict[str, Any]:
    fields = {
        "username": {"type": "string", "description": "Lower-cased and trimmed by the server."},
        "password": {"type": "string", "format": "password"},
        "service": {"type": "string", "description": "Service shortname, e.g. moodle_mobile_app."},
    }
    responses = {
        "200": {
            "description": "A token, or a token.php error object (errors are HTTP 200).",
            "content": {
                "application/json": {"schema": {"anyOf": [_ref(_LOGIN_OK), _ref(_LOGIN_ERROR)]}}
            },
        }
    }
    common = {
        "tags": ["Authentication"],
        "summary": "Log in and get a web service token",
        "description": "Reuses the user's valid token for the service or creates one. Send the "
        "password with POST: GET puts it in server logs.",
        "responses": responses,
    }
    query = [
        _query(
            name,
            {k: v for k, v in schema.items() if k != "description"},
            schema.get("description", ""),
            required=True,
        )
        for name, schema in fields.items()
    ]
    return {
        "get": {**common, "operationId": "token_get", "parameters": query},
        "post": {
            **common,
            "operationId": "token_post",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": fields,
                            "required": list(fields),
                        }
                    }
                },
            },
        },
    }


def _error_responses() -> dict[str, Any]:
    by_status: dict[int, list[str]] = {400: []}
    for code, status in HTTP_STATUS.items():
        by_status.setdefault(status, []).append(code)
    responses: dict[str, Any] = {}
    for status in sorted(by_status):
        codes = by_status[status]
        text = (
            "Errorcodes: " + ", ".join(codes) + "."
            if status != 400
            else "Invalid parameters and any errorcode without its own status."
        )
        responses[f"Error{status}"] = {
            "description": text,
            "content": {"application/json": {"schema": _ref(_EXCEPTION)}},
        }
    return responses


def _summary(description: str, name: str) -> str:
    first = description.strip().split("\n", 1)[0].strip()
    if not first:
        return name
    return first if len(first) <= 120 else first[:117].rstrip() + "..."


def _api_operation(fn: FunctionInfo, base: str, error_responses: list[str]) -> dict[str, Any]:
    params_required = any(
        required_mode(sub) == VALUE_REQUIRED for sub in keys_of(fn.parameters).values()
    )
    details = [
        fn.description.strip() or fn.name,
        f"Type: {fn.type}. Restricted to logged-in users: {'Yes' if fn.loginrequired else 'No'}."
        f" Callable from AJAX: {'Yes' if fn.ajax else 'No'}.",
    ]
    if fn.capabilities:
        details.append("Required capabilities: " + ", ".join(fn.capabilities) + ".")
    errors = {key.removeprefix("Error"): _ref(key, "responses") for key in error_responses}
    operation: dict[str, Any] = {
        "operationId": fn.name,
        "tags": [fn.component],
        "summary": _summary(fn.description, fn.name),
        "description": "\n\n".join(details),
        "security": [{"bearerToken": []}],
        "requestBody": {
            "required": params_required,
            "content": {"application/json": {"schema": _ref(base + ".parameters")}},
        },
        "responses": {
            "200": {
                "description": "The cleaned return value.",
                "content": {"application/json": {"schema": _ref(base + ".returns")}},
            },
            **errors,
        },
        "x-moodle-type": fn.type,
        "x-moodle-ajax": fn.ajax,
        "x-moodle-loginrequired": fn.loginrequired,
        "x-moodle-capabilities": list(fn.capabilities),
    }
    if fn.deprecated:
        operation["deprecated"] = True
    return operation
