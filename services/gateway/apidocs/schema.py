"""JSON Schema (2020-12, as OpenAPI 3.1 uses it) from descriptions in their JSON form.

Two directions, because Moodle treats them differently:

* ``request`` - what a client sends to the JSON API. Unknown keys are rejected
  (``additionalProperties: false``); a key is ``required`` only when VALUE_REQUIRED; VALUE_DEFAULT
  keys carry their ``default``.
* ``response`` - what the cleaned return value looks like. Unknown keys are dropped by cleaning,
  so ``additionalProperties: true`` (a newer server may add keys); besides VALUE_REQUIRED keys,
  VALUE_DEFAULT *scalar* keys are always present too (cleaning inserts their default).

PHP quirks and how they are encoded:

* Scalars: ``int`` -> integer, ``float`` -> number, ``bool`` -> boolean (REST form encoding
  carries 0/1 instead; that is the REST operation's business), everything else -> string.
* ``raw`` in a response admits any scalar: Moodle returns RAW values with their PHP type.
* ``allownull`` -> ``type: [x, "null"]``. Scalars allow null unless told otherwise (Moodle's
  default), so most scalar schemas are nullable: that is what the server accepts and returns.
* ``pattern`` only where the PARAM rule is exactly a character class or an exact regex (alpha*,
  sequence, safedir/safepath, plugin/area, stringid); types with extra rules get none.
* The URL and email cleaners accept ``""``, so a format comes as
  ``anyOf: [{format}, {const: ""}]``; tools that assert formats must still accept ``""``.
* A response structure whose keys may all be absent is encoded by PHP as ``[]``: such nodes
  are ``anyOf: [object, {type: array, maxItems: 0}]`` (only those; see ``could_be_empty``).
* Defaults are coerced the way Moodle cleans them (``"6"`` for an int is 6); a default that can
  never validate is kept as ``x-moodle-default`` instead of ``default``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from services.gateway.apidocs.structure import (
    VALUE_DEFAULT,
    VALUE_REQUIRED,
    Desc,
    allows_null,
    could_be_empty,
    desc_text,
    keys_of,
    kind,
    param_type,
    required_mode,
)

__all__ = ["Direction", "description_schema"]

Direction = Literal["request", "response"]

_NUMERIC = {"int": "integer", "float": "number", "bool": "boolean"}

#: Formats that describe a PARAM type well enough (annotation only; ``""`` is still accepted).
_FORMATS = {"email": "email", "url": "uri", "localurl": "uri-reference"}

#: PARAM types whose validation is exactly "matches this pattern" (clean() removing every other
#: character, then the value must be unchanged), or whose cleaner returns "" unless a regex
#: matches. Types with extra rules (component, lang, timezone, ...) get no pattern.
_PATTERNS = {
    "alpha": "^[a-zA-Z]*$",
    "alphaext": "^[a-zA-Z_-]*$",
    "alphanum": "^[A-Za-z0-9]*$",
    "alphanumext": "^[A-Za-z0-9_-]*$",
    "sequence": "^[0-9,]*$",
    "safedir": "^[a-zA-Z0-9_-]*$",
    "safepath": "^[a-zA-Z0-9/_-]*$",
    "plugin": "^$|^[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+$",
    "area": "^$|^[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+$",
    "stringid": "^$|^[a-zA-Z][a-zA-Z0-9.:/_-]*$",
}

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
# Rough shapes only: a default failing them would also fail Moodle's stricter cleaners.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")

_ANY_SCALAR = ["string", "integer", "number", "boolean"]


def description_schema(desc: Desc, direction: Direction) -> dict[str, Any]:
    """The JSON Schema of one description node (recursively)."""
    node = kind(desc)
    if node == "value":
        schema = _value_schema(desc, direction)
    elif node == "multiple":
        schema = {
            "type": _nullable("array", desc),
            "items": description_schema(desc["content"], direction),
        }
    else:
        schema = _single_schema(desc, direction)
    text = desc_text(desc)
    if text:
        schema["description"] = text
    if required_mode(desc) == VALUE_DEFAULT and "default" in desc:
        _add_default(schema, desc, desc["default"])
    return schema


def _add_default(schema: dict[str, Any], desc: Desc, default: Any) -> None:
    """Set ``default`` as cleaning would produce it, or keep it aside when it cannot conform.

    Moodle validates a default when it is used, coercing it (``"6"`` for an int becomes 6). A
    default that could never pass (``null`` where null is not allowed, ``"abc"`` for an int) makes
    the key required in practice; it is kept as ``x-moodle-default`` so the document stays valid.
    """
    if default is None:
        ok, value = allows_null(desc), None
    elif kind(desc) == "value":
        ok, value = _coerce(schema, default)
    elif kind(desc) == "multiple":
        ok, value = default == [], []
    else:
        ok, value = False, None
    if ok:
        schema["default"] = value
    else:
        schema["x-moodle-default"] = default


def _coerce(schema: dict[str, Any], default: Any) -> tuple[bool, Any]:
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    candidates: list[Any] = [default]
    if "integer" in types and isinstance(default, str) and _INT.fullmatch(default):
        candidates.append(int(default))
    if "integer" in types and isinstance(default, float) and default.is_integer():
        candidates.append(int(default))
    if "boolean" in types and default in (0, 1, "0", "1"):
        candidates.append(default in (1, "1"))
    if "string" in types and isinstance(default, int | float) and not isinstance(default, bool):
        candidates.append(str(default))
    for value in candidates:
        if _json_type(value) in types or (_json_type(value) == "integer" and "number" in types):
            if isinstance(value, str) and not _plausible(schema, value):
                continue
            return True, value
    return False, None


def _plausible(schema: dict[str, Any], value: str) -> bool:
    """Whether a string default could pass the PARAM rule the schema stands for."""
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, value):
        return False
    formats = [branch.get("format") for branch in schema.get("anyOf", ())]
    if value and "email" in formats:
        return _EMAIL.fullmatch(value) is not None
    if value and "uri" in formats:
        return _URL.fullmatch(value) is not None
    return True


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


def _nullable(json_type: str, desc: Desc) -> str | list[str]:
    return [json_type, "null"] if allows_null(desc) else json_type


def _value_schema(desc: Desc, direction: Direction) -> dict[str, Any]:
    ptype = param_type(desc)
    if ptype in _NUMERIC:
        return {"type": _nullable(_NUMERIC[ptype], desc)}
    if ptype == "raw" and direction == "response":
        types = [*_ANY_SCALAR, "null"] if allows_null(desc) else list(_ANY_SCALAR)
        return {"type": types}
    schema: dict[str, Any] = {"type": _nullable("string", desc)}
    if ptype in _FORMATS:
        # The cleaners accept "" (and defaults are often ""), which no format allows.
        schema["anyOf"] = [{"format": _FORMATS[ptype]}, {"const": ""}]
    if ptype in _PATTERNS:
        schema["pattern"] = _PATTERNS[ptype]
    return schema


def _single_schema(desc: Desc, direction: Direction) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for key, sub in keys_of(desc).items():
        name = str(key)
        properties[name] = description_schema(sub, direction)
        mode = required_mode(sub)
        if mode == VALUE_REQUIRED or (
            direction == "response" and mode == VALUE_DEFAULT and kind(sub) == "value"
        ):
            required.append(name)
    obj: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        obj["required"] = required
    obj["additionalProperties"] = direction == "response"
    if direction == "response" and could_be_empty(desc):
        # PHP encodes a structure left without keys as [] - accept that shape too.
        variants: list[dict[str, Any]] = [obj, {"type": "array", "maxItems": 0}]
        if allows_null(desc):
            variants.append({"type": "null"})
        return {"anyOf": variants}
    if allows_null(desc):
        obj["type"] = ["object", "null"]
    return obj
